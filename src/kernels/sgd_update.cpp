// The SGD update rule; see sgd_update.hpp. The fast versions take the choices that are fixed for
// the whole tensor (momentum or not, first step, weight decay, Nesterov) outside the loop so that
// it vectorises; an AVX-512 / AVX2 copy of the same loop is picked at run time.
#include "kernels/sgd_update.hpp"

#include <algorithm>

#include "backprop/threads.hpp"
#include "thread_pool.hpp"

namespace bp::kernels {

template <class T>
void sgd_update_ref(T* w, const T* grad, T* v, bool first, const SgdRule<T>& r, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const T g = r.wd != T(0) ? grad[i] + r.wd * w[i] : grad[i];
    if (!v) {
      w[i] += -r.lr * g;
      continue;
    }
    v[i] = first ? g : v[i] * r.mom + r.keep * g;
    const T d = r.nesterov ? g + r.mom * v[i] : v[i];
    w[i] += -r.lr * d;
  }
}

namespace {

// The reference with the per-tensor choices hoisted: the common cases get a branch-free loop.
template <class T>
[[gnu::always_inline]] inline void update_body(T* __restrict w, const T* __restrict gr,
                                               T* __restrict v, bool first, const SgdRule<T>& r,
                                               std::size_t n) {
  const T lr = r.lr, mom = r.mom, keep = r.keep;
  if (r.wd != T(0) || (v && first)) return sgd_update_ref(w, gr, v, first, r, n);  // rare
  if (!v) {
    for (std::size_t i = 0; i < n; ++i) w[i] += -lr * gr[i];
  } else if (!r.nesterov) {
    for (std::size_t i = 0; i < n; ++i) {
      const T vi = v[i] * mom + keep * gr[i];
      v[i] = vi;
      w[i] += -lr * vi;
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const T g = gr[i];
      const T vi = v[i] * mom + keep * g;
      v[i] = vi;
      w[i] += -lr * (g + mom * vi);
    }
  }
}

// g(i, j) = acc(i, j) + c(i, j) or + 0.0f, then update_body on each row, 64 columns at a time.
[[gnu::always_inline]] inline void block_body(const float* acc, std::size_t ld_acc, const float* c,
                                              std::size_t ldc, std::size_t rows, std::size_t cols,
                                              float* w, float* v, std::size_t ldw, bool first,
                                              const SgdRule<float>& r) {
  constexpr std::size_t kChunk = 64;
  alignas(64) float g[kChunk];
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j0 = 0; j0 < cols; j0 += kChunk) {
      const std::size_t m = std::min(kChunk, cols - j0);
      const float* a = acc + i * ld_acc + j0;
      if (c) {
        const float* c_i = c + i * ldc + j0;
        for (std::size_t j = 0; j < m; ++j) g[j] = a[j] + c_i[j];
      } else {
        for (std::size_t j = 0; j < m; ++j) g[j] = a[j] + 0.0f;  // -0 -> +0, as beta = 1 on zeros
      }
      update_body(w + i * ldw + j0, g, v ? v + i * ldw + j0 : nullptr, first, r, m);
    }
}

template <class T>
void update_generic(T* w, const T* g, T* v, bool first, const SgdRule<T>& r, std::size_t n) {
  update_body(w, g, v, first, r, n);
}
void block_generic(const float* acc, std::size_t ld_acc, const float* c, std::size_t ldc,
                   std::size_t rows, std::size_t cols, float* w, float* v, std::size_t ldw,
                   bool first, const SgdRule<float>& r) {
  block_body(acc, ld_acc, c, ldc, rows, cols, w, v, ldw, first, r);
}

#if defined(__x86_64__)
template <class T>
__attribute__((target("avx512f"))) void update_avx512(T* w, const T* g, T* v, bool first,
                                                      const SgdRule<T>& r, std::size_t n) {
  update_body(w, g, v, first, r, n);
}
template <class T>
__attribute__((target("avx2"))) void update_avx2(T* w, const T* g, T* v, bool first,
                                                 const SgdRule<T>& r, std::size_t n) {
  update_body(w, g, v, first, r, n);
}
__attribute__((target("avx512f"))) void block_avx512(const float* acc, std::size_t ld_acc,
                                                     const float* c, std::size_t ldc,
                                                     std::size_t rows, std::size_t cols, float* w,
                                                     float* v, std::size_t ldw, bool first,
                                                     const SgdRule<float>& r) {
  block_body(acc, ld_acc, c, ldc, rows, cols, w, v, ldw, first, r);
}
__attribute__((target("avx2"))) void block_avx2(const float* acc, std::size_t ld_acc,
                                                const float* c, std::size_t ldc, std::size_t rows,
                                                std::size_t cols, float* w, float* v,
                                                std::size_t ldw, bool first,
                                                const SgdRule<float>& r) {
  block_body(acc, ld_acc, c, ldc, rows, cols, w, v, ldw, first, r);
}
#endif

template <class T>
using UpdateFn = void (*)(T*, const T*, T*, bool, const SgdRule<T>&, std::size_t);
using BlockFn = void (*)(const float*, std::size_t, const float*, std::size_t, std::size_t,
                         std::size_t, float*, float*, std::size_t, bool, const SgdRule<float>&);

template <class T>
UpdateFn<T> pick_update() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f")) return update_avx512<T>;
  if (__builtin_cpu_supports("avx2")) return update_avx2<T>;
#endif
  return update_generic<T>;
}
BlockFn pick_block() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f")) return block_avx512;
  if (__builtin_cpu_supports("avx2")) return block_avx2;
#endif
  return block_generic;
}

// Below this many elements a tensor is updated by one thread (splitting costs more than it saves).
constexpr std::size_t kMinPerThread = std::size_t{1} << 15;

}  // namespace

template <class T>
void sgd_update(T* w, const T* grad, T* v, bool first, const SgdRule<T>& r, std::size_t n) {
  static const UpdateFn<T> fn = pick_update<T>();
  const std::size_t parts = std::min(num_threads(), std::max<std::size_t>(1, n / kMinPerThread));
  detail::parallel_parts(parts, [&](std::size_t p) {
    const detail::Range rg = detail::part_range(n, parts, p, 64);
    fn(w + rg.begin, grad + rg.begin, v ? v + rg.begin : nullptr, first, r, rg.end - rg.begin);
  });
}

void sgd_update_block(const float* acc, std::size_t ld_acc, const float* c, std::size_t ldc,
                      std::size_t rows, std::size_t cols, float* w, float* v, std::size_t ldw,
                      bool first, const SgdRule<float>& r) {
  static const BlockFn fn = pick_block();
  fn(acc, ld_acc, c, ldc, rows, cols, w, v, ldw, first, r);
}

#define BP_INSTANTIATE(T)                                                                          \
  template void sgd_update_ref<T>(T*, const T*, T*, bool, const SgdRule<T>&, std::size_t);        \
  template void sgd_update<T>(T*, const T*, T*, bool, const SgdRule<T>&, std::size_t);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp::kernels
