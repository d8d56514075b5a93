// Batch preparation kernels (see scale.hpp).
#include "kernels/scale.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "backprop/core/threads.hpp"
#include "runtime/thread_pool.hpp"

#if defined(__x86_64__)
#define BP_SCALE_X86 1
#include <immintrin.h>
#else
#define BP_SCALE_X86 0
#endif

namespace bp::kernels {

namespace {

#if BP_SCALE_X86
bool cpu_has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}
#endif

ScaleIsa resolve(ScaleIsa isa) {
  if (isa == ScaleIsa::kAuto) isa = scale_isa_supported(ScaleIsa::kAvx512) ? ScaleIsa::kAvx512 : ScaleIsa::kGeneric;
  return scale_isa_supported(isa) ? isa : ScaleIsa::kGeneric;
}

// ---- u8 -> T -------------------------------------------------------------------------------
template <class T>
[[gnu::always_inline]] inline void u8_body(T* __restrict dst, const std::uint8_t* __restrict src,
                                           std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) dst[k] = static_cast<T>(src[k]);
}
template <class T>
void u8_generic(T* dst, const std::uint8_t* src, std::size_t count) {
  u8_body(dst, src, count);
}
#if BP_SCALE_X86
template <class T>
__attribute__((target("avx512f"))) void u8_avx512(T* dst, const std::uint8_t* src,
                                                  std::size_t count) {
  u8_body(dst, src, count);
}
#endif

// ---- scaling ---------------------------------------------------------------------------------
// 1/scale, or NaN where the reciprocal would lose bits (subnormal or infinite): a NaN product
// sends every element of that column to the exact division.
const double* reciprocals(const double* scale, std::size_t I) {
  thread_local std::vector<double> inv;  // grows once; no allocation per batch after that
  if (inv.size() < I) inv.resize(I);
  for (std::size_t i = 0; i < I; ++i)
    inv[i] = std::abs(scale[i]) > 0x1p-1000 && std::abs(scale[i]) < 0x1p1000
                 ? 1.0 / scale[i]
                 : std::numeric_limits<double>::quiet_NaN();
  return inv.data();
}

// The bits of double q below float precision (29 of the 52), and their distance from the pattern
// of a float halfway point (1 followed by 28 zeros): q may round differently from a value 2 ulp
// away only when that distance is small. kNear is the margin in double ulps (2 ulp of error, and
// twice that just below a power of two, where the ulp halves).
constexpr std::uint64_t kLowMask = (std::uint64_t{1} << 29) - 1, kHalf = std::uint64_t{1} << 28;
constexpr std::uint64_t kNear = 8;
constexpr double kFloatMin = 0x1p-126, kFloatBig = 0x1.fffffcp127;

// True when float(q) equals float(any double within 2 ulp of q): q a normal float magnitude,
// not near a halfway point. q == d == 0 is safe too (q and the quotient are both d's zero).
inline bool product_is_safe(double q, double d) {
  const double a = std::abs(q);
  if (!(a >= kFloatMin && a <= kFloatBig)) return d == 0.0 && q == 0.0;
  std::uint64_t bits;
  std::memcpy(&bits, &q, sizeof bits);
  return (bits & kLowMask) - (kHalf - kNear) > 2 * kNear;  // unsigned: outside [half-8, half+8]
}

void scale_rows_float_generic(float* x, std::size_t n0, std::size_t n1, std::size_t I,
                              const double* offset, const double* scale, const double* inv) {
  for (std::size_t n = n0; n < n1; ++n) {
    float* x_n = x + n * I;
    for (std::size_t i = 0; i < I; ++i) {
      const double d = static_cast<double>(x_n[i]) - offset[i];
      const double q = d * inv[i];
      x_n[i] = static_cast<float>(product_is_safe(q, d) ? q : d / scale[i]);
    }
  }
}

