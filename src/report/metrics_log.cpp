// Reading the --metrics-log CSV back (include/backprop/report/metrics_log.hpp).
#include "backprop/report/metrics_log.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "backprop/core/error.hpp"

namespace bp {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

double parse_field(const std::string& s, const std::string& where, const std::string& column) {
  if (s.empty()) return kNaN;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v))
    throw DataError(where + ": column '" + column + "': expected a finite number or nothing, got '" + s + "'");
  return v;
}

}  // namespace

std::vector<double> MetricsLog::column(const std::string& name) const {
  const auto it = std::find(columns.begin(), columns.end(), name);
  if (it == columns.end()) return {};
  const auto c = static_cast<std::size_t>(it - columns.begin());
  std::vector<double> v;
  v.reserve(rows.size());
  for (const auto& r : rows) v.push_back(r[c]);
  return v;
}

MetricsLog read_metrics_log(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NoInputError(path + ": cannot open the metrics log");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  MetricsLog log;
  std::size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos && line_no > 0) break;  // a row still being written
    const std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    const std::string where = path + ":" + std::to_string(++line_no);
    std::vector<std::string> f = split(line);
    if (line_no == 1) {
      log.columns = f;
      if (std::find(f.begin(), f.end(), "epoch") == f.end())
        throw DataError(where + ": expected a header naming the column 'epoch', got '" + line + "'");
      continue;
    }
    if (line.empty() || line == "\r") continue;
    if (f.size() != log.columns.size())
      throw DataError(where + ": expected " + std::to_string(log.columns.size()) + " fields, got " +
                      std::to_string(f.size()));
    std::vector<double> row;
    for (std::size_t c = 0; c < f.size(); ++c) row.push_back(parse_field(f[c], where, log.columns[c]));
    log.rows.push_back(std::move(row));
  }
  if (log.columns.empty()) throw DataError(path + ":1: expected a header, got an empty file");
  if (log.rows.empty()) throw DataError(path + ": expected at least one epoch's row, got only the header");
  return log;
}

MetricsLog metrics_log_from_history(const std::vector<EpochStats>& history) {
  MetricsLog log;
  log.columns = {"epoch", "lr", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"};
  for (const EpochStats& s : history)
    log.rows.push_back({static_cast<double>(s.epoch), s.lr, s.loss, s.accuracy, s.val_loss, s.val_accuracy, s.seconds});
  return log;
}

}  // namespace bp
