// Adadelta; see include/backprop/optim/adadelta.hpp.
#include "backprop/optim/adadelta.hpp"

#include <cmath>

namespace bp {

template <class T>
Adadelta<T>::Adadelta(OptimizerOptions opts)
    : Optimizer<T>(adopt_options(opts, "adadelta")),
      rho_(opts.rho),
      eps_(opts.eps_or_default()),
      weight_decay_(opts.weight_decay_or_default()) {}

template <class T>
void Adadelta<T>::allocate_state() {
  square_avg_ = this->add_buffer(this->numel());
  acc_delta_ = this->add_buffer(this->numel());
}

template <class T>
std::optional<T> Adadelta<T>::update(ParamSpan<T> params, const Closure<T>* closure,
                                     std::optional<T>) {
  const std::optional<T> loss = closure ? std::optional<T>((*closure)()) : std::nullopt;
  const T lr = static_cast<T>(this->lr()), wd = static_cast<T>(weight_decay_);
  const T rho = static_cast<T>(rho_), one_rho = static_cast<T>(1 - rho_);
  const T eps = static_cast<T>(eps_);
  for (std::size_t k = 0; k < params.size(); ++k) {
    Param<T>& p = *params[k];
    if (!p.trainable) continue;
    T* w = p.value.data();
    const T* grad = p.grad.data();
    T* s = this->buffer(square_avg_).data() + this->offset(k);
    T* u = this->buffer(acc_delta_).data() + this->offset(k);
    for (std::size_t i = 0; i < p.value.size(); ++i) {
      const T g = l2_grad(grad[i], w[i], wd);
      s[i] = s[i] * rho + one_rho * g * g;
      const T delta = std::sqrt(u[i] + eps) / std::sqrt(s[i] + eps) * g;
      u[i] = u[i] * rho + one_rho * delta * delta;
      w[i] += -lr * delta;
    }
  }
  return loss;
}

template class Adadelta<float>;
template class Adadelta<double>;

}  // namespace bp
