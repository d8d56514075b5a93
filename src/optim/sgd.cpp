// SGD with momentum, dampening and Nesterov; see include/backprop/optim/sgd.hpp.
//
// The update is one pass over each parameter tensor (w, grad and the momentum buffer b read
// once, w and b written once): kernels::sgd_update (src/kernels/sgd_update.cpp), vectorised and
// split across bp::num_threads() threads, bit-identical to its reference loop for any
// instruction set and thread count. The trainer's fused step (fused_sgd_plan) applies the same
// kernel rule inside the product that makes each weight gradient instead.
#include "backprop/optim/sgd.hpp"

#include "kernels/sgd_update.hpp"

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
  const kernels::SgdRule<T> rule{static_cast<T>(this->lr()), static_cast<T>(weight_decay_),
                                 static_cast<T>(momentum_), static_cast<T>(1 - dampening_),
                                 nesterov_};
  for (std::size_t k = 0; k < params.size(); ++k) {
    Param<T>& p = *params[k];
    if (!p.trainable) continue;
    T* b = nullptr;
    bool first = false;
    if (momentum_ != 0) {
      b = this->buffer(buf_).data() + this->offset(k);
      first = this->counters()[k] == 0;
      this->counters()[k] = 1;
    }
    kernels::sgd_update(p.value.data(), p.grad.data(), b, first, rule, p.value.size());
  }
  return loss;
}

template <class T>
bool Sgd<T>::fused_sgd_plan(ParamSpan<T> params, std::span<SgdStep<T>> steps) {
  if (weight_decay_ != 0) return false;
  for (std::size_t k = 0; k < params.size(); ++k) {
    SgdStep<T>& s = steps[k];
    s = SgdStep<T>{static_cast<T>(this->lr()), static_cast<T>(momentum_),
                   static_cast<T>(1 - dampening_), nesterov_, false, nullptr};
    if (momentum_ != 0) {
      s.velocity = this->buffer(buf_).data() + this->offset(k);
      s.first = this->counters()[k] == 0;
    }
  }
  return true;
}

template <class T>
void Sgd<T>::fused_sgd_commit(ParamSpan<T> params) {
  if (momentum_ == 0) return;
  for (std::size_t k = 0; k < params.size(); ++k)  // as update() does
    if (params[k]->trainable) this->counters()[k] = 1;
}

template class Sgd<float>;
template class Sgd<double>;

}  // namespace bp
