// Pooling kernels. Each works plane by plane ((n, c) planes are independent); the fast versions
// split the planes across the library's pool (each plane computed the same way by whichever
// thread, so results do not depend on the thread count) and max pooling has a 2x2, stride-2,
// unpadded path (the usual CNN downsampling).
#include "kernels/pool2d.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "runtime/thread_pool.hpp"

#if defined(__x86_64__)
#define BP_POOL_X86 1
#include <immintrin.h>
#else
#define BP_POOL_X86 0
#endif

namespace bp::kernels {

namespace {

using Index = std::ptrdiff_t;
inline Index si(std::size_t v) { return static_cast<Index>(v); }
inline std::size_t uz(Index v) { return static_cast<std::size_t>(v); }

constexpr std::uint32_t kNoIndex = std::numeric_limits<std::uint32_t>::max();

// Window (oh, ow) clipped to the image: rows [h0, h1), columns [w0, w1) (empty when it lies
// entirely in the padding).
struct Window {
  std::size_t h0, h1, w0, w1;
};
Window window(const Pool2dShape& s, std::size_t oh, std::size_t ow) {
  const Index hs = si(oh * s.stride_h) - si(s.pad_top), ws = si(ow * s.stride_w) - si(s.pad_left);
  const Index he = std::min(hs + si(s.KH), si(s.H)), we = std::min(ws + si(s.KW), si(s.W));
  const std::size_t h0 = uz(std::max<Index>(hs, 0)), w0 = uz(std::max<Index>(ws, 0));
  return {h0, std::max(h0, uz(std::max<Index>(he, 0))), w0, std::max(w0, uz(std::max<Index>(we, 0)))};
}

// PyTorch's rule: a larger value or any NaN replaces the maximum.
template <class T>
inline bool takes_max(T v, T m) {
  return v > m || std::isnan(v);
}

template <class T>
void max_plane(T* y, std::uint32_t* idx, const T* x, const Pool2dShape& s) {
  const std::size_t OH = s.OH(), OW = s.OW();
  for (std::size_t oh = 0; oh < OH; ++oh)
    for (std::size_t ow = 0; ow < OW; ++ow) {
      const Window win = window(s, oh, ow);
      T m = -std::numeric_limits<T>::infinity();
      std::uint32_t at = kNoIndex;
      for (std::size_t h = win.h0; h < win.h1; ++h)
        for (std::size_t w = win.w0; w < win.w1; ++w) {
          const T v = x[h * s.W + w];
          if (at == kNoIndex || takes_max(v, m)) {
            m = v;
            at = static_cast<std::uint32_t>(h * s.W + w);
          }
        }
      y[oh * OW + ow] = m;
      idx[oh * OW + ow] = at;
    }
}

// 2x2 windows, stride 2, no padding: every window lies inside the image. Branch-free (the
// comparisons of random data would mispredict half the time): the same rule, as selects.
template <class T>
void max_plane_2x2(T* y, std::uint32_t* idx, const T* x, const Pool2dShape& s) {
  const std::size_t OH = s.OH(), OW = s.OW(), W = s.W;
  for (std::size_t oh = 0; oh < OH; ++oh) {
    const T* r0 = x + 2 * oh * W;
    const T* r1 = r0 + W;
    const auto base = static_cast<std::uint32_t>(2 * oh * W), below = static_cast<std::uint32_t>(W);
    for (std::size_t ow = 0; ow < OW; ++ow) {
      const std::size_t w = 2 * ow;
      const auto at0 = base + static_cast<std::uint32_t>(w);
      T m = r0[w];
      std::uint32_t at = at0;
      const T v1 = r0[w + 1], v2 = r1[w], v3 = r1[w + 1];
      const bool t1 = takes_max(v1, m);
      m = t1 ? v1 : m, at = t1 ? at0 + 1 : at;
      const bool t2 = takes_max(v2, m);
      m = t2 ? v2 : m, at = t2 ? at0 + below : at;
      const bool t3 = takes_max(v3, m);
      m = t3 ? v3 : m, at = t3 ? at0 + below + 1 : at;
      y[oh * OW + ow] = m;
      idx[oh * OW + ow] = at;
    }
  }
}

// Its backward: the windows tile the image (but for an odd last row or column, zeroed first), so
// every covered element is written once, T(0) + dy or 0, with no pass that zeroes dx before.
// (T(0) + dy, not dy: the reference adds dy to a zero, which turns -0 into +0.)
template <class T>
void max_back_plane_2x2(T* dx, const T* dy, const std::uint32_t* idx, const Pool2dShape& s) {
  const std::size_t OH = s.OH(), OW = s.OW(), W = s.W;
  if (s.H % 2 || W % 2) std::fill(dx, dx + s.H * W, T(0));
  for (std::size_t oh = 0; oh < OH; ++oh) {
    T* r0 = dx + 2 * oh * W;
    T* r1 = r0 + W;
    const auto base = static_cast<std::uint32_t>(2 * oh * W), below = static_cast<std::uint32_t>(W);
    for (std::size_t ow = 0; ow < OW; ++ow) {
      const std::size_t w = 2 * ow;
      const auto at0 = base + static_cast<std::uint32_t>(w);
      const std::uint32_t at = idx[oh * OW + ow];
      const T g = T(0) + dy[oh * OW + ow];
      r0[w] = at == at0 ? g : T(0);
      r0[w + 1] = at == at0 + 1 ? g : T(0);
      r1[w] = at == at0 + below ? g : T(0);
      r1[w + 1] = at == at0 + below + 1 ? g : T(0);
    }
  }
}

#if BP_POOL_X86
// The 2x2 path in AVX-512, float: 16 windows of a row pair at a time. The 32 input columns of
// each row are split into even and odd columns (vpermt2ps), then the same four-way select with
// the same rule (v > m or v is NaN) and the same index arithmetic as max_plane_2x2; masked loads
// and stores cover a row's last chunk (and never touch memory past it).
constexpr std::uint32_t kEven[16] = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
constexpr std::uint32_t kLow[16] = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23};

struct Lanes {  // a chunk of c <= 16 windows: its lanes, and those of its 2c input columns
  __mmask16 out, lo, hi;
};
[[gnu::always_inline]] inline Lanes lanes(std::size_t c) {
  const auto bits = [](std::size_t k) { return static_cast<__mmask16>(k >= 16 ? 0xffffu : (1u << k) - 1u); };
  return {bits(c), bits(std::min<std::size_t>(2 * c, 16)), bits(2 * c > 16 ? 2 * c - 16 : 0)};
}

__attribute__((target("avx512f"))) void max_plane_2x2_avx512(float* y, std::uint32_t* idx,
                                                             const float* x, const Pool2dShape& s) {
  const std::size_t OH = s.OH(), OW = s.OW(), W = s.W;
  const __m512i even = _mm512_loadu_si512(kEven), odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i one = _mm512_set1_epi32(1), below = _mm512_set1_epi32(static_cast<int>(W));
  for (std::size_t oh = 0; oh < OH; ++oh) {
    const float* r0 = x + 2 * oh * W;
    const float* r1 = r0 + W;
    for (std::size_t ow = 0; ow < OW; ow += 16) {
      const Lanes L = lanes(std::min<std::size_t>(16, OW - ow));
      const std::size_t w = 2 * ow;
      const __m512 a0 = _mm512_maskz_loadu_ps(L.lo, r0 + w), a1 = _mm512_maskz_loadu_ps(L.hi, r0 + w + 16);
      const __m512 b0 = _mm512_maskz_loadu_ps(L.lo, r1 + w), b1 = _mm512_maskz_loadu_ps(L.hi, r1 + w + 16);
      const __m512 v1 = _mm512_permutex2var_ps(a0, odd, a1), v2 = _mm512_permutex2var_ps(b0, even, b1);
      const __m512 v3 = _mm512_permutex2var_ps(b0, odd, b1);
      __m512 m = _mm512_permutex2var_ps(a0, even, a1);
      // The index of each window's top-left element: 2 oh W + 2 ow' (even holds 0, 2, 4, ..).
      const __m512i base = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(2 * oh * W + w)), even);
      __m512i at = base;
      __mmask16 t = _mm512_cmp_ps_mask(v1, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v1, v1, _CMP_UNORD_Q);
      m = _mm512_mask_mov_ps(m, t, v1), at = _mm512_mask_mov_epi32(at, t, _mm512_add_epi32(base, one));
      t = _mm512_cmp_ps_mask(v2, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v2, v2, _CMP_UNORD_Q);
      m = _mm512_mask_mov_ps(m, t, v2), at = _mm512_mask_mov_epi32(at, t, _mm512_add_epi32(base, below));
      t = _mm512_cmp_ps_mask(v3, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v3, v3, _CMP_UNORD_Q);
      m = _mm512_mask_mov_ps(m, t, v3);
      at = _mm512_mask_mov_epi32(at, t, _mm512_add_epi32(_mm512_add_epi32(base, below), one));
      _mm512_mask_storeu_ps(y + oh * OW + ow, L.out, m);
      _mm512_mask_storeu_epi32(idx + oh * OW + ow, L.out, at);
    }
  }
}

