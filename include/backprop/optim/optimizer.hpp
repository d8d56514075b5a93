// Optimizer<T>: the interface every first- and second-order update rule implements, and the
// flat per-element state (moment buffers, step counters) it owns and saves for checkpoints.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "backprop/core/param.hpp"

namespace bp {

/// Re-evaluates the loss at the current parameter values and refills every trainable grad
/// (zeroing it first, then backward), like the closure of PyTorch's `optimizer.step(closure)`.
/// Returns the loss. L-BFGS calls it several times per step; iRPROP+ uses its value E(t).
template <class T>
using Closure = std::function<T()>;

/// The parameters one optimizer updates, in a fixed order (e.g. Network layer by layer, w then b).
/// The list must keep the same length and the same tensor sizes from step to step.
template <class T>
using ParamSpan = std::span<Param<T>* const>;

/// One tensor's step of plain SGD (Sgd without weight decay) in element-wise form, for code that
/// applies it where the gradient is computed (the trainer's fused SGD step, fused::backward_sgd,
/// src/nn/fused/fused_sgd.hpp).
/// Per element, with the gradient g:
///   velocity == nullptr:  w += -lr * g
///   otherwise:            v = first ? g : v * momentum + keep * g;
///                         w += -lr * (nesterov ? g + momentum * v : v)
/// velocity points at this tensor's momentum buffer (as many elements as the tensor).
template <class T>
struct SgdStep {
  T lr = 0, momentum = 0, keep = 1;  ///< keep = 1 - dampening
  bool nesterov = false;
  bool first = false;
  T* velocity = nullptr;
};

/// Base of all optimizers. Parameters with trainable == false are skipped (their values are never
/// written). State is allocated on the first step, sized from the parameters: one flat buffer per
/// kind of state, indexed like the concatenation of all parameter values in list order, so later
/// steps allocate nothing. Not thread-safe; one optimizer per parameter list.
template <class T>
class Optimizer {
 public:
  explicit Optimizer(double lr);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One optimization step. Without a closure the grads must already hold dE/dw at the current
  /// values. With one, the optimizer calls it first (and L-BFGS again during its iterations), as
  /// PyTorch does. Returns the loss of the first closure call, or nothing without a closure.
  /// Throws UsageError when the parameter list changed shape since the first step, or when the
  /// optimizer needs a closure (L-BFGS) or a loss (iRPROP+) and got none.
  std::optional<T> step(ParamSpan<T> params, const Closure<T>* closure = nullptr);
  /// One step when the caller already computed E(t) and the grads at the current values (saves a
  /// closure call). Only iRPROP+ uses the loss; the others ignore it. L-BFGS throws (needs a closure).
  void step_with_loss(ParamSpan<T> params, T loss);

  /// The fused SGD step, in two calls. plan_fused_sgd: when this optimizer's step is, per element,
  /// plain SGD (SgdStep), checks the parameter list like step() (same errors), fills steps[k] for
  /// every parameter k and returns true; the caller must then apply exactly those updates to every
  /// trainable parameter, with the gradients step() would have been given, and call
  /// commit_fused_sgd(). Returns false otherwise (the default); either way the state may have
  /// been allocated, as the first step() would.
  /// steps.size() must be params.size().
  bool plan_fused_sgd(ParamSpan<T> params, std::span<SgdStep<T>> steps);
  /// Records that the planned step was taken (e.g. "the momentum buffers exist now").
  void commit_fused_sgd(ParamSpan<T> params) { fused_sgd_commit(params); }

  double lr() const noexcept { return lr_; }
  /// Changes the learning rate for the next steps (schedules). Throws UsageError unless lr is
  /// finite and >= 0 (0 is allowed so that a warm-up may start from zero).
  void set_lr(double lr);
  /// The factory name: "sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "rprop",
  /// "irprop+", "lbfgs".
  virtual std::string_view name() const noexcept = 0;
  /// True when step() must be given a closure (L-BFGS).
  virtual bool needs_closure() const noexcept { return false; }
  /// True when step() needs E(t): a closure or step_with_loss (iRPROP+).
  virtual bool needs_loss() const noexcept { return false; }

  /// Appends the whole state to out: a header (name code, format version, lr, parameter sizes)
  /// followed by every buffer and counter, converted to double (exact for float and double).
  void save_state(std::vector<double>& out) const;
  /// Restores what save_state wrote. Throws DataError when the record is truncated, belongs to
  /// another optimizer or format, or its buffer sizes do not match these options. The parameter
  /// sizes it holds are checked against the list given to the next step(). Returns how many
  /// values it read, so that several records can follow one another.
  std::size_t load_state(std::span<const double> in);
  /// Forgets all state; the next step starts as the first one did.
  void reset_state() noexcept;

  /// Total number of scalar parameters (0 before the first step).
  std::size_t numel() const noexcept { return offsets_.empty() ? 0 : offsets_.back(); }
  /// Number of parameter tensors the state was made for (0 before the first step).
  std::size_t param_count() const noexcept { return offsets_.empty() ? 0 : offsets_.size() - 1; }

 protected:
  /// Creates the state buffers with add_buffer() and sizes counters(); runs once, after the
  /// layout is known (first step, or load_state).
  virtual void allocate_state() = 0;
  /// The update itself. `loss` is set when the caller passed E(t) through step_with_loss.
  virtual std::optional<T> update(ParamSpan<T> params, const Closure<T>* closure,
                                  std::optional<T> loss) = 0;

  /// plan_fused_sgd's part after the layout check; see there. Default: not plain SGD.
  virtual bool fused_sgd_plan(ParamSpan<T>, std::span<SgdStep<T>>) { return false; }
  virtual void fused_sgd_commit(ParamSpan<T>) {}

  /// Creates a flat buffer of `size` elements set to `fill`; returns its id for buffer().
  std::size_t add_buffer(std::size_t size, T fill = T(0));
  std::span<T> buffer(std::size_t id) noexcept { return buffers_[id]; }
  /// Small scalar state (step counts, previous loss, ...); the derived class resizes it.
  std::vector<double>& counters() noexcept { return counters_; }
  /// Where parameter k starts in the flat buffers; offset(params.size()) == numel().
  std::size_t offset(std::size_t k) const noexcept { return offsets_[k]; }

 private:
  void prepare(ParamSpan<T> params);
  double lr_;
  std::vector<std::size_t> offsets_;  // P + 1 entries once initialized, else empty
  // 64-byte aligned like Matrix storage: a parameter's rows then start where its weights' rows
  // do relative to cache lines, and the fused SGD epilogue's per-tile prefetch covers them.
  std::vector<std::vector<T, CacheAlignedAllocator<T>>> buffers_;
  std::vector<double> counters_;
};

extern template class Optimizer<float>;
extern template class Optimizer<double>;

/// The gradient the L2-regularised loss E + wd/2 |w|^2 has: g + wd * w (PyTorch's weight_decay).
template <class T>
inline T l2_grad(T g, T w, T wd) noexcept {
  return wd != T(0) ? g + wd * w : g;
}

}  // namespace bp