#if BP_SCALE_X86
// GCC 12's conversion intrinsics start from an undefined vector and trip -Wmaybe-uninitialized
// once inlined (GCC bug 105593, fixed in GCC 13); the warning is false here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) void scale_rows_float_avx512(float* x, std::size_t n0,
                                                                 std::size_t n1, std::size_t I,
                                                                 const double* offset,
                                                                 const double* scale,
                                                                 const double* inv) {
  const __m512i abs_mask = _mm512_set1_epi64(0x7fffffffffffffffLL);
  const __m512d fmin = _mm512_set1_pd(kFloatMin), fbig = _mm512_set1_pd(kFloatBig);
  const __m512i low_mask = _mm512_set1_epi64(static_cast<long long>(kLowMask));
  const __m512i near_lo = _mm512_set1_epi64(static_cast<long long>(kHalf - kNear));
  const __m512i near_w = _mm512_set1_epi64(static_cast<long long>(2 * kNear));
  const std::size_t I8 = I / 8 * 8;
  for (std::size_t n = n0; n < n1; ++n) {
    float* x_n = x + n * I;
    for (std::size_t i = 0; i < I8; i += 8) {
      const __m512d d = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x_n + i)),
                                      _mm512_loadu_pd(offset + i));
      __m512d q = _mm512_mul_pd(d, _mm512_loadu_pd(inv + i));
      const __m512d a = _mm512_castsi512_pd(_mm512_and_si512(_mm512_castpd_si512(q), abs_mask));
      const __mmask8 normal = _mm512_cmp_pd_mask(a, fmin, _CMP_GE_OQ) &
                              _mm512_cmp_pd_mask(a, fbig, _CMP_LE_OQ);
      const __mmask8 zero = _mm512_cmp_pd_mask(d, _mm512_setzero_pd(), _CMP_EQ_OQ) &
                            _mm512_cmp_pd_mask(q, _mm512_setzero_pd(), _CMP_EQ_OQ);
      const __m512i low = _mm512_sub_epi64(_mm512_and_si512(_mm512_castpd_si512(q), low_mask), near_lo);
      const __mmask8 far = _mm512_cmpgt_epu64_mask(low, near_w);
      const __mmask8 redo = static_cast<__mmask8>(~((normal & far) | (~normal & zero)));
      if (redo) q = _mm512_mask_div_pd(q, redo, d, _mm512_loadu_pd(scale + i));
      _mm256_storeu_ps(x_n + i, _mm512_cvtpd_ps(q));
    }
    if (I8 < I) {  // the tail: the same test, one element at a time
      for (std::size_t i = I8; i < I; ++i) {
        const double d = static_cast<double>(x_n[i]) - offset[i];
        const double q = d * inv[i];
        x_n[i] = static_cast<float>(product_is_safe(q, d) ? q : d / scale[i]);
      }
    }
  }
}
#pragma GCC diagnostic pop
#endif

// double: the reference formula; the compiler vectorises the division.
[[gnu::always_inline]] inline void scale_rows_double_body(double* x, std::size_t n0,
                                                          std::size_t n1, std::size_t I,
                                                          const double* offset,
                                                          const double* scale) {
  for (std::size_t n = n0; n < n1; ++n) {
    double* __restrict x_n = x + n * I;
    for (std::size_t i = 0; i < I; ++i) x_n[i] = (x_n[i] - offset[i]) / scale[i];
  }
}
void scale_rows_double_generic(double* x, std::size_t n0, std::size_t n1, std::size_t I,
                               const double* offset, const double* scale) {
  scale_rows_double_body(x, n0, n1, I, offset, scale);
}
#if BP_SCALE_X86
__attribute__((target("avx512f"))) void scale_rows_double_avx512(double* x, std::size_t n0,
                                                                  std::size_t n1, std::size_t I,
                                                                  const double* offset,
                                                                  const double* scale) {
  scale_rows_double_body(x, n0, n1, I, offset, scale);
}
#endif

// Rows per thread below which a batch is scaled by one thread.
constexpr std::size_t kMinElementsPerThread = std::size_t{1} << 15;

template <class F>
void split_rows(std::size_t N, std::size_t I, F&& rows) {
  const std::size_t parts =
      std::min({num_threads(), N, std::max<std::size_t>(1, N * I / kMinElementsPerThread)});
  detail::parallel_parts(parts, [&](std::size_t p) {
    const detail::Range r = detail::part_range(N, parts, p, 1);
    if (r.begin < r.end) rows(r.begin, r.end);
  });
}

