// SVG line charts (include/backprop/report/svg_plot.hpp).
#include "backprop/report/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace bp {

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

namespace {

constexpr int kChartHeight = 270, kLeft = 78, kRight = 18, kTop = 40, kBottom = 50;
const char* const kColours[] = {"#0877bd", "#f59322", "#2e8540", "#8e44ad"};

std::string num(double v, const char* f) {
  char buf[40];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
// The shortest of %.15g, %.16g, %.17g that reads back as v: the CSV's 0.4, not 0.40000000000000002.
std::string num(double v) {
  for (const char* f : {"%.15g", "%.16g"})
    if (std::string s = num(v, f); std::strtod(s.c_str(), nullptr) == v) return s;
  return num(v, "%.17g");
}
std::string px(double v) { return num(v, "%.2f"); }

// Ticks at 1, 2 or 5 times a power of ten, about five over [lo, hi]; widens [lo, hi] to them.
std::vector<double> nice_ticks(double& lo, double& hi) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / 5, mag = std::pow(10, std::floor(std::log10(raw)));
  const double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  std::vector<double> t;
  for (double v = lo; v <= hi + step / 2; v += step) t.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  return t;
}

std::string tick_label(double v) { return num(v, "%.6g"); }

struct Range {
  double lo = INFINITY, hi = -INFINITY;
  void add(double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

std::string render_chart(const PlotChart& c, int width, int y0) {
  Range xr, yr;
  for (const auto& s : c.series)
    for (std::size_t k = 0; k < s.x.size(); ++k)
      if (std::isfinite(s.y[k])) xr.add(s.x[k]), yr.add(s.y[k]);
  if (xr.empty()) xr = {0, 1};
  if (yr.empty()) yr = {0, 1};
  double xlo = xr.lo, xhi = xr.hi, ylo = yr.lo, yhi = yr.hi;
  const std::vector<double> xt = nice_ticks(xlo, xhi), yt = nice_ticks(ylo, yhi);
  const double L = kLeft, R = width - kRight, T = y0 + kTop, B = y0 + kChartHeight - kBottom;
  const auto X = [&](double v) { return L + (R - L) * (v - xlo) / (xhi - xlo); };
  const auto Y = [&](double v) { return B - (B - T) * (v - ylo) / (yhi - ylo); };
  std::string o = "<g class=\"chart\" data-chart=\"" + xml_escape(c.id) + "\" data-x-min=\"" + num(xlo) +
                  "\" data-x-max=\"" + num(xhi) + "\" data-y-min=\"" + num(ylo) + "\" data-y-max=\"" + num(yhi) +
                  "\" data-left=\"" + px(L) + "\" data-right=\"" + px(R) + "\" data-top=\"" + px(T) +
                  "\" data-bottom=\"" + px(B) + "\">\n";
  o += "<text class=\"title\" x=\"" + px(L) + "\" y=\"" + px(y0 + 22) + "\">" + xml_escape(c.title) + "</text>\n";
  for (double v : yt)
    o += "<line class=\"grid\" x1=\"" + px(L) + "\" x2=\"" + px(R) + "\" y1=\"" + px(Y(v)) + "\" y2=\"" + px(Y(v)) +
         "\"/><text class=\"tick\" x=\"" + px(L - 6) + "\" y=\"" + px(Y(v) + 4) + "\" text-anchor=\"end\">" +
         tick_label(v) + "</text>\n";
  for (double v : xt)
    o += "<line class=\"axis\" x1=\"" + px(X(v)) + "\" x2=\"" + px(X(v)) + "\" y1=\"" + px(B) + "\" y2=\"" + px(B + 5) +
         "\"/><text class=\"tick\" x=\"" + px(X(v)) + "\" y=\"" + px(B + 18) + "\" text-anchor=\"middle\">" +
         tick_label(v) + "</text>\n";
  o += "<line class=\"axis\" x1=\"" + px(L) + "\" x2=\"" + px(R) + "\" y1=\"" + px(B) + "\" y2=\"" + px(B) + "\"/>";
  o += "<line class=\"axis\" x1=\"" + px(L) + "\" x2=\"" + px(L) + "\" y1=\"" + px(T) + "\" y2=\"" + px(B) + "\"/>\n";
  o += "<text class=\"label\" x=\"" + px((L + R) / 2) + "\" y=\"" + px(B + 38) + "\" text-anchor=\"middle\">" +
       xml_escape(c.x_label) + "</text>\n";
  const double ym = (T + B) / 2;
  o += "<text class=\"label\" x=\"16\" y=\"" + px(ym) + "\" text-anchor=\"middle\" transform=\"rotate(-90 16 " + px(ym) +
       ")\">" + xml_escape(c.y_label) + "</text>\n";
  for (std::size_t k = 0; k < c.series.size(); ++k) {
    const PlotSeries& s = c.series[k];
    const std::string colour = kColours[k % 4];
    std::string xs, ys, path;
    bool pen_down = false;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (i) xs += ',', ys += ',';  // (appending: GCC 12 reports a false -Wrestrict for "," + ...)
      xs += num(s.x[i]);
      if (std::isfinite(s.y[i])) ys += num(s.y[i]);
      if (!std::isfinite(s.y[i])) {
        pen_down = false;
        continue;
      }
      path += pen_down ? " L" : " M";
      path += px(X(s.x[i])) + "," + px(Y(s.y[i]));
      pen_down = true;
    }
    o += "<g class=\"series\" data-series=\"" + xml_escape(s.name) + "\"><path d=\"" + path + "\" fill=\"none\" stroke=\"" +
         colour + "\" stroke-width=\"2\"" + (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + " data-x=\"" + xs +
         "\" data-y=\"" + ys + "\"/>";
    if (s.x.size() <= 60)
      for (std::size_t i = 0; i < s.x.size(); ++i)
        if (std::isfinite(s.y[i]))
          o += "<circle cx=\"" + px(X(s.x[i])) + "\" cy=\"" + px(Y(s.y[i])) + "\" r=\"2.5\" fill=\"" + colour + "\"/>";
    // Legend entry, top right, one per line.
    const double ly = y0 + 12 + 15 * static_cast<double>(k);
    o += "<line x1=\"" + px(R - 210) + "\" x2=\"" + px(R - 184) + "\" y1=\"" + px(ly) + "\" y2=\"" + px(ly) +
         "\" stroke=\"" + colour + "\" stroke-width=\"2\"" + (s.dashed ? " stroke-dasharray=\"6 4\"" : "") +
         "/><text class=\"legend\" x=\"" + px(R - 178) + "\" y=\"" + px(ly + 4) + "\">" + xml_escape(s.name) + "</text>";
    o += "</g>\n";
  }
  return o + "</g>\n";
}

}  // namespace

std::string render_svg_charts(const std::vector<PlotChart>& charts, int width, bool standalone) {
  const int height = kChartHeight * static_cast<int>(std::max<std::size_t>(charts.size(), 1));
  std::string o = standalone ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : "";
  o += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"bp-charts\" width=\"" + std::to_string(width) +
       "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " +
       std::to_string(height) + "\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n";
  o += "<style>.title{font-size:14px;font-weight:bold}.tick,.legend{fill:#333}.label{fill:#333;font-size:12px}"
       ".grid{stroke:#e3e6e8}.axis{stroke:#555}</style>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  for (std::size_t k = 0; k < charts.size(); ++k) o += render_chart(charts[k], width, kChartHeight * static_cast<int>(k));
  return o + "</svg>\n";
}

std::vector<PlotChart> metrics_log_charts(const MetricsLog& log) {
  const std::vector<double> epoch = log.column("epoch");
  const auto has = [&](const std::string& name) {
    const std::vector<double> v = log.column(name);
    return std::any_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
  };
  const auto chart = [&](std::string id, std::string title, std::string y_label,
                         std::vector<std::pair<std::string, std::string>> cols) {
    PlotChart c{std::move(id), std::move(title), "epoch", std::move(y_label), {}};
    for (const auto& [col, name] : cols)
      if (has(col)) c.series.push_back({name + " (" + col + ")", epoch, log.column(col), col.starts_with("val_")});
    return c;
  };
  std::vector<PlotChart> out;
  for (PlotChart c : {chart("loss", "Loss per epoch", "loss (mean over samples)", {{"loss", "train"}, {"val_loss", "validation"}}),
                      chart("accuracy", "Accuracy per epoch", "accuracy (fraction correct)",
                            {{"accuracy", "train"}, {"val_accuracy", "validation"}}),
                      chart("lr", "Learning rate", "learning rate", {{"lr", "used"}}),
                      chart("seconds", "Time per epoch", "seconds per epoch (s)", {{"seconds", "wall clock"}})})
    if (!c.series.empty()) out.push_back(std::move(c));
  return out;
}

}  // namespace bp
