// Matrix-vector kernels (batch 1). Each row of w is a contiguous run of I floats; the kernels
// walk R rows at once so one load of x (or dx) serves R rows and R independent FMA chains hide
// the FMA latency. Tails of I shorter than a vector use masked loads and stores; leftover rows
// (O mod R) run one at a time. The weights (940 KB for W2's network) sit in L2, so these run at
// L2 bandwidth: about one 64-byte line of w per cycle when nothing else is in the way.
#include "kernels/gemv.hpp"

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#define BP_GEMV_X86 1
#include <immintrin.h>
#else
#define BP_GEMV_X86 0
#endif

namespace bp::kernels {

namespace {

#if BP_GEMV_X86

// GCC 12 reports the _mm512_undefined_ps() inside its own reduction and shuffle intrinsics as
// "may be used uninitialized"; they are don't-care lanes (gemm.cpp does the same).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#define BP_AVX512 __attribute__((target("avx512f,avx512vl,fma")))
#define BP_AVX2 __attribute__((target("avx2,fma")))

// ---------------------------------------------------------------------------------- AVX-512 ---

constexpr std::size_t kRows512 = 4;  // rows per pass

BP_AVX512 inline __mmask16 mask16(std::size_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

// How a pass splits a row of I floats: a masked head up to the first 64-byte boundary of the
// first row (`head` floats, 0..15), whole vectors up to `body_end`, then a masked tail. Loads
// that cross a cache line cost two, which made the forward about 1.4x slower on W2's layers
// (Matrix storage is only 16-byte aligned). Rows after the first share its alignment when
// I % 16 == 0 (W2: 784, 256, 128); otherwise they just run unaligned.
struct Split {
  std::size_t head, body_end;
};
inline Split split_row(const float* w0, std::size_t I, std::size_t lanes) {
  const std::size_t bytes = lanes * sizeof(float);
  std::size_t head = (bytes - reinterpret_cast<std::uintptr_t>(w0) % bytes) % bytes / sizeof(float);
  if (head >= I) head = 0;
  return {head, head + (I - head) / lanes * lanes};
}

// z_r = w_r · x for R rows starting at w (row stride I); sums in z[0..R-1], bias added by the caller.
template <std::size_t R>
BP_AVX512 inline void dot_rows_avx512(float* z, const float* x, const float* w, std::size_t I) {
  const Split sp = split_row(w, I, 16);
  __m512 acc[R];
  for (std::size_t r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  if (sp.head) {
    const __mmask16 m = mask16(sp.head);
    const __m512 xv = _mm512_maskz_loadu_ps(m, x);
    for (std::size_t r = 0; r < R; ++r)
      acc[r] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + r * I), xv, acc[r]);
  }
  for (std::size_t i = sp.head; i < sp.body_end; i += 16) {
    const __m512 xv = _mm512_loadu_ps(x + i);
    for (std::size_t r = 0; r < R; ++r)
      acc[r] = _mm512_fmadd_ps(_mm512_loadu_ps(w + r * I + i), xv, acc[r]);
  }
  if (sp.body_end < I) {
    const __mmask16 m = mask16(I - sp.body_end);
    const __m512 xv = _mm512_maskz_loadu_ps(m, x + sp.body_end);
    for (std::size_t r = 0; r < R; ++r)
      acc[r] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + r * I + sp.body_end), xv, acc[r]);
  }
  for (std::size_t r = 0; r < R; ++r) z[r] = _mm512_reduce_add_ps(acc[r]);
}

BP_AVX512 void forward_avx512(float* z, const float* x, const float* w, const float* bias,
                              std::size_t I, std::size_t O) {
  std::size_t o = 0;
  for (; o + kRows512 <= O; o += kRows512) dot_rows_avx512<kRows512>(z + o, x, w + o * I, I);
  for (; o < O; ++o) dot_rows_avx512<1>(z + o, x, w + o * I, I);
  if (bias)
    for (o = 0; o < O; ++o) z[o] += bias[o];
}

