// Per-epoch training progress in the Keras style: a live bar on a terminal, one line per epoch
// otherwise (Keras's progbar: verbose 0 silent, 1 a live bar, 2 one line per epoch).
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace bp {

class Progress {
 public:
  /// out: where to draw (stderr by default, so stdout stays clean); live: redraw in place (a TTY).
  Progress(std::FILE* out, bool live) : out_(out), live_(live) {}
  /// Whether a stream is a terminal: the default for `live`.
  static bool is_terminal(std::FILE* f);

  /// Starts epoch `epoch` (1-based) of `epochs`, with `steps` batches of up to `samples` samples.
  void begin_epoch(std::size_t epoch, std::size_t epochs, std::size_t steps, std::size_t samples);
  /// After batch `step` (1-based) with `seen` samples so far: running metrics as (name, value).
  /// Redraws at most every 50 ms on a terminal; does nothing otherwise.
  void update(std::size_t step, std::size_t seen, const std::vector<std::pair<std::string, double>>& metrics);
  /// Ends the epoch with its final metrics (validation ones included), printing the epoch's line.
  void end_epoch(const std::vector<std::pair<std::string, double>>& metrics);

  /// "1.2345", or "1.2345e-04" when |x| < 1e-3 (Keras's rule).
  static std::string format_value(double v);
  /// "0.42s", "12.30s" (to 0.01 s under a minute), "1:02", "1:02:03".
  static std::string format_duration(double seconds);

 private:
  using Clock = std::chrono::steady_clock;
  void draw(std::size_t step, std::size_t seen, const std::vector<std::pair<std::string, double>>& metrics,
            bool final);
  std::FILE* out_;
  bool live_;
  std::size_t epoch_ = 0, epochs_ = 0, steps_ = 0, samples_ = 0, last_step_ = 0, last_seen_ = 0;
  Clock::time_point start_, first_step_done_, last_draw_;
  std::size_t width_ = 0;  // characters of the last live line, to blank leftovers
};

}  // namespace bp
