// Keras-style progress bar and epoch lines.
#include "backprop/train/progress.hpp"

#include <unistd.h>

#include <cmath>

namespace bp {

bool Progress::is_terminal(std::FILE* f) { return ::isatty(::fileno(f)) == 1; }

std::string Progress::format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, (v != 0 && std::abs(v) < 1e-3) ? "%.4e" : "%.4f", v);
  return buf;
}

std::string Progress::format_duration(double s) {
  char buf[32];
  if (s < 59.995) {  // to 0.01 s under a minute ("0.42s", "12.30s")
    std::snprintf(buf, sizeof buf, "%.2fs", s > 0 ? s : 0.0);
    return buf;
  }
  const long t = std::lround(s);
  if (t < 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  return buf;
}

void Progress::begin_epoch(std::size_t epoch, std::size_t epochs, std::size_t steps, std::size_t samples) {
  epoch_ = epoch;
  epochs_ = epochs;
  steps_ = steps;
  samples_ = samples;
  last_step_ = last_seen_ = 0;
  width_ = 0;
  start_ = last_draw_ = Clock::now();
  if (live_) std::fprintf(out_, "Epoch %zu/%zu\n", epoch, epochs);
}

void Progress::update(std::size_t step, std::size_t seen,
                      const std::vector<std::pair<std::string, double>>& metrics) {
  if (step == 1) first_step_done_ = Clock::now();  // time per step leaves out the first (warm-up)
  last_step_ = step;
  last_seen_ = seen;
  if (!live_) return;
  const auto now = Clock::now();
  if (step != steps_ && now - last_draw_ < std::chrono::milliseconds(50)) return;
  last_draw_ = now;
  draw(step, seen, metrics, false);
}

void Progress::draw(std::size_t step, std::size_t seen,
                    const std::vector<std::pair<std::string, double>>& metrics, bool final) {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double after_first = std::chrono::duration<double>(Clock::now() - first_step_done_).count();
  const double per_step = step > 1 ? after_first / double(step - 1) : elapsed;
  std::string line;
  char buf[160];
  const int digits = std::snprintf(nullptr, 0, "%zu", steps_);
  std::snprintf(buf, sizeof buf, "%*zu/%zu ", digits, step, steps_);
  line += buf;
  constexpr std::size_t kBar = 30;
  const std::size_t filled = steps_ ? kBar * step / steps_ : kBar;
  line += '[';
  for (std::size_t k = 0; k < kBar; ++k)
    line += k < filled ? '=' : (k == filled && !final ? '>' : '.');
  line += "] ";
  if (final) {
    const double ms = per_step * 1e3;
    std::snprintf(buf, sizeof buf, "%s %s/step", format_duration(elapsed).c_str(),
                  ms >= 1000 ? (std::to_string(std::lround(per_step)) + "s").c_str()
                  : ms >= 1  ? (std::to_string(std::lround(ms)) + "ms").c_str()
                             : (std::to_string(std::lround(ms * 1e3)) + "us").c_str());
  } else {
    std::snprintf(buf, sizeof buf, "ETA: %s", format_duration(per_step * double(steps_ - step)).c_str());
  }
  line += buf;
  if (elapsed > 0) {
    std::snprintf(buf, sizeof buf, " - %.0f samples/s", double(seen) / elapsed);
    line += buf;
  }
  for (const auto& [name, value] : metrics) line += " - " + name + ": " + format_value(value);
  const std::size_t pad = width_ > line.size() ? width_ - line.size() : 0;
  width_ = line.size();
  std::fprintf(out_, "\r%s%*s", line.c_str(), static_cast<int>(pad), "");
  if (final) std::fputc('\n', out_);
  std::fflush(out_);
}

void Progress::end_epoch(const std::vector<std::pair<std::string, double>>& metrics) {
  if (live_) {
    draw(last_step_, last_seen_, metrics, true);
    return;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  std::string line = "Epoch " + std::to_string(epoch_) + "/" + std::to_string(epochs_) + " - " +
                     format_duration(elapsed);
  char buf[64];
  std::snprintf(buf, sizeof buf, " - %.0f samples/s", elapsed > 0 ? double(last_seen_) / elapsed : 0.0);
  line += buf;
  for (const auto& [name, value] : metrics) line += " - " + name + ": " + format_value(value);
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

}  // namespace bp