__attribute__((target("avx512f"))) void max_back_plane_2x2_avx512(float* dx, const float* dy,
                                                                  const std::uint32_t* idx,
                                                                  const Pool2dShape& s) {
  const std::size_t OH = s.OH(), OW = s.OW(), W = s.W;
  if (s.H % 2 || W % 2) std::fill(dx, dx + s.H * W, 0.0f);
  const __m512i even = _mm512_loadu_si512(kEven), low = _mm512_loadu_si512(kLow);
  const __m512i high = _mm512_add_epi32(low, _mm512_set1_epi32(8));
  const __m512i one = _mm512_set1_epi32(1), below = _mm512_set1_epi32(static_cast<int>(W));
  const __m512 zero = _mm512_setzero_ps();
  for (std::size_t oh = 0; oh < OH; ++oh) {
    float* r0 = dx + 2 * oh * W;
    float* r1 = r0 + W;
    for (std::size_t ow = 0; ow < OW; ow += 16) {
      const Lanes L = lanes(std::min<std::size_t>(16, OW - ow));
      const std::size_t w = 2 * ow;
      const __m512i base = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(2 * oh * W + w)), even);
      const __m512i at = _mm512_maskz_loadu_epi32(L.out, idx + oh * OW + ow);
      const __m512 g = _mm512_add_ps(zero, _mm512_maskz_loadu_ps(L.out, dy + oh * OW + ow));
      const __m512 e0 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, base), g);
      const __m512 o0 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, _mm512_add_epi32(base, one)), g);
      const __m512i base1 = _mm512_add_epi32(base, below);
      const __m512 e1 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, base1), g);
      const __m512 o1 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, _mm512_add_epi32(base1, one)), g);
      _mm512_mask_storeu_ps(r0 + w, L.lo, _mm512_permutex2var_ps(e0, low, o0));
      _mm512_mask_storeu_ps(r0 + w + 16, L.hi, _mm512_permutex2var_ps(e0, high, o0));
      _mm512_mask_storeu_ps(r1 + w, L.lo, _mm512_permutex2var_ps(e1, low, o1));
      _mm512_mask_storeu_ps(r1 + w + 16, L.hi, _mm512_permutex2var_ps(e1, high, o1));
    }
  }
}

