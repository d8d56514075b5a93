// RMSprop (plain, centered, with momentum); see include/backprop/optim/rmsprop.hpp.
#include "backprop/optim/rmsprop.hpp"

#include <cmath>

namespace bp {

template <class T>
RmsProp<T>::RmsProp(OptimizerOptions opts)
    : Optimizer<T>(adopt_options(opts, "rmsprop")),
      alpha_(opts.alpha),
      eps_(opts.eps_or_default()),
      weight_decay_(opts.weight_decay_or_default()),
      momentum_(opts.momentum),
      centered_(opts.centered) {}

template <class T>
void RmsProp<T>::allocate_state() {
  square_avg_ = this->add_buffer(this->numel());
  if (centered_) grad_avg_ = this->add_buffer(this->numel());
  if (momentum_ > 0) momentum_buf_ = this->add_buffer(this->numel());
}

template <class T>
std::optional<T> RmsProp<T>::update(ParamSpan<T> params, const Closure<T>* closure,
                                    std::optional<T>) {
  const std::optional<T> loss = closure ? std::optional<T>((*closure)()) : std::nullopt;
  const T lr = static_cast<T>(this->lr()), wd = static_cast<T>(weight_decay_);
  const T alpha = static_cast<T>(alpha_), one_alpha = static_cast<T>(1 - alpha_);
  const T eps = static_cast<T>(eps_), mom = static_cast<T>(momentum_);
  for (std::size_t k = 0; k < params.size(); ++k) {
    Param<T>& p = *params[k];
    if (!p.trainable) continue;
    const std::size_t o = this->offset(k);
    T* w = p.value.data();
    const T* grad = p.grad.data();
    T* s = this->buffer(square_avg_).data() + o;
    T* a = centered_ ? this->buffer(grad_avg_).data() + o : nullptr;
    T* b = momentum_ > 0 ? this->buffer(momentum_buf_).data() + o : nullptr;
    for (std::size_t i = 0; i < p.value.size(); ++i) {
      const T g = l2_grad(grad[i], w[i], wd);
      s[i] = s[i] * alpha + one_alpha * g * g;
      T den;
      if (a) {
        a[i] = a[i] * alpha + one_alpha * g;
        den = std::sqrt(s[i] + T(-1) * a[i] * a[i]) + eps;
      } else {
        den = std::sqrt(s[i]) + eps;
      }
      if (b) {
        b[i] = b[i] * mom + g / den;
        w[i] += -lr * b[i];
      } else {
        w[i] += -lr * g / den;
      }
    }
  }
  return loss;
}

template class RmsProp<float>;
template class RmsProp<double>;

}  // namespace bp