// One pass over R rows of w (row stride I): with kDx, dx += dz_r w_r (the rows as they were);
// with kWrite, w_r += scale_r x. The modes: dx = wᵀdz (kDx), fused SGD (kWrite, scale = -lr dz,
// with or without kDx), ger (kWrite, scale = dz).
template <std::size_t R, bool kDx, bool kWrite>
BP_AVX512 inline void rows_avx512(float* dx, float* w, const float* dz, const float* x,
                                  const float* scale, std::size_t I) {
  const Split sp = split_row(w, I, 16);
  __m512 d[R], s[R];
  for (std::size_t r = 0; r < R; ++r) {
    d[r] = _mm512_set1_ps(kDx ? dz[r] : 0.0f);
    s[r] = _mm512_set1_ps(kWrite ? scale[r] : 0.0f);
  }
  const auto masked = [&](std::size_t i, __mmask16 m) BP_AVX512 {
    __m512 acc = kDx ? _mm512_maskz_loadu_ps(m, dx + i) : _mm512_setzero_ps();
    const __m512 xv = kWrite ? _mm512_maskz_loadu_ps(m, x + i) : _mm512_setzero_ps();
    for (std::size_t r = 0; r < R; ++r) {
      float* w_r = w + r * I + i;
      const __m512 wv = _mm512_maskz_loadu_ps(m, w_r);
      if (kDx) acc = _mm512_fmadd_ps(d[r], wv, acc);
      if (kWrite) _mm512_mask_storeu_ps(w_r, m, _mm512_fmadd_ps(s[r], xv, wv));
    }
    if (kDx) _mm512_mask_storeu_ps(dx + i, m, acc);
  };
  if (sp.head) masked(0, mask16(sp.head));
  for (std::size_t i = sp.head; i < sp.body_end; i += 16) {
    __m512 acc = kDx ? _mm512_loadu_ps(dx + i) : _mm512_setzero_ps();
    const __m512 xv = kWrite ? _mm512_loadu_ps(x + i) : _mm512_setzero_ps();
    for (std::size_t r = 0; r < R; ++r) {
      float* w_r = w + r * I + i;
      const __m512 wv = _mm512_loadu_ps(w_r);
      if (kDx) acc = _mm512_fmadd_ps(d[r], wv, acc);
      if (kWrite) _mm512_storeu_ps(w_r, _mm512_fmadd_ps(s[r], xv, wv));
    }
    if (kDx) _mm512_storeu_ps(dx + i, acc);
  }
  if (sp.body_end < I) masked(sp.body_end, mask16(I - sp.body_end));
}

// scale(o) gives the factor of row o in w += scale·x (not called when !kWrite).
template <bool kDx, bool kWrite, class Scale>
BP_AVX512 void sweep_avx512(float* dx, float* w, const float* dz, const float* x, Scale scale,
                            std::size_t I, std::size_t O) {
  if (kDx)
    for (std::size_t i = 0; i < I; ++i) dx[i] = 0.0f;
  std::size_t o = 0;
  for (; o + kRows512 <= O; o += kRows512) {
    float s[kRows512];
    for (std::size_t r = 0; r < kRows512; ++r) s[r] = kWrite ? scale(o + r) : 0.0f;
    rows_avx512<kRows512, kDx, kWrite>(dx, w + o * I, dz + o, x, s, I);
  }
  for (; o < O; ++o) {
    const float s = kWrite ? scale(o) : 0.0f;
    rows_avx512<1, kDx, kWrite>(dx, w + o * I, dz + o, x, &s, I);
  }
}

// ------------------------------------------------------------------------------------- AVX2 ---

constexpr std::size_t kRows256 = 4;

// Lanes 0..n-1 set (n <= 8): the mask of maskload/maskstore.
BP_AVX2 inline __m256i tail_mask8(std::size_t n) {
  alignas(32) static const std::int32_t lanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                     0,  0,  0,  0,  0,  0,  0,  0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lanes + 8 - n));
}