bool cpu_has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}
#endif

template <class T>
void max_back_plane(T* dx, const T* dy, const std::uint32_t* idx, const Pool2dShape& s) {
  std::fill(dx, dx + s.H * s.W, T(0));
  const std::size_t out = s.OH() * s.OW();
  for (std::size_t k = 0; k < out; ++k)
    if (idx[k] != kNoIndex) dx[idx[k]] += dy[k];
}

std::size_t divisor(const Pool2dShape& s, const Window& win, bool count_include_pad) {
  return count_include_pad ? s.KH * s.KW : (win.h1 - win.h0) * (win.w1 - win.w0);
}

template <class T>
void avg_plane(T* y, const T* x, const Pool2dShape& s, bool include_pad) {
  const std::size_t OH = s.OH(), OW = s.OW();
  for (std::size_t oh = 0; oh < OH; ++oh)
    for (std::size_t ow = 0; ow < OW; ++ow) {
      const Window win = window(s, oh, ow);
      T acc = T(0);
      for (std::size_t h = win.h0; h < win.h1; ++h)
        for (std::size_t w = win.w0; w < win.w1; ++w) acc += x[h * s.W + w];
      const std::size_t d = divisor(s, win, include_pad);
      y[oh * OW + ow] = d == 0 ? T(0) : acc / static_cast<T>(d);
    }
}

