// The HTML report of a training run or an evaluation (include/backprop/report/run_report.hpp).
#include "backprop/report/run_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "backprop/report/svg_plot.hpp"

namespace bp {

namespace {

std::string num(double v, const char* f = "%.6g") {
  if (std::isnan(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// A table cell holding a number; data-value keeps every digit for checks.
std::string cell(double v, const char* f = "%.6g") {
  return "<td class=\"n\" data-value=\"" + num(v, "%.17g") + "\">" + num(v, f) + "</td>";
}

std::string history_section(const MetricsLog& h) {
  std::string o = "<section><h2>Training, epoch by epoch</h2>\n<div class=\"charts\">" +
                  render_svg_charts(metrics_log_charts(h), 760, false) + "</div>\n";
  o += "<details><summary>The numbers (" + std::to_string(h.rows.size()) +
       " epochs)</summary><div class=\"scroll\"><table id=\"history\"><tr>";
  for (const auto& c : h.columns) o += "<th>" + xml_escape(c) + (c == "seconds" ? " (s)" : "") + "</th>";
  o += "</tr>\n";
  for (const auto& row : h.rows) {
    o += "<tr>";
    for (double v : row) o += cell(v);
    o += "</tr>\n";
  }
  return o + "</table></div></details></section>\n";
}

// Rows are true classes, columns predicted; a cell's shade is its share of the row.
std::string confusion_section(const RunReport& r) {
  const std::size_t C = r.class_names.size();
  std::string o = "<section><h2>Confusion matrix</h2>\n<p class=\"hint\">Rows: the true class; columns: the "
                  "predicted class. A cell's shade is its share of the row (that class's recall on the "
                  "diagonal).</p>\n<div class=\"scroll\"><table id=\"confusion\" class=\"heat\"><tr><th>true \\ "
                  "predicted</th>";
  for (const auto& n : r.class_names) o += "<th class=\"col\">" + xml_escape(n) + "</th>";
  o += "</tr>\n";
  for (std::size_t t = 0; t < C; ++t) {
    std::uint64_t total = 0;
    for (std::size_t p = 0; p < C; ++p) total += r.confusion[t * C + p];
    o += "<tr><th>" + xml_escape(r.class_names[t]) + "</th>";
    for (std::size_t p = 0; p < C; ++p) {
      const std::uint64_t n = r.confusion[t * C + p];
      const double share = total ? static_cast<double>(n) / static_cast<double>(total) : 0;
      o += "<td class=\"n\" style=\"background:rgba(8,119,189," + num(share, "%.3f") + ");color:" +
           (share > 0.5 ? "#fff" : "#1d2328") + "\" title=\"true " + xml_escape(r.class_names[t]) + ", predicted " +
           xml_escape(r.class_names[p]) + ": " + std::to_string(n) + "\" data-value=\"" + std::to_string(n) + "\">" +
           std::to_string(n) + "</td>";
    }
    o += "</tr>\n";
  }
  o += "</table></div>\n<h2>Per class</h2><div class=\"scroll\"><table id=\"per-class\"><tr><th>class</th>"
       "<th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>\n";
  for (const auto& c : r.classes)
    o += "<tr><th>" + xml_escape(c.name) + "</th>" + cell(c.precision, "%.4f") + cell(c.recall, "%.4f") + cell(c.f1, "%.4f") +
         "<td class=\"n\">" + std::to_string(c.support) + "</td></tr>\n";
  return o + "</table></div></section>\n";
}

constexpr const char* kStyle =
    "body{margin:0;font:15px/1.45 system-ui,'DejaVu Sans',sans-serif;color:#1d2328;background:#f7f8fa}"
    "header{padding:14px 20px}h1{font-size:20px;margin:0}h2{font-size:16px;margin:14px 0 8px}h1,h2{overflow-wrap:anywhere}"
    "main{padding:0 20px 20px;max-width:1100px}section{background:#fff;border:1px solid #d5dbe0;border-radius:8px;"
    "padding:4px 14px 12px;margin-bottom:14px}pre{font:12.5px/1.4 'DejaVu Sans Mono',monospace;overflow-x:auto}"
    "table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}th,td{padding:3px 10px 3px 0;"
    "text-align:left;border-bottom:1px solid #eef0f2;white-space:nowrap}td.n{font-family:'DejaVu Sans Mono',monospace}"
    ".heat td{text-align:right;padding:4px 8px;border:1px solid #fff}.hint{color:#5f6b75;font-size:13px}"
    ".scroll{overflow-x:auto}pre.box{max-height:360px;overflow:auto}.charts svg{max-width:100%;height:auto}"
    "@media (max-width:700px){header,main{padding-left:8px;padding-right:8px}}";

}  // namespace

std::string render_run_report(const RunReport& r) {
  std::string o = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
                  "<title>" + xml_escape(r.title) + "</title><style>" + kStyle + "</style></head><body>\n<header><h1>" +
                  xml_escape(r.title) + "</h1></header><main>\n";
  if (!r.network_summary.empty())
    o += "<section><h2>Network</h2><pre id=\"network\">" + xml_escape(r.network_summary) + "</pre></section>\n";
  if (!r.test_metrics.empty()) {
    o += "<section><h2>Test metrics" + (r.test_what.empty() ? "" : ": " + xml_escape(r.test_what)) +
         "</h2><table id=\"test-metrics\">";
    for (const auto& [name, v] : r.test_metrics)
      o += "<tr><th>" + xml_escape(name) + "</th>" + cell(v, "%.6g") + "</tr>\n";
    o += "</table></section>\n";
  }
  if (!r.class_names.empty()) o += confusion_section(r);
  if (!r.history.rows.empty()) o += history_section(r.history);
  if (!r.config_json.empty())
    o += "<section><h2>Configuration (resolved)</h2><pre id=\"config\" class=\"box\">" + xml_escape(r.config_json) +
         "</pre></section>\n";
  return o + "</main></body></html>\n";
}

}  // namespace bp