BP_AVX2 inline float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <std::size_t R>
BP_AVX2 inline void dot_rows_avx2(float* z, const float* x, const float* w, std::size_t I) {
  const Split sp = split_row(w, I, 8);
  __m256 acc[R];
  for (std::size_t r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
  if (sp.head) {
    const __m256i m = tail_mask8(sp.head);
    const __m256 xv = _mm256_maskload_ps(x, m);
    for (std::size_t r = 0; r < R; ++r)
      acc[r] = _mm256_fmadd_ps(_mm256_maskload_ps(w + r * I, m), xv, acc[r]);
  }
  for (std::size_t i = sp.head; i < sp.body_end; i += 8) {
    const __m256 xv = _mm256_loadu_ps(x + i);
    for (std::size_t r = 0; r < R; ++r)
      acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(w + r * I + i), xv, acc[r]);
  }
  if (sp.body_end < I) {
    const __m256i m = tail_mask8(I - sp.body_end);
    const __m256 xv = _mm256_maskload_ps(x + sp.body_end, m);
    for (std::size_t r = 0; r < R; ++r)
      acc[r] = _mm256_fmadd_ps(_mm256_maskload_ps(w + r * I + sp.body_end, m), xv, acc[r]);
  }
  for (std::size_t r = 0; r < R; ++r) z[r] = hsum256(acc[r]);
}

BP_AVX2 void forward_avx2(float* z, const float* x, const float* w, const float* bias,
                          std::size_t I, std::size_t O) {
  std::size_t o = 0;
  for (; o + kRows256 <= O; o += kRows256) dot_rows_avx2<kRows256>(z + o, x, w + o * I, I);
  for (; o < O; ++o) dot_rows_avx2<1>(z + o, x, w + o * I, I);
  if (bias)
    for (o = 0; o < O; ++o) z[o] += bias[o];
}

template <std::size_t R, bool kDx, bool kWrite>
BP_AVX2 inline void rows_avx2(float* dx, float* w, const float* dz, const float* x,
                              const float* scale, std::size_t I) {
  const Split sp = split_row(w, I, 8);
  __m256 d[R], s[R];
  for (std::size_t r = 0; r < R; ++r) {
    d[r] = _mm256_set1_ps(kDx ? dz[r] : 0.0f);
    s[r] = _mm256_set1_ps(kWrite ? scale[r] : 0.0f);
  }
  const auto masked = [&](std::size_t i, __m256i m) BP_AVX2 {
    __m256 acc = kDx ? _mm256_maskload_ps(dx + i, m) : _mm256_setzero_ps();
    const __m256 xv = kWrite ? _mm256_maskload_ps(x + i, m) : _mm256_setzero_ps();
    for (std::size_t r = 0; r < R; ++r) {
      float* w_r = w + r * I + i;
      const __m256 wv = _mm256_maskload_ps(w_r, m);
      if (kDx) acc = _mm256_fmadd_ps(d[r], wv, acc);
      if (kWrite) _mm256_maskstore_ps(w_r, m, _mm256_fmadd_ps(s[r], xv, wv));
    }
    if (kDx) _mm256_maskstore_ps(dx + i, m, acc);
  };
  if (sp.head) masked(0, tail_mask8(sp.head));
  for (std::size_t i = sp.head; i < sp.body_end; i += 8) {
    __m256 acc = kDx ? _mm256_loadu_ps(dx + i) : _mm256_setzero_ps();
    const __m256 xv = kWrite ? _mm256_loadu_ps(x + i) : _mm256_setzero_ps();
    for (std::size_t r = 0; r < R; ++r) {
      float* w_r = w + r * I + i;
      const __m256 wv = _mm256_loadu_ps(w_r);
      if (kDx) acc = _mm256_fmadd_ps(d[r], wv, acc);
      if (kWrite) _mm256_storeu_ps(w_r, _mm256_fmadd_ps(s[r], xv, wv));
    }
    if (kDx) _mm256_storeu_ps(dx + i, acc);
  }
  if (sp.body_end < I) masked(sp.body_end, tail_mask8(I - sp.body_end));
}

template <bool kDx, bool kWrite, class Scale>
BP_AVX2 void sweep_avx2(float* dx, float* w, const float* dz, const float* x, Scale scale,
                        std::size_t I, std::size_t O) {
  if (kDx)
    for (std::size_t i = 0; i < I; ++i) dx[i] = 0.0f;
  std::size_t o = 0;
  for (; o + kRows256 <= O; o += kRows256) {
    float s[kRows256];
    for (std::size_t r = 0; r < kRows256; ++r) s[r] = kWrite ? scale(o + r) : 0.0f;
    rows_avx2<kRows256, kDx, kWrite>(dx, w + o * I, dz + o, x, s, I);
  }
  for (; o < O; ++o) {
    const float s = kWrite ? scale(o) : 0.0f;
    rows_avx2<1, kDx, kWrite>(dx, w + o * I, dz + o, x, &s, I);
  }
}

