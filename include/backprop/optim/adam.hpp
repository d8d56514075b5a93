// Adam<T>: Adam, AdamW (decoupled weight decay) and their AMSGrad variants
// (torch.optim.Adam / torch.optim.AdamW, PyTorch 1.13).
#pragma once

#include "backprop/optim/options.hpp"

namespace bp {

/// Per element, at step t (counted per parameter tensor, from 1):
///   adam:  g = grad + weight_decay * w        adamw: w <- w * (1 - lr * weight_decay), g = grad
///   m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2
///   amsgrad: v_max = max(v_max, v), and v_max replaces v below
///   w <- w - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
/// Kingma & Ba 2015 (arXiv:1412.6980); Loshchilov & Hutter 2019 (arXiv:1711.05101);
/// Reddi et al. 2018 (AMSGrad). https://pytorch.org/docs/1.13/generated/torch.optim.Adam.html
/// One difference: a moment (m or v) that falls below the smallest normal T is stored as 0; a
/// decaying moment otherwise sticks in the subnormals, which are ~100x slower on x86 (W2 with
/// Adam: the fourth epoch at 80 % of the first's speed). No weight of normal size moves
/// differently (src/kernels/subnormal.hpp).
template <class T>
class Adam final : public Optimizer<T> {
 public:
  /// opts.name selects "adam" (L2 in the gradient) or "adamw" (decoupled decay).
  explicit Adam(OptimizerOptions opts);
  std::string_view name() const noexcept override { return decoupled_ ? "adamw" : "adam"; }

 protected:
  void allocate_state() override;
  std::optional<T> update(ParamSpan<T> params, const Closure<T>* closure,
                          std::optional<T> loss) override;

 private:
  double beta1_, beta2_, eps_, weight_decay_;
  bool amsgrad_, decoupled_;
  std::size_t m_ = 0, v_ = 0, v_max_ = 0;  // counters()[k] = step count t of parameter k
};

extern template class Adam<float>;
extern template class Adam<double>;

}  // namespace bp