// ---- byte rows, gathered and scaled in one pass --------------------------------------------
// One row: x[i] = T(d * inv[i]), or T(d / scale[i]) where the plan says the product is not exact,
// d = double(u[i]) - offset[i].
inline bool divides(const std::uint8_t* divide, std::size_t i) { return (divide[i >> 3] >> (i & 7)) & 1; }

template <class T>
[[gnu::always_inline]] inline void byte_row_body(T* __restrict x, const std::uint8_t* __restrict u,
                                                 std::size_t i0, std::size_t I,
                                                 const double* offset, const double* scale,
                                                 const double* inv, const std::uint8_t* divide) {
  for (std::size_t i = i0; i < I; ++i) {
    const double d = static_cast<double>(u[i]) - offset[i];
    x[i] = static_cast<T>(divides(divide, i) ? d / scale[i] : d * inv[i]);
  }
}
template <class T>
void byte_row_generic(T* x, const std::uint8_t* u, std::size_t I, const double* offset,
                      const double* scale, const double* inv, const std::uint8_t* divide) {
  byte_row_body(x, u, 0, I, offset, scale, inv, divide);
}

#if BP_SCALE_X86
#pragma GCC diagnostic push  // GCC bug 105593, as above
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// 8 features per step: 8 bytes -> 8 doubles, subtract, multiply, divide the lanes the plan
// marks, round to T, store. The tail (I % 8) takes the portable loop.
template <class T>
__attribute__((target("avx512f"))) void byte_row_avx512(T* x, const std::uint8_t* u,
                                                        std::size_t I, const double* offset,
                                                        const double* scale, const double* inv,
                                                        const std::uint8_t* divide) {
  const std::size_t I8 = I / 8 * 8;
  for (std::size_t i = 0; i < I8; i += 8) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(u + i));
    const __m512d d = _mm512_sub_pd(_mm512_cvtepi32_pd(_mm256_cvtepu8_epi32(bytes)),
                                    _mm512_loadu_pd(offset + i));
    __m512d q = _mm512_mul_pd(d, _mm512_loadu_pd(inv + i));
    const __mmask8 redo = divide[i >> 3];
    if (redo) q = _mm512_mask_div_pd(q, redo, d, _mm512_loadu_pd(scale + i));
    if constexpr (std::is_same_v<T, float>)
      _mm256_storeu_ps(x + i, _mm512_cvtpd_ps(q));
    else
      _mm512_storeu_pd(x + i, q);
  }
  byte_row_body(x, u, I8, I, offset, scale, inv, divide);
}
#pragma GCC diagnostic pop
#endif

template <class T>
using ByteRowFn = void (*)(T*, const std::uint8_t*, std::size_t, const double*, const double*,
                           const double*, const std::uint8_t*);
}  // namespace

bool scale_isa_supported(ScaleIsa isa) {
  switch (isa) {
    case ScaleIsa::kAuto:
    case ScaleIsa::kGeneric: return true;
    case ScaleIsa::kAvx512:
#if BP_SCALE_X86
      return cpu_has_avx512();
#else
      return false;
#endif
  }
  return false;
}

template <class T>
void u8_to_real_ref(T* dst, const std::uint8_t* src, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) dst[k] = static_cast<T>(src[k]);
}

template <class T>
void u8_to_real(T* dst, const std::uint8_t* src, std::size_t count, ScaleIsa isa) {
#if BP_SCALE_X86
  if (resolve(isa) == ScaleIsa::kAvx512) return u8_avx512(dst, src, count);
#else
  (void)isa;
#endif
  u8_generic(dst, src, count);
}

template <class T>
void scale_columns_ref(T* x, std::size_t N, std::size_t I, const double* offset,
                       const double* scale) {
  for (std::size_t n = 0; n < N; ++n) {
    T* x_n = x + n * I;
    for (std::size_t i = 0; i < I; ++i)
      x_n[i] = static_cast<T>((static_cast<double>(x_n[i]) - offset[i]) / scale[i]);
  }
}

