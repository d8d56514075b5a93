// Adadelta<T>: step sizes from running averages of squared gradients and squared updates
// (torch.optim.Adadelta, PyTorch 1.13).
#pragma once

#include "backprop/optim/options.hpp"

namespace bp {

/// Per element, with g = grad + weight_decay * w:
///   s = rho s + (1 - rho) g^2
///   delta = sqrt(u + eps) / sqrt(s + eps) * g
///   u = rho u + (1 - rho) delta^2
///   w <- w - lr delta
/// Zeiler 2012 (arXiv:1212.5701). https://pytorch.org/docs/1.13/generated/torch.optim.Adadelta.html
template <class T>
class Adadelta final : public Optimizer<T> {
 public:
  explicit Adadelta(OptimizerOptions opts);
  std::string_view name() const noexcept override { return "adadelta"; }

 protected:
  void allocate_state() override;
  std::optional<T> update(ParamSpan<T> params, const Closure<T>* closure,
                          std::optional<T> loss) override;

 private:
  double rho_, eps_, weight_decay_;
  std::size_t square_avg_ = 0, acc_delta_ = 0;
};

extern template class Adadelta<float>;
extern template class Adadelta<double>;

}  // namespace bp
