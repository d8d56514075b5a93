// Adagrad<T>: per-element learning rates from the sum of squared gradients
// (torch.optim.Adagrad, PyTorch 1.13).
#pragma once

#include "backprop/optim/options.hpp"

namespace bp {

/// Per element, at step t (per parameter tensor, from 1), with g = grad + weight_decay * w:
///   clr = lr / (1 + (t - 1) lr_decay);  S = S + g^2  (S starts at initial_accumulator_value)
///   w <- w - clr g / (sqrt(S) + eps)
/// Duchi, Hazan & Singer 2011 (JMLR 12). https://pytorch.org/docs/1.13/generated/torch.optim.Adagrad.html
template <class T>
class Adagrad final : public Optimizer<T> {
 public:
  explicit Adagrad(OptimizerOptions opts);
  std::string_view name() const noexcept override { return "adagrad"; }

 protected:
  void allocate_state() override;
  std::optional<T> update(ParamSpan<T> params, const Closure<T>* closure,
                          std::optional<T> loss) override;

 private:
  double lr_decay_, initial_accumulator_value_, eps_, weight_decay_;
  std::size_t sum_ = 0;  // counters()[k] = step count t of parameter k
};

extern template class Adagrad<float>;
extern template class Adagrad<double>;

}  // namespace bp
