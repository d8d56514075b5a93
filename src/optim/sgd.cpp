// SGD with momentum, dampening and Nesterov; see include/backprop/optim/sgd.hpp.
//
// The update is one pass over each parameter tensor (w, grad and the momentum buffer b read
// once, w and b written once), with the choices that are fixed for the whole tensor (momentum or
// not, first step, weight decay, Nesterov) taken outside the loop so that it vectorises; an
// AVX-512 / AVX2 copy of the same loop is picked at run time. Large tensors are split into
// contiguous ranges across bp::num_threads() threads. Every element is computed by the same
// formulas in the same order as sgd_update_ref (no FMA contraction: -ffp-contract=off), so the
// result is bit-identical to it for any instruction set and thread count.
#include "backprop/optim/sgd.hpp"

#include "backprop/threads.hpp"
#include "thread_pool.hpp"

namespace bp {

namespace {

template <class T>
struct SgdArgs {
  T* w;
  const T* g;
  T* b;  // nullptr without momentum
  T lr, wd, mom, keep;
  bool first, nesterov;
};

// The reference: one element at a time, exactly the documented formulas.
template <class T>
void sgd_update_ref(const SgdArgs<T>& a, std::size_t lo, std::size_t hi) {
  for (std::size_t i = lo; i < hi; ++i) {
    const T g = l2_grad(a.g[i], a.w[i], a.wd);
    if (!a.b) {
      a.w[i] += -a.lr * g;
      continue;
    }
    a.b[i] = a.first ? g : a.b[i] * a.mom + a.keep * g;
    const T d = a.nesterov ? g + a.mom * a.b[i] : a.b[i];
    a.w[i] += -a.lr * d;
  }
}

// The same, with the per-tensor choices hoisted: the common cases get a branch-free loop.
template <class T>
[[gnu::always_inline]] inline void sgd_update_body(const SgdArgs<T>& a, std::size_t lo,
                                                   std::size_t hi) {
  T* __restrict w = a.w;
  const T* __restrict gr = a.g;
  T* __restrict b = a.b;
  const T lr = a.lr, mom = a.mom, keep = a.keep;
  if (a.wd != T(0) || (b && a.first)) return sgd_update_ref(a, lo, hi);  // rare: first step, L2
  if (!b) {
    for (std::size_t i = lo; i < hi; ++i) w[i] += -lr * gr[i];
  } else if (!a.nesterov) {
    for (std::size_t i = lo; i < hi; ++i) {
      const T bi = b[i] * mom + keep * gr[i];
      b[i] = bi;
      w[i] += -lr * bi;
    }
  } else {
    for (std::size_t i = lo; i < hi; ++i) {
      const T g = gr[i];
      const T bi = b[i] * mom + keep * g;
      b[i] = bi;
      w[i] += -lr * (g + mom * bi);
    }
  }
}

template <class T>
void sgd_update_generic(const SgdArgs<T>& a, std::size_t lo, std::size_t hi) {
  sgd_update_body(a, lo, hi);
}

#if defined(__x86_64__)
template <class T>
__attribute__((target("avx512f"))) void sgd_update_avx512(const SgdArgs<T>& a, std::size_t lo,
                                                          std::size_t hi) {
  sgd_update_body(a, lo, hi);
}
template <class T>
__attribute__((target("avx2"))) void sgd_update_avx2(const SgdArgs<T>& a, std::size_t lo,
                                                     std::size_t hi) {
  sgd_update_body(a, lo, hi);
}
#endif

template <class T>
using UpdateFn = void (*)(const SgdArgs<T>&, std::size_t, std::size_t);

template <class T>
UpdateFn<T> pick_update() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f")) return sgd_update_avx512<T>;
  if (__builtin_cpu_supports("avx2")) return sgd_update_avx2<T>;
#endif
  return sgd_update_generic<T>;
}

// Below this many elements a tensor is updated by one thread (splitting costs more than it saves).
constexpr std::size_t kMinPerThread = std::size_t{1} << 15;

template <class T>
void sgd_update(const SgdArgs<T>& a, std::size_t n) {
  static const UpdateFn<T> fn = pick_update<T>();
  const std::size_t parts = std::min(num_threads(), std::max<std::size_t>(1, n / kMinPerThread));
  detail::parallel_parts(parts, [&](std::size_t p) {
    const detail::Range r = detail::part_range(n, parts, p, 64);
    fn(a, r.begin, r.end);
  });
}

}  // namespace

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
  SgdArgs<T> a{nullptr,
               nullptr,
               nullptr,
               static_cast<T>(this->lr()),
               static_cast<T>(weight_decay_),
               static_cast<T>(momentum_),
               static_cast<T>(1 - dampening_),
               false,
               nesterov_};
  for (std::size_t k = 0; k < params.size(); ++k) {
    Param<T>& p = *params[k];
    if (!p.trainable) continue;
    a.w = p.value.data();
    a.g = p.grad.data();
    a.b = nullptr;
    a.first = false;
    if (momentum_ != 0) {
      a.b = this->buffer(buf_).data() + this->offset(k);
      a.first = this->counters()[k] == 0;
      this->counters()[k] = 1;
    }
    sgd_update(a, p.value.size());
  }
  return loss;
}

template class Sgd<float>;
template class Sgd<double>;

}  // namespace bp
