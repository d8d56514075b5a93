// SGD with momentum, dampening and Nesterov; see include/backprop/optim/sgd.hpp.
#include "backprop/optim/sgd.hpp"

namespace bp {

template <class T>
Sgd<T>::Sgd(OptimizerOptions opts)
    : Optimizer<T>(adopt_options(opts, "sgd")),
      momentum_(opts.momentum),
      dampening_(opts.dampening),
      weight_decay_(opts.weight_decay_or_default()),
      nesterov_(opts.nesterov) {}

template <class T>
void Sgd<T>::allocate_state() {
  if (momentum_ != 0) buf_ = this->add_buffer(this->numel());
  this->counters().assign(this->param_count(), 0.0);
}

template <class T>
std::optional<T> Sgd<T>::update(ParamSpan<T> params, const Closure<T>* closure, std::optional<T>) {
  const std::optional<T> loss = closure ? std::optional<T>((*closure)()) : std::nullopt;
  const T lr = static_cast<T>(this->lr()), wd = static_cast<T>(weight_decay_);
  const T mom = static_cast<T>(momentum_), keep = static_cast<T>(1 - dampening_);
  for (std::size_t k = 0; k < params.size(); ++k) {
    Param<T>& p = *params[k];
    if (!p.trainable) continue;
    T* w = p.value.data();
    const T* grad = p.grad.data();
    const std::size_t n = p.value.size();
    if (momentum_ == 0) {
      for (std::size_t i = 0; i < n; ++i) w[i] += -lr * l2_grad(grad[i], w[i], wd);
      continue;
    }
    T* b = this->buffer(buf_).data() + this->offset(k);
    const bool first = this->counters()[k] == 0;
    this->counters()[k] = 1;
    for (std::size_t i = 0; i < n; ++i) {
      const T g = l2_grad(grad[i], w[i], wd);
      b[i] = first ? g : b[i] * mom + keep * g;
      const T d = nesterov_ ? g + mom * b[i] : b[i];
      w[i] += -lr * d;
    }
  }
  return loss;
}

template class Sgd<float>;
template class Sgd<double>;

}  // namespace bp
