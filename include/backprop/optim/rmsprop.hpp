// RmsProp<T>: RMSprop with optional centering and momentum (torch.optim.RMSprop, PyTorch 1.13).
#pragma once

#include "backprop/optim/options.hpp"

namespace bp {

/// Per element, with g = grad + weight_decay * w:
///   s = alpha s + (1 - alpha) g^2
///   centered: a = alpha a + (1 - alpha) g;  den = sqrt(s - a^2) + eps;  else den = sqrt(s) + eps
///   momentum > 0: b = momentum b + g / den;  w <- w - lr b      else: w <- w - lr g / den
/// Hinton, Coursera lecture 6.5; centered form: Graves 2013 (arXiv:1308.0850).
/// https://pytorch.org/docs/1.13/generated/torch.optim.RMSprop.html
template <class T>
class RmsProp final : public Optimizer<T> {
 public:
  explicit RmsProp(OptimizerOptions opts);
  std::string_view name() const noexcept override { return "rmsprop"; }

 protected:
  void allocate_state() override;
  std::optional<T> update(ParamSpan<T> params, const Closure<T>* closure,
                          std::optional<T> loss) override;

 private:
  double alpha_, eps_, weight_decay_, momentum_;
  bool centered_;
  std::size_t square_avg_ = 0, grad_avg_ = 0, momentum_buf_ = 0;
};

extern template class RmsProp<float>;
extern template class RmsProp<double>;

}  // namespace bp
