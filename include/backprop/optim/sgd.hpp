// Sgd<T>: stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay
// (torch.optim.SGD, PyTorch 1.13).
#pragma once

#include "backprop/optim/options.hpp"

namespace bp {

/// Per element, with g = grad + weight_decay * w:
///   first step:  b = g;  later: b = momentum * b + (1 - dampening) * g   (only when momentum > 0)
///   d = g (no momentum), b (momentum), or g + momentum * b (nesterov)
///   w <- w - lr * d
/// https://pytorch.org/docs/1.13/generated/torch.optim.SGD.html
/// One difference: a momentum buffer entry that falls below the smallest normal T is stored as
/// 0 (a decaying buffer otherwise sticks at the smallest subnormal, and subnormal arithmetic is
/// ~100x slower on x86: the W2 benchmark's third epoch ran at 61 % of its first). It cannot
/// move a weight of normal size; W2's model after 3 epochs is byte-identical either way
/// (src/kernels/subnormal.hpp).
template <class T>
class Sgd final : public Optimizer<T> {
 public:
  explicit Sgd(OptimizerOptions opts);
  std::string_view name() const noexcept override { return "sgd"; }

 protected:
  void allocate_state() override;
  std::optional<T> update(ParamSpan<T> params, const Closure<T>* closure,
                          std::optional<T> loss) override;
  /// Plain SGD (no weight decay): the per-tensor SgdStep. With weight decay: false.
  bool fused_sgd_plan(ParamSpan<T> params, std::span<SgdStep<T>> steps) override;
  void fused_sgd_commit(ParamSpan<T> params) override;

 private:
  double momentum_, dampening_, weight_decay_;
  bool nesterov_;
  std::size_t buf_ = 0;  // momentum buffer b; counters()[k] = 1 once parameter k's b exists
};

extern template class Sgd<float>;
extern template class Sgd<double>;

}  // namespace bp
