// Resilient backpropagation: Rprop<T> is iRPROP- (what torch.optim.Rprop implements) and
// RpropPlus<T> is iRPROP+ (Igel & Huesken 2000), which also reverts steps that raised the error.
#pragma once

#include "backprop/optim/options.hpp"

namespace bp {

/// iRPROP- (torch.optim.Rprop, PyTorch 1.13). Per element, with g = grad (+ weight_decay * w,
/// an extension: PyTorch's Rprop has no weight decay) and g' the stored previous gradient:
///   g g' > 0: Delta = clamp(Delta eta_plus,  step_size_min, step_size_max)
///   g g' < 0: Delta = clamp(Delta eta_minus, step_size_min, step_size_max); g = 0
///   g g' = 0: Delta = clamp(Delta,           step_size_min, step_size_max)
///   w <- w - sign(g) Delta;  g' = g
/// Delta starts at lr (read at the first step; later set_lr calls do not change it).
/// Igel & Huesken 2000, "Improving the Rprop learning algorithm"; Riedmiller & Braun 1993.
/// https://pytorch.org/docs/1.13/generated/torch.optim.Rprop.html
template <class T>
class Rprop final : public Optimizer<T> {
 public:
  explicit Rprop(OptimizerOptions opts);
  std::string_view name() const noexcept override { return "rprop"; }

 protected:
  void allocate_state() override;
  std::optional<T> update(ParamSpan<T> params, const Closure<T>* closure,
                          std::optional<T> loss) override;

 private:
  double eta_minus_, eta_plus_, step_min_, step_max_, weight_decay_;
  std::size_t prev_ = 0, step_size_ = 0;
};

/// iRPROP+ (Igel & Huesken 2000, fig. 1). Needs the error E(t) at the current weights: from the
/// closure, or from step_with_loss. Per element, with E' the previous step's error (E' = +inf at
/// the first step) and Dw the previous weight change:
///   g g' > 0: Delta = min(Delta eta_plus, step_size_max);  Dw = -sign(g) Delta;  w += Dw;  g' = g
///   g g' < 0: Delta = max(Delta eta_minus, step_size_min); if E > E': w -= Dw;  Dw = 0;  g' = 0
///   g g' = 0: Dw = -sign(g) Delta;  w += Dw;  g' = g
///   E' = E
/// Delta starts at lr. (The paper leaves Dw unset in the second case; it is never read, because
/// g' = 0 sends the next step to the third case.) No PyTorch counterpart; checked by hand.
template <class T>
class RpropPlus final : public Optimizer<T> {
 public:
  explicit RpropPlus(OptimizerOptions opts);
  std::string_view name() const noexcept override { return "irprop+"; }
  bool needs_loss() const noexcept override { return true; }

 protected:
  void allocate_state() override;
  std::optional<T> update(ParamSpan<T> params, const Closure<T>* closure,
                          std::optional<T> loss) override;

 private:
  double eta_minus_, eta_plus_, step_min_, step_max_, weight_decay_;
  std::size_t prev_ = 0, step_size_ = 0, dw_ = 0;  // counters()[0] = E(t-1)
};

extern template class Rprop<float>;
extern template class Rprop<double>;
extern template class RpropPlus<float>;
extern template class RpropPlus<double>;

}  // namespace bp