template <class T>
void avg_back_plane(T* dx, const T* dy, const Pool2dShape& s, bool include_pad) {
  std::fill(dx, dx + s.H * s.W, T(0));
  const std::size_t OH = s.OH(), OW = s.OW();
  for (std::size_t oh = 0; oh < OH; ++oh)
    for (std::size_t ow = 0; ow < OW; ++ow) {
      const Window win = window(s, oh, ow);
      const std::size_t d = divisor(s, win, include_pad);
      if (d == 0) continue;
      const T g = dy[oh * OW + ow] / static_cast<T>(d);
      for (std::size_t h = win.h0; h < win.h1; ++h)
        for (std::size_t w = win.w0; w < win.w1; ++w) dx[h * s.W + w] += g;
    }
}

bool is_2x2(const Pool2dShape& s) {
  return s.KH == 2 && s.KW == 2 && s.stride_h == 2 && s.stride_w == 2 && s.pad_top == 0 &&
         s.pad_left == 0 && s.pad_bottom == 0 && s.pad_right == 0;
}

// f(plane) for every (n, c) plane, the planes split across up to `threads` parts.
template <class F>
void over_planes(const Pool2dShape& s, std::size_t threads, F&& f) {
  const std::size_t planes = s.N * s.C;
  const std::size_t parts = std::min(std::max<std::size_t>(1, threads), planes);
  detail::parallel_parts(parts, [&](std::size_t p) {
    const detail::Range r = detail::part_range(planes, parts, p, 1);
    for (std::size_t k = r.begin; k < r.end; ++k) f(k);
  });
}

}  // namespace

template <class T>
void maxpool2d_forward_ref(T* y, std::uint32_t* argmax, const T* x, const Pool2dShape& s) {
  const std::size_t in = s.H * s.W, out = s.OH() * s.OW();
  for (std::size_t k = 0; k < s.N * s.C; ++k) max_plane(y + k * out, argmax + k * out, x + k * in, s);
}

bool pool_isa_supported(PoolIsa isa) {
  switch (isa) {
    case PoolIsa::kAuto:
    case PoolIsa::kGeneric: return true;
    case PoolIsa::kAvx512:
#if BP_POOL_X86
      return cpu_has_avx512();
#else
      return false;
#endif
  }
  return false;
}

namespace {
// The 2x2 AVX-512 path runs for float when asked for (or kAuto) and the CPU has it.
template <class T>
bool use_avx512(PoolIsa isa) {
  if constexpr (std::is_same_v<T, float>)
    return isa != PoolIsa::kGeneric && pool_isa_supported(PoolIsa::kAvx512);
  else
    return (void)isa, false;
}
}  // namespace

template <class T>
void maxpool2d_forward(T* y, std::uint32_t* argmax, const T* x, const Pool2dShape& s,
                       std::size_t threads, PoolIsa isa) {
  const std::size_t in = s.H * s.W, out = s.OH() * s.OW();
  const bool two = is_2x2(s);
  const bool simd = two && use_avx512<T>(isa);
  over_planes(s, threads, [&](std::size_t k) {
#if BP_POOL_X86
    if constexpr (std::is_same_v<T, float>)
      if (simd) return max_plane_2x2_avx512(y + k * out, argmax + k * out, x + k * in, s);
#endif
    if (two)
      max_plane_2x2(y + k * out, argmax + k * out, x + k * in, s);
    else
      max_plane(y + k * out, argmax + k * out, x + k * in, s);
  });
}

