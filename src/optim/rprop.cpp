// iRPROP- and iRPROP+; see include/backprop/optim/rprop.hpp.
#include "backprop/optim/rprop.hpp"

#include <algorithm>
#include <limits>

namespace bp {

namespace {

template <class T>
T sign(T x) noexcept {
  return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0));
}

}  // namespace

template <class T>
Rprop<T>::Rprop(OptimizerOptions opts)
    : Optimizer<T>(adopt_options(opts, "rprop")),
      eta_minus_(opts.eta_minus),
      eta_plus_(opts.eta_plus),
      step_min_(opts.step_size_min),
      step_max_(opts.step_size_max),
      weight_decay_(opts.weight_decay_or_default()) {}

template <class T>
void Rprop<T>::allocate_state() {
  prev_ = this->add_buffer(this->numel());
  step_size_ = this->add_buffer(this->numel(), static_cast<T>(this->lr()));
}

template <class T>
std::optional<T> Rprop<T>::update(ParamSpan<T> params, const Closure<T>* closure, std::optional<T>) {
  const std::optional<T> loss = closure ? std::optional<T>((*closure)()) : std::nullopt;
  const T wd = static_cast<T>(weight_decay_);
  const T up = static_cast<T>(eta_plus_), down = static_cast<T>(eta_minus_);
  const T lo = static_cast<T>(step_min_), hi = static_cast<T>(step_max_);
  for (std::size_t k = 0; k < params.size(); ++k) {
    Param<T>& p = *params[k];
    if (!p.trainable) continue;
    T* w = p.value.data();
    const T* grad = p.grad.data();
    T* prev = this->buffer(prev_).data() + this->offset(k);
    T* delta = this->buffer(step_size_).data() + this->offset(k);
    for (std::size_t i = 0; i < p.value.size(); ++i) {
      T g = l2_grad(grad[i], w[i], wd);
      const T s = g * prev[i];
      const T factor = s > T(0) ? up : (s < T(0) ? down : T(1));
      delta[i] = std::clamp(delta[i] * factor, lo, hi);
      if (s < T(0)) g = T(0);
      w[i] += T(-1) * sign(g) * delta[i];
      prev[i] = g;
    }
  }
  return loss;
}

template <class T>
RpropPlus<T>::RpropPlus(OptimizerOptions opts)
    : Optimizer<T>(adopt_options(opts, "irprop+")),
      eta_minus_(opts.eta_minus),
      eta_plus_(opts.eta_plus),
      step_min_(opts.step_size_min),
      step_max_(opts.step_size_max),
      weight_decay_(opts.weight_decay_or_default()) {}

template <class T>
void RpropPlus<T>::allocate_state() {
  prev_ = this->add_buffer(this->numel());
  step_size_ = this->add_buffer(this->numel(), static_cast<T>(this->lr()));
  dw_ = this->add_buffer(this->numel());
  this->counters().assign(1, std::numeric_limits<double>::infinity());  // E(t-1)
}

template <class T>
std::optional<T> RpropPlus<T>::update(ParamSpan<T> params, const Closure<T>* closure,
                                      std::optional<T> given) {
  const std::optional<T> loss = closure ? std::optional<T>((*closure)()) : std::nullopt;
  const double e = static_cast<double>(closure ? *loss : *given);
  const bool worse = e > this->counters()[0];
  const T wd = static_cast<T>(weight_decay_);
  const T up = static_cast<T>(eta_plus_), down = static_cast<T>(eta_minus_);
  const T lo = static_cast<T>(step_min_), hi = static_cast<T>(step_max_);
  for (std::size_t k = 0; k < params.size(); ++k) {
    Param<T>& p = *params[k];
    if (!p.trainable) continue;
    T* w = p.value.data();
    const T* grad = p.grad.data();
    T* prev = this->buffer(prev_).data() + this->offset(k);
    T* delta = this->buffer(step_size_).data() + this->offset(k);
    T* dw = this->buffer(dw_).data() + this->offset(k);
    for (std::size_t i = 0; i < p.value.size(); ++i) {
      const T g = l2_grad(grad[i], w[i], wd);
      const T s = g * prev[i];
      if (s < T(0)) {
        delta[i] = std::max(delta[i] * down, lo);
        if (worse) w[i] -= dw[i];
        dw[i] = T(0);
        prev[i] = T(0);
        continue;
      }
      if (s > T(0)) delta[i] = std::min(delta[i] * up, hi);
      dw[i] = -sign(g) * delta[i];
      w[i] += dw[i];
      prev[i] = g;
    }
  }
  this->counters()[0] = e;
  return loss;
}

template class Rprop<float>;
template class Rprop<double>;
template class RpropPlus<float>;
template class RpropPlus<double>;

}  // namespace bp