#pragma GCC diagnostic pop
#endif  // BP_GEMV_X86

GemmIsa resolve(GemmIsa isa) {
  if (isa == GemmIsa::kAuto) return gemm_isa_best();
  return gemm_isa_supported(isa) ? isa : GemmIsa::kGeneric;
}

GemmIsa best() {
  static const GemmIsa isa = gemm_isa_best();
  return isa;
}

// The backward-input sweep has no update, hence no per-row factor.
struct NoScale {
  float operator()(std::size_t) const { return 0.0f; }
};

}  // namespace

void gemv_forward_with(GemmIsa isa, float* z, const float* x, const float* w, const float* bias,
                       std::size_t I, std::size_t O) {
  switch (resolve(isa)) {
#if BP_GEMV_X86
    case GemmIsa::kAvx512: return forward_avx512(z, x, w, bias, I, O);
    case GemmIsa::kAvx2: return forward_avx2(z, x, w, bias, I, O);
#endif
    default: return gemv_forward_ref(z, x, w, bias, I, O);
  }
}

void gemv_backward_input_with(GemmIsa isa, float* dx, const float* dz, const float* w,
                              std::size_t I, std::size_t O) {
  // The sweeps take a mutable w for the update modes; with kWrite false they only read it.
  float* w_mut = const_cast<float*>(w);
  switch (resolve(isa)) {
#if BP_GEMV_X86
    case GemmIsa::kAvx512: return sweep_avx512<true, false>(dx, w_mut, dz, nullptr, NoScale{}, I, O);
    case GemmIsa::kAvx2: return sweep_avx2<true, false>(dx, w_mut, dz, nullptr, NoScale{}, I, O);
#endif
    default: return gemv_backward_input_ref(dx, dz, w, I, O);
  }
}

void ger_with(GemmIsa isa, float* dw, const float* dz, const float* x, std::size_t I,
              std::size_t O) {
  const auto by_dz = [dz](std::size_t o) { return dz[o]; };  // dw_o += dz_o x
  switch (resolve(isa)) {
#if BP_GEMV_X86
    case GemmIsa::kAvx512: return sweep_avx512<false, true>(nullptr, dw, dz, x, by_dz, I, O);
    case GemmIsa::kAvx2: return sweep_avx2<false, true>(nullptr, dw, dz, x, by_dz, I, O);
#endif
    default: return ger_ref(dw, dz, x, I, O);
  }
}

void gemv_sgd_update_with(GemmIsa isa, float* dx, float* w, const float* dz, const float* x,
                          float lr, std::size_t I, std::size_t O) {
  const auto step = [dz, lr](std::size_t o) { return -(lr * dz[o]); };  // w_o += -(lr dz_o) x
  switch (resolve(isa)) {
#if BP_GEMV_X86
    case GemmIsa::kAvx512:
      return dx ? sweep_avx512<true, true>(dx, w, dz, x, step, I, O)
                : sweep_avx512<false, true>(nullptr, w, dz, x, step, I, O);
    case GemmIsa::kAvx2:
      return dx ? sweep_avx2<true, true>(dx, w, dz, x, step, I, O)
                : sweep_avx2<false, true>(nullptr, w, dz, x, step, I, O);
#endif
    default: return gemv_sgd_update_ref(dx, w, dz, x, lr, I, O);
  }
}

void gemv_forward(float* z, const float* x, const float* w, const float* bias, std::size_t I,
                  std::size_t O) {
  gemv_forward_with(best(), z, x, w, bias, I, O);
}
void gemv_backward_input(float* dx, const float* dz, const float* w, std::size_t I,
                         std::size_t O) {
  gemv_backward_input_with(best(), dx, dz, w, I, O);
}
void ger(float* dw, const float* dz, const float* x, std::size_t I, std::size_t O) {
  ger_with(best(), dw, dz, x, I, O);
}
void gemv_sgd_update(float* dx, float* w, const float* dz, const float* x, float lr,
                     std::size_t I, std::size_t O) {
  gemv_sgd_update_with(best(), dx, w, dz, x, lr, I, O);
}

}  // namespace bp::kernels