template <>
void scale_columns<float>(float* x, std::size_t N, std::size_t I, const double* offset,
                          const double* scale, ScaleIsa isa) {
  if (N == 0 || I == 0) return;
  const double* inv = reciprocals(scale, I);
  isa = resolve(isa);
  split_rows(N, I, [&](std::size_t n0, std::size_t n1) {
#if BP_SCALE_X86
    if (isa == ScaleIsa::kAvx512) return scale_rows_float_avx512(x, n0, n1, I, offset, scale, inv);
#endif
    scale_rows_float_generic(x, n0, n1, I, offset, scale, inv);
  });
}

template <>
void scale_columns<double>(double* x, std::size_t N, std::size_t I, const double* offset,
                           const double* scale, ScaleIsa isa) {
  if (N == 0 || I == 0) return;
  isa = resolve(isa);
  split_rows(N, I, [&](std::size_t n0, std::size_t n1) {
#if BP_SCALE_X86
    if (isa == ScaleIsa::kAvx512) return scale_rows_double_avx512(x, n0, n1, I, offset, scale);
#endif
    scale_rows_double_generic(x, n0, n1, I, offset, scale);
  });
}

ByteScaling plan_byte_scaling(const double* offset, const double* scale, std::size_t I) {
  ByteScaling p;
  p.inv.resize(I);
  p.divide_float.assign((I + 7) / 8, 0);
  p.divide_double.assign((I + 7) / 8, 0);
  for (std::size_t i = 0; i < I; ++i) {
    p.inv[i] = 1.0 / scale[i];
    bool float_exact = true, double_exact = true;
    for (int u = 0; u < 256; ++u) {
      const double d = static_cast<double>(u) - offset[i];
      const double q = d * p.inv[i], r = d / scale[i];
      const float qf = static_cast<float>(q), rf = static_cast<float>(r);
      float_exact = float_exact && std::memcmp(&qf, &rf, sizeof qf) == 0;
      double_exact = double_exact && std::memcmp(&q, &r, sizeof q) == 0;
    }
    if (!float_exact) p.divide_float[i / 8] |= std::uint8_t(1u << (i % 8));
    if (!double_exact) p.divide_double[i / 8] |= std::uint8_t(1u << (i % 8));
  }
  return p;
}

template <class T>
void gather_scale_u8_ref(T* x, const std::uint8_t* src, const std::size_t* rows, std::size_t nb,
                         std::size_t I, const double* offset, const double* scale) {
  for (std::size_t b = 0; b < nb; ++b) {
    u8_to_real_ref(x + b * I, src + rows[b] * I, I);
    scale_columns_ref(x + b * I, 1, I, offset, scale);
  }
}

template <class T>
void gather_scale_u8(T* x, const std::uint8_t* src, const std::size_t* rows, std::size_t nb,
                     std::size_t I, const double* offset, const double* scale,
                     const ByteScaling& plan, ScaleIsa isa) {
  if (nb == 0 || I == 0) return;
  ByteRowFn<T> row = byte_row_generic<T>;
#if BP_SCALE_X86
  if (resolve(isa) == ScaleIsa::kAvx512) row = byte_row_avx512<T>;
#else
  (void)isa;
#endif
  const std::uint8_t* divide =
      std::is_same_v<T, float> ? plan.divide_float.data() : plan.divide_double.data();
  split_rows(nb, I, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b) {
      if (b + 1 < b1) prefetch_row(src + rows[b + 1] * I, I);
      row(x + b * I, src + rows[b] * I, I, offset, scale, plan.inv.data(), divide);
    }
  });
}

#define BP_INSTANTIATE(T)                                                                     \
  template void u8_to_real_ref<T>(T*, const std::uint8_t*, std::size_t);                      \
  template void u8_to_real<T>(T*, const std::uint8_t*, std::size_t, ScaleIsa);                \
  template void scale_columns_ref<T>(T*, std::size_t, std::size_t, const double*, const double*); \
  template void gather_scale_u8_ref<T>(T*, const std::uint8_t*, const std::size_t*, std::size_t,   \
                                       std::size_t, const double*, const double*);              \
  template void gather_scale_u8<T>(T*, const std::uint8_t*, const std::size_t*, std::size_t,       \
                                   std::size_t, const double*, const double*, const ByteScaling&, \
                                   ScaleIsa);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp::kernels
