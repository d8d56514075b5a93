// Adam, AdamW and AMSGrad; see include/backprop/optim/adam.hpp.
#include "backprop/optim/adam.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "kernels/subnormal.hpp"

namespace bp {

template <class T>
Adam<T>::Adam(OptimizerOptions opts)
    : Optimizer<T>(adopt_options(opts, opts.name == "adamw" ? "adamw" : "adam")),
      beta1_(opts.beta1),
      beta2_(opts.beta2),
      eps_(opts.eps_or_default()),
      weight_decay_(opts.weight_decay_or_default()),
      amsgrad_(opts.amsgrad),
      decoupled_(opts.name == "adamw") {}

template <class T>
void Adam<T>::allocate_state() {
  m_ = this->add_buffer(this->numel());
  v_ = this->add_buffer(this->numel());
  if (amsgrad_) v_max_ = this->add_buffer(this->numel());
  this->counters().assign(this->param_count(), 0.0);
}

template <class T>
std::optional<T> Adam<T>::update(ParamSpan<T> params, const Closure<T>* closure, std::optional<T>) {
  const std::optional<T> loss = closure ? std::optional<T>((*closure)()) : std::nullopt;
  const double lr = this->lr();
  const T b1 = static_cast<T>(beta1_), b2 = static_cast<T>(beta2_);
  const T one_b1 = static_cast<T>(1 - beta1_), one_b2 = static_cast<T>(1 - beta2_);
  const T eps = static_cast<T>(eps_);
  const T wd = decoupled_ ? T(0) : static_cast<T>(weight_decay_);
  const T shrink = static_cast<T>(1 - lr * weight_decay_);  // AdamW's decay factor
  for (std::size_t k = 0; k < params.size(); ++k) {
    Param<T>& p = *params[k];
    if (!p.trainable) continue;
    const double t = ++this->counters()[k];
    // Bias corrections in double, as PyTorch computes them on Python floats.
    const double bc1 = 1 - std::pow(beta1_, t), bc2 = 1 - std::pow(beta2_, t);
    const T neg_step = static_cast<T>(-(lr / bc1));
    const T bc2_sqrt = static_cast<T>(std::sqrt(bc2));
    T* w = p.value.data();
    const T* grad = p.grad.data();
    T* m = this->buffer(m_).data() + this->offset(k);
    T* v = this->buffer(v_).data() + this->offset(k);
    T* v_max = amsgrad_ ? this->buffer(v_max_).data() + this->offset(k) : nullptr;
    // The same element-wise update, instantiated without its options' branches so it vectorises.
    auto run = [&](auto decoupled, auto ams) {
      const std::size_t n = p.value.size();
      for (std::size_t i = 0; i < n; ++i) {
        if constexpr (decltype(decoupled)::value) w[i] *= shrink;
        const T g = l2_grad(grad[i], w[i], wd);
        m[i] = kernels::flush_subnormal(m[i] * b1 + one_b1 * g);  // kernels/subnormal.hpp
        v[i] = kernels::flush_subnormal(v[i] * b2 + one_b2 * g * g);
        T second = v[i];
        if constexpr (decltype(ams)::value) second = v_max[i] = std::max(v_max[i], v[i]);
        const T denom = std::sqrt(second) / bc2_sqrt + eps;
        w[i] += neg_step * m[i] / denom;
      }
    };
    using Yes = std::true_type;
    using No = std::false_type;
    if (decoupled_) {
      if (v_max) run(Yes{}, Yes{}); else run(Yes{}, No{});
    } else {
      if (v_max) run(No{}, Yes{}); else run(No{}, No{});
    }
  }
  return loss;
}

template class Adam<float>;
template class Adam<double>;

}  // namespace bp
