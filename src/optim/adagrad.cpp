// Adagrad; see include/backprop/optim/adagrad.hpp.
#include "backprop/optim/adagrad.hpp"

#include <cmath>

namespace bp {

template <class T>
Adagrad<T>::Adagrad(OptimizerOptions opts)
    : Optimizer<T>(adopt_options(opts, "adagrad")),
      lr_decay_(opts.lr_decay),
      initial_accumulator_value_(opts.initial_accumulator_value),
      eps_(opts.eps_or_default()),
      weight_decay_(opts.weight_decay_or_default()) {}

template <class T>
void Adagrad<T>::allocate_state() {
  sum_ = this->add_buffer(this->numel(), static_cast<T>(initial_accumulator_value_));
  this->counters().assign(this->param_count(), 0.0);
}

template <class T>
std::optional<T> Adagrad<T>::update(ParamSpan<T> params, const Closure<T>* closure,
                                    std::optional<T>) {
  const std::optional<T> loss = closure ? std::optional<T>((*closure)()) : std::nullopt;
  const T wd = static_cast<T>(weight_decay_), eps = static_cast<T>(eps_);
  for (std::size_t k = 0; k < params.size(); ++k) {
    Param<T>& p = *params[k];
    if (!p.trainable) continue;
    const double t = ++this->counters()[k];
    const T neg_clr = static_cast<T>(-(this->lr() / (1 + (t - 1) * lr_decay_)));
    T* w = p.value.data();
    const T* grad = p.grad.data();
    T* S = this->buffer(sum_).data() + this->offset(k);
    for (std::size_t i = 0; i < p.value.size(); ++i) {
      const T g = l2_grad(grad[i], w[i], wd);
      S[i] += g * g;
      w[i] += neg_clr * g / (std::sqrt(S[i]) + eps);
    }
  }
  return loss;
}

template class Adagrad<float>;
template class Adagrad<double>;

}  // namespace bp