template <class T>
void maxpool2d_backward_ref(T* dx, const T* dy, const std::uint32_t* argmax, const Pool2dShape& s) {
  const std::size_t in = s.H * s.W, out = s.OH() * s.OW();
  for (std::size_t k = 0; k < s.N * s.C; ++k)
    max_back_plane(dx + k * in, dy + k * out, argmax + k * out, s);
}

template <class T>
void maxpool2d_backward(T* dx, const T* dy, const std::uint32_t* argmax, const Pool2dShape& s,
                        std::size_t threads, PoolIsa isa) {
  const std::size_t in = s.H * s.W, out = s.OH() * s.OW();
  const bool two = is_2x2(s);
  const bool simd = two && use_avx512<T>(isa);
  over_planes(s, threads, [&](std::size_t k) {
#if BP_POOL_X86
    if constexpr (std::is_same_v<T, float>)
      if (simd) return max_back_plane_2x2_avx512(dx + k * in, dy + k * out, argmax + k * out, s);
#endif
    if (two)
      max_back_plane_2x2(dx + k * in, dy + k * out, argmax + k * out, s);
    else
      max_back_plane(dx + k * in, dy + k * out, argmax + k * out, s);
  });
}

template <class T>
void avgpool2d_forward_ref(T* y, const T* x, const Pool2dShape& s, bool count_include_pad) {
  const std::size_t in = s.H * s.W, out = s.OH() * s.OW();
  for (std::size_t k = 0; k < s.N * s.C; ++k) avg_plane(y + k * out, x + k * in, s, count_include_pad);
}

template <class T>
void avgpool2d_forward(T* y, const T* x, const Pool2dShape& s, bool count_include_pad,
                       std::size_t threads) {
  const std::size_t in = s.H * s.W, out = s.OH() * s.OW();
  over_planes(s, threads,
              [&](std::size_t k) { avg_plane(y + k * out, x + k * in, s, count_include_pad); });
}

template <class T>
void avgpool2d_backward_ref(T* dx, const T* dy, const Pool2dShape& s, bool count_include_pad) {
  const std::size_t in = s.H * s.W, out = s.OH() * s.OW();
  for (std::size_t k = 0; k < s.N * s.C; ++k)
    avg_back_plane(dx + k * in, dy + k * out, s, count_include_pad);
}

template <class T>
void avgpool2d_backward(T* dx, const T* dy, const Pool2dShape& s, bool count_include_pad,
                        std::size_t threads) {
  const std::size_t in = s.H * s.W, out = s.OH() * s.OW();
  over_planes(s, threads,
              [&](std::size_t k) { avg_back_plane(dx + k * in, dy + k * out, s, count_include_pad); });
}

#define BP_INSTANTIATE(T)                                                                          \
  template void maxpool2d_forward_ref<T>(T*, std::uint32_t*, const T*, const Pool2dShape&);       \
  template void maxpool2d_forward<T>(T*, std::uint32_t*, const T*, const Pool2dShape&,            \
                                     std::size_t, PoolIsa);                                       \
  template void maxpool2d_backward_ref<T>(T*, const T*, const std::uint32_t*, const Pool2dShape&); \
  template void maxpool2d_backward<T>(T*, const T*, const std::uint32_t*, const Pool2dShape&,     \
                                      std::size_t, PoolIsa);                                      \
  template void avgpool2d_forward_ref<T>(T*, const T*, const Pool2dShape&, bool);                 \
  template void avgpool2d_forward<T>(T*, const T*, const Pool2dShape&, bool, std::size_t);        \
  template void avgpool2d_backward_ref<T>(T*, const T*, const Pool2dShape&, bool);                \
  template void avgpool2d_backward<T>(T*, const T*, const Pool2dShape&, bool, std::size_t);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp::kernels
