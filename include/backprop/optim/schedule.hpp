// Learning-rate schedules. The first three are pure functions of the epoch (nothing to save
// beyond the epoch itself); ReduceOnPlateau keeps a few counters and saves them for checkpoints.
// Use: opt.set_lr(schedule.lr_at(epoch)) before each epoch, or opt.set_lr(plateau.step(val_loss))
// after it.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace bp {

/// lr(e) = base_lr * gamma^floor(e / step_size)   (torch.optim.lr_scheduler.StepLR)
struct StepSchedule {
  double base_lr = 0.1;        ///< > 0
  std::size_t step_size = 10;  ///< epochs between decays (> 0)
  double gamma = 0.1;          ///< factor per decay (> 0)
  void validate() const;       ///< throws UsageError naming the field and value
  double lr_at(std::size_t epoch) const;
};

/// lr(e) = base_lr * gamma^e   (torch.optim.lr_scheduler.ExponentialLR)
struct ExponentialSchedule {
  double base_lr = 0.1;  ///< > 0
  double gamma = 0.95;   ///< > 0
  void validate() const;
  double lr_at(std::size_t epoch) const;
};

/// Linear warm-up, then cosine decay to min_lr (the schedule of BERT/GPT fine-tuning; HF
/// transformers' get_cosine_schedule_with_warmup when min_lr = 0). With W = warmup_steps and
/// S = total_steps:
///   e <  W:      lr = base_lr * e / W                      (starts at 0)
///   W <= e < S:  lr = min_lr + (base_lr - min_lr) * (1 + cos(pi (e - W) / (S - W))) / 2
///   e >= S:      lr = min_lr
/// "e" counts whatever the caller steps: epochs or updates.
struct CosineWarmupSchedule {
  double base_lr = 0.1;          ///< peak lr, reached at e = W (> 0)
  std::size_t warmup_steps = 0;  ///< W (<= total_steps); 0 = no warm-up
  std::size_t total_steps = 100; ///< S (> warmup_steps)
  double min_lr = 0;             ///< floor of the decay, in [0, base_lr]
  void validate() const;
  double lr_at(std::size_t epoch) const;
};

/// Divides the lr by 1/factor when the metric stopped improving for more than `patience` epochs
/// (torch.optim.lr_scheduler.ReduceLROnPlateau, PyTorch 1.13 semantics).
struct PlateauOptions {
  bool maximize = false;        ///< mode "max" (e.g. accuracy) instead of "min" (loss)
  double factor = 0.1;          ///< new lr = max(lr * factor, min_lr); in (0, 1)
  std::size_t patience = 10;    ///< bad epochs tolerated before a reduction
  double threshold = 1e-4;      ///< improvement needed to count as better (>= 0)
  bool threshold_relative = true;  ///< "rel": best * (1 -/+ threshold); else "abs": best -/+ threshold
  std::size_t cooldown = 0;     ///< epochs after a reduction during which bad epochs are not counted
  double min_lr = 0;            ///< >= 0
  double eps = 1e-8;            ///< reductions smaller than this are skipped (>= 0)
  void validate() const;
};

class ReduceOnPlateau {
 public:
  /// Throws UsageError from opts.validate() or when lr is not finite and > 0.
  ReduceOnPlateau(double lr, PlateauOptions opts);
  /// Records the metric of one epoch and returns the lr for the next one. For each epoch:
  ///   better = metric < best (1 - threshold)  [mode min, rel; the other three forms alike]
  ///   better: best = metric, bad = 0;  else bad += 1
  ///   in cooldown (counter > 0): counter -= 1, bad = 0
  ///   bad > patience: lr' = max(lr * factor, min_lr), taken if lr - lr' > eps; counter = cooldown,
  ///   bad = 0
  double step(double metric);
  double lr() const noexcept { return lr_; }
  double best() const noexcept { return best_; }
  std::size_t bad_epochs() const noexcept { return bad_epochs_; }
  /// Appends lr, best, bad epochs, cooldown counter, epoch count (5 values).
  void save_state(std::vector<double>& out) const;
  /// Restores what save_state wrote; returns the number of values read (5). Throws DataError when
  /// fewer than 5 values are given or a counter is not a count.
  std::size_t load_state(std::span<const double> in);

 private:
  bool is_better(double a) const noexcept;
  PlateauOptions opts_;
  double lr_;
  double best_;
  std::size_t bad_epochs_ = 0;
  std::size_t cooldown_counter_ = 0;
  std::size_t epoch_ = 0;
};

}  // namespace bp
