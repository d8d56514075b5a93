// Small helpers shared by the workload programs under bench/ (W1-W4, the GEMM floor):
// "--key value" flags, a monotonic clock, medians, and the one-line RESULT record run.sh parses.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bp::bench {

/// "--key value" pairs and bare "--flag"s. Unknown keys are an error, so a typo in run.sh fails
/// loudly instead of silently benchmarking the default.
class Args {
 public:
  Args(int argc, char** argv, std::vector<std::string> known) : known_(std::move(known)) {
    for (int k = 1; k < argc; ++k) {
      std::string key = argv[k];
      if (key.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument '" + key + "'");
      key = key.substr(2);
      if (std::find(known_.begin(), known_.end(), key) == known_.end())
        throw std::invalid_argument("unknown flag --" + key);
      const bool has_value = k + 1 < argc && std::string_view(argv[k + 1]).rfind("--", 0) != 0;
      kv_.emplace_back(key, has_value ? argv[++k] : "1");
    }
  }
  std::string str(const std::string& key, const std::string& def) const {
    for (const auto& [k, v] : kv_)
      if (k == key) return v;
    return def;
  }
  std::size_t size(const std::string& key, std::size_t def) const {
    const std::string v = str(key, "");
    if (v.empty()) return def;
    std::size_t pos = 0;
    const unsigned long long n = std::stoull(v, &pos);
    if (pos != v.size()) throw std::invalid_argument("--" + key + " '" + v + "': expected an integer");
    return static_cast<std::size_t>(n);
  }
  bool flag(const std::string& key) const { return !str(key, "").empty(); }

 private:
  std::vector<std::string> known_;
  std::vector<std::pair<std::string, std::string>> kv_;
};

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// Median of v (the mean of the two middle values for an even count); v is reordered.
inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

/// Peak resident set size of this process in MiB (VmHWM from /proc/self/status), or -1.
inline double peak_rss_mib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  double kib = -1;
  while (std::fgets(line, sizeof line, f))
    if (std::string_view(line).rfind("VmHWM:", 0) == 0) kib = std::atof(line + 6);
  std::fclose(f);
  return kib < 0 ? -1 : kib / 1024.0;
}

}  // namespace bp::bench
