// The SGD update rule; see sgd_update.hpp. The fast versions take the choices that are fixed for
// the whole tensor (momentum or not, first step, weight decay, Nesterov) outside the loop so that
// it vectorises; an AVX-512 / AVX2 copy of the same loop is picked at run time.
#include "kernels/sgd_update.hpp"

#include <algorithm>
#include <limits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "backprop/core/threads.hpp"
#include "runtime/thread_pool.hpp"

namespace bp::kernels {

template <class T>
void sgd_update_ref(T* w, const T* grad, T* v, bool first, const SgdRule<T>& r, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const T g = r.wd != T(0) ? grad[i] + r.wd * w[i] : grad[i];
    if (!v) {
      w[i] += -r.lr * g;
      continue;
    }
    v[i] = flush_subnormal(first ? g : v[i] * r.mom + r.keep * g);
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
      const T vi = flush_subnormal(v[i] * mom + keep * gr[i]);
      v[i] = vi;
      w[i] += -lr * vi;
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const T g = gr[i];
      const T vi = flush_subnormal(v[i] * mom + keep * g);
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
// The tile epilogue's common cases written out (plain SGD, or momentum after the first step; no
// weight decay, not Nesterov): 16 columns per step straight from the accumulator tile, masked
// at the row's end, with no copy of g and no per-row loop set-up. The same operations in the
// same order as update_body: g = acc + (c or +0), v = v*mom + keep*g, w = w + (-lr)*v.
__attribute__((target("avx512f"))) void block_avx512(const float* acc, std::size_t ld_acc,
                                                     const float* c, std::size_t ldc,
                                                     std::size_t rows, std::size_t cols, float* w,
                                                     float* v, std::size_t ldw, bool first,
                                                     const SgdRule<float>& r) {
  if (r.wd != 0.0f || r.nesterov || (v && first))
    return block_body(acc, ld_acc, c, ldc, rows, cols, w, v, ldw, first, r);
  const __m512 mom = _mm512_set1_ps(r.mom), keep = _mm512_set1_ps(r.keep);
  const __m512 neg_lr = _mm512_set1_ps(-r.lr);
  const __m512 flt_min = _mm512_set1_ps(std::numeric_limits<float>::min());
  for (std::size_t i = 0; i < rows; ++i) {
    const float* a_i = acc + i * ld_acc;
    const float* c_i = c ? c + i * ldc : nullptr;
    float* w_i = w + i * ldw;
    float* v_i = v ? v + i * ldw : nullptr;
    for (std::size_t j = 0; j < cols; j += 16) {
      const __mmask16 m = cols - j >= 16 ? __mmask16(0xffff) : __mmask16((1u << (cols - j)) - 1);
      const __m512 g = _mm512_add_ps(_mm512_maskz_loadu_ps(m, a_i + j),
                                     c_i ? _mm512_maskz_loadu_ps(m, c_i + j) : _mm512_setzero_ps());
      __m512 d = g;
      if (v_i) {
        d = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, v_i + j), mom),
                          _mm512_mul_ps(keep, g));
        // flush_subnormal: |d| < FLT_MIN (false for NaN) -> +0
        const __mmask16 tiny = _mm512_cmp_ps_mask(_mm512_abs_ps(d), flt_min, _CMP_LT_OQ);
        d = _mm512_mask_mov_ps(d, tiny, _mm512_setzero_ps());
        _mm512_mask_storeu_ps(v_i + j, m, d);
      }
      _mm512_mask_storeu_ps(w_i + j, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, w_i + j),
                                                      _mm512_mul_ps(neg_lr, d)));
    }
  }
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
