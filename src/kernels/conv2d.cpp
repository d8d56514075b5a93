// Conv2D kernels. float: im2col lowering + our sgemm (src/kernels/gemm.cpp); double: the direct
// reference loop (it serves gradient checks, not speed).
#include "kernels/conv2d.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "runtime/thread_pool.hpp"

#if defined(__x86_64__)
#define BP_CONV_X86 1
#include <immintrin.h>
#else
#define BP_CONV_X86 0
#endif

namespace bp::kernels {

namespace {

using Index = std::ptrdiff_t;
inline Index si(std::size_t v) { return static_cast<Index>(v); }
inline std::size_t uz(Index v) { return static_cast<std::size_t>(v); }

// The input coordinate of output position o at kernel tap k: o*stride + k*dil - pad (may lie in
// the padding: < 0 or >= size).
inline Index in_coord(std::size_t o, std::size_t k, std::size_t stride, std::size_t dil,
                      std::size_t pad) {
  return si(o * stride + k * dil) - si(pad);
}

// The output columns [lo, hi) whose input column ow*stride + off lies inside [0, W).
struct Span {
  std::size_t lo, hi;
};
Span valid_span(Index off, std::size_t stride, std::size_t W, std::size_t OW) {
  const Index st = si(stride);
  const Index lo = off >= 0 ? 0 : (-off + st - 1) / st;
  const Index hi = si(W) - off <= 0 ? 0 : (si(W) - off - 1) / st + 1;
  const std::size_t l = std::min(uz(lo), OW), h = std::min(uz(std::max<Index>(hi, 0)), OW);
  return {l, std::max(l, h)};
}

// A 1x1 kernel with stride 1 and no padding: the lowered matrix is x_n itself.
bool is_pointwise(const Conv2dShape& s) {
  return s.KH == 1 && s.KW == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_top == 0 &&
         s.pad_left == 0 && s.pad_bottom == 0 && s.pad_right == 0;
}

// Calls f(row, c, i, j, oh, ih, span, off) for every row (c, i, j) of the lowered matrix and
// every output row oh whose input row ih lies inside the image (rows in the padding are skipped:
// the caller handles them), with the valid output columns `span` and off = j*dw - pad_left.
template <class F>
void for_each_segment(const Conv2dShape& s, F&& f) {
  const std::size_t OH = s.OH(), OW = s.OW();
  for (std::size_t c = 0; c < s.C; ++c)
    for (std::size_t i = 0; i < s.KH; ++i)
      for (std::size_t j = 0; j < s.KW; ++j) {
        const std::size_t row = (c * s.KH + i) * s.KW + j;
        const Index off = si(j * s.dil_w) - si(s.pad_left);
        const Span span = valid_span(off, s.stride_w, s.W, OW);
        for (std::size_t oh = 0; oh < OH; ++oh) {
          const Index ih = in_coord(oh, i, s.stride_h, s.dil_h, s.pad_top);
          f(row, c, oh, ih, span, off);
        }
      }
}

// Columns with stride 1 and dilation 1: each segment of the lowered matrix is a shifted input
// row, copied (and col2im's added back) 16 columns at a time with masked loads and stores; the
// lanes outside the image read nothing and write 0. The same values as the scalar loops: copies
// are exact, and col2im adds to each element in the same order.
bool contiguous_columns(const Conv2dShape& s) { return s.stride_w == 1 && s.dil_w == 1; }

#if BP_CONV_X86
bool cpu_has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}

// Lanes l of the chunk starting at column ow with lo <= ow + l < hi, and l < 16.
inline __mmask16 lanes_between(std::size_t lo, std::size_t hi, std::size_t ow) {
  const std::size_t a = std::min<std::size_t>(lo > ow ? lo - ow : 0, 16);
  const std::size_t b = std::min<std::size_t>(hi > ow ? hi - ow : 0, 16);
  const auto bits = [](std::size_t k) { return (std::uint32_t{1} << k) - 1u; };
  return static_cast<__mmask16>(b > a ? bits(b) & ~bits(a) : 0u);
}

// The address of row[k] for k possibly outside the row: only masked lanes inside it are touched.
inline std::uintptr_t at(const float* row, Index k) {
  return reinterpret_cast<std::uintptr_t>(row) + static_cast<std::uintptr_t>(k) * sizeof(float);
}

__attribute__((target("avx512f"))) void im2col_avx512(float* col, const float* x_n,
                                                      const Conv2dShape& s) {
  const std::size_t OH = s.OH(), OW = s.OW(), H = s.H, W = s.W;
  for (std::size_t c = 0; c < s.C; ++c)
    for (std::size_t i = 0; i < s.KH; ++i)
      for (std::size_t j = 0; j < s.KW; ++j) {
        const Index off = si(j) - si(s.pad_left);
        const Span span = valid_span(off, 1, W, OW);
        float* dst = col + ((c * s.KH + i) * s.KW + j) * OH * OW;
        for (std::size_t oh = 0; oh < OH; ++oh, dst += OW) {
          const Index ih = in_coord(oh, i, s.stride_h, s.dil_h, s.pad_top);
          const bool inside = ih >= 0 && ih < si(H);
          const float* src = x_n + (c * H + (inside ? uz(ih) : 0)) * W;
          for (std::size_t ow = 0; ow < OW; ow += 16) {
            const __mmask16 store = lanes_between(0, OW, ow);
            const __mmask16 load = inside ? lanes_between(span.lo, span.hi, ow) : 0;
            const __m512 v = _mm512_maskz_loadu_ps(load, reinterpret_cast<const void*>(at(src, si(ow) + off)));
            _mm512_mask_storeu_ps(dst + ow, store, v);
          }
        }
      }
}

__attribute__((target("avx512f"))) void col2im_avx512(float* dx_n, const float* dcol,
                                                      const Conv2dShape& s) {
  const std::size_t OH = s.OH(), OW = s.OW(), H = s.H, W = s.W;
  std::fill(dx_n, dx_n + s.C * H * W, 0.0f);
  for (std::size_t c = 0; c < s.C; ++c)
    for (std::size_t i = 0; i < s.KH; ++i)
      for (std::size_t j = 0; j < s.KW; ++j) {
        const Index off = si(j) - si(s.pad_left);
        const Span span = valid_span(off, 1, W, OW);
        const float* src = dcol + ((c * s.KH + i) * s.KW + j) * OH * OW;
        for (std::size_t oh = 0; oh < OH; ++oh, src += OW) {
          const Index ih = in_coord(oh, i, s.stride_h, s.dil_h, s.pad_top);
          if (ih < 0 || ih >= si(H)) continue;
          float* dst = dx_n + (c * H + uz(ih)) * W;
          for (std::size_t ow = span.lo - span.lo % 16; ow < span.hi; ow += 16) {
            const __mmask16 m = lanes_between(span.lo, span.hi, ow);
            void* to = reinterpret_cast<void*>(at(dst, si(ow) + off));
            const __m512 sum = _mm512_add_ps(_mm512_maskz_loadu_ps(m, to), _mm512_maskz_loadu_ps(m, src + ow));
            _mm512_mask_storeu_ps(to, m, sum);
          }
        }
      }
}
#endif

void im2col_generic(float* col, const float* x_n, const Conv2dShape& s) {
  const std::size_t OH = s.OH(), OW = s.OW(), H = s.H, W = s.W, sw = s.stride_w;
  for_each_segment(s, [&](std::size_t row, std::size_t c, std::size_t oh, Index ih, Span span,
                          Index off) {
    float* dst = col + (row * OH + oh) * OW;
    if (ih < 0 || ih >= si(H)) {
      std::fill(dst, dst + OW, 0.0f);
      return;
    }
    const float* src = x_n + (c * H + uz(ih)) * W;
    std::fill(dst, dst + span.lo, 0.0f);
    if (sw == 1) {
      const float* from = src + (si(span.lo) + off);
      std::copy(from, from + (span.hi - span.lo), dst + span.lo);
    } else {
      for (std::size_t ow = span.lo; ow < span.hi; ++ow) dst[ow] = src[uz(si(ow * sw) + off)];
    }
    std::fill(dst + span.hi, dst + OW, 0.0f);
  });
}

void col2im_generic(float* dx_n, const float* dcol, const Conv2dShape& s) {
  const std::size_t OH = s.OH(), OW = s.OW(), H = s.H, W = s.W, sw = s.stride_w;
  std::fill(dx_n, dx_n + s.C * H * W, 0.0f);
  for_each_segment(s, [&](std::size_t row, std::size_t c, std::size_t oh, Index ih, Span span,
                          Index off) {
    if (ih < 0 || ih >= si(H)) return;
    const float* src = dcol + (row * OH + oh) * OW;
    float* dst = dx_n + (c * H + uz(ih)) * W;
    if (sw == 1) {
      float* to = dst + (si(span.lo) + off);
      for (std::size_t ow = span.lo; ow < span.hi; ++ow) to[ow - span.lo] += src[ow];
    } else {
      for (std::size_t ow = span.lo; ow < span.hi; ++ow) dst[uz(si(ow * sw) + off)] += src[ow];
    }
  });
}

bool use_avx512(const Conv2dShape& s, LowerIsa isa) {
  return isa != LowerIsa::kGeneric && contiguous_columns(s) && lower_isa_supported(LowerIsa::kAvx512);
}

}  // namespace

bool lower_isa_supported(LowerIsa isa) {
  switch (isa) {
    case LowerIsa::kAuto:
    case LowerIsa::kGeneric: return true;
    case LowerIsa::kAvx512:
#if BP_CONV_X86
      return cpu_has_avx512();
#else
      return false;
#endif
  }
  return false;
}

void im2col(float* col, const float* x_n, const Conv2dShape& s, LowerIsa isa) {
#if BP_CONV_X86
  if (use_avx512(s, isa)) return im2col_avx512(col, x_n, s);
#endif
  im2col_generic(col, x_n, s);
}

void col2im(float* dx_n, const float* dcol, const Conv2dShape& s, LowerIsa isa) {
#if BP_CONV_X86
  if (use_avx512(s, isa)) return col2im_avx512(dx_n, dcol, s);
#endif
  col2im_generic(dx_n, dcol, s);
}

// ---- reference ------------------------------------------------------------------------------

template <class T>
void conv2d_forward_ref(T* y, const T* x, const T* w, const T* bias, const Conv2dShape& s) {
  const std::size_t OH = s.OH(), OW = s.OW();
  for (std::size_t n = 0; n < s.N; ++n)
    for (std::size_t o = 0; o < s.OC; ++o)
      for (std::size_t oh = 0; oh < OH; ++oh)
        for (std::size_t ow = 0; ow < OW; ++ow) {
          T acc = T(0);
          for (std::size_t c = 0; c < s.C; ++c)
            for (std::size_t i = 0; i < s.KH; ++i) {
              const Index ih = in_coord(oh, i, s.stride_h, s.dil_h, s.pad_top);
              if (ih < 0 || ih >= si(s.H)) continue;
              for (std::size_t j = 0; j < s.KW; ++j) {
                const Index iw = in_coord(ow, j, s.stride_w, s.dil_w, s.pad_left);
                if (iw < 0 || iw >= si(s.W)) continue;
                acc += w[((o * s.C + c) * s.KH + i) * s.KW + j] *
                       x[((n * s.C + c) * s.H + uz(ih)) * s.W + uz(iw)];
              }
            }
          y[((n * s.OC + o) * OH + oh) * OW + ow] = bias ? acc + bias[o] : acc;
        }
}

template <class T>
void conv2d_backward_ref(T* dx, T* dw, T* dbias, const T* dy, const T* x, const T* w,
                         const Conv2dShape& s) {
  const std::size_t OH = s.OH(), OW = s.OW();
  if (dx) std::fill(dx, dx + s.N * s.C * s.H * s.W, T(0));
  for (std::size_t n = 0; n < s.N; ++n)
    for (std::size_t o = 0; o < s.OC; ++o)
      for (std::size_t oh = 0; oh < OH; ++oh)
        for (std::size_t ow = 0; ow < OW; ++ow) {
          const T g = dy[((n * s.OC + o) * OH + oh) * OW + ow];
          if (dbias) dbias[o] += g;
          for (std::size_t c = 0; c < s.C; ++c)
            for (std::size_t i = 0; i < s.KH; ++i) {
              const Index ih = in_coord(oh, i, s.stride_h, s.dil_h, s.pad_top);
              if (ih < 0 || ih >= si(s.H)) continue;
              for (std::size_t j = 0; j < s.KW; ++j) {
                const Index iw = in_coord(ow, j, s.stride_w, s.dil_w, s.pad_left);
                if (iw < 0 || iw >= si(s.W)) continue;
                const std::size_t wi = ((o * s.C + c) * s.KH + i) * s.KW + j;
                const std::size_t xi = ((n * s.C + c) * s.H + uz(ih)) * s.W + uz(iw);
                if (dw) dw[wi] += g * x[xi];
                if (dx) dx[xi] += g * w[wi];
              }
            }
        }
}

// ---- fast path --------------------------------------------------------------------------------

// The weight gradient's fixed split of a batch (see weight_gradient): up to this many ranges of
// samples, each with its own accumulator in the scratch.
constexpr std::size_t kWeightGradientParts = 4;

template <class T>
std::size_t conv2d_scratch_size(const Conv2dShape& s, std::size_t threads) {
  if constexpr (std::is_same_v<T, float>)
    return std::max<std::size_t>(1, threads) * s.col_rows() * s.OH() * s.OW() +
           kWeightGradientParts * s.col_rows() * s.OC;
  else
    return 0;
}

namespace {

// Samples split across min(threads, N) parts, each with its own lowered matrix in the scratch;
// with one part, the sgemm inside gets the threads instead (bit-identical either way).
template <class F>
void over_samples(std::size_t N, std::size_t threads, std::size_t col_size, float* scratch, F&& f) {
  threads = std::max<std::size_t>(1, threads);
  const std::size_t parts = std::min(threads, N);
  const std::size_t gemm_threads = parts == 1 ? threads : 1;
  detail::parallel_parts(parts, [&](std::size_t p) {
    const detail::Range r = detail::part_range(N, parts, p, 1);
    for (std::size_t n = r.begin; n < r.end; ++n) f(n, scratch + p * col_size, gemm_threads);
  });
}

void forward_float(float* y, const float* x, const float* w, const float* bias,
                   const Conv2dShape& s, float* scratch, std::size_t threads, GemmIsa isa) {
  const std::size_t OHW = s.OH() * s.OW(), K = s.col_rows(), in_size = s.C * s.H * s.W;
  const bool pointwise = is_pointwise(s);
  over_samples(s.N, threads, K * OHW, scratch, [&](std::size_t n, float* col, std::size_t gt) {
    const float* x_n = x + n * in_size;
    float* y_n = y + n * s.OC * OHW;
    if (!pointwise) im2col(col, x_n, s);
    if (bias)
      for (std::size_t o = 0; o < s.OC; ++o) std::fill(y_n + o * OHW, y_n + (o + 1) * OHW, bias[o]);
    sgemm_with(isa, false, false, s.OC, OHW, K, 1.0f, w, K, pointwise ? x_n : col, OHW,
               bias ? 1.0f : 0.0f, y_n, OHW, gt);
  });
}

// sum of g[0..n) in a fixed order that vectorises: 16 running sums (lane j takes k = j mod 16),
// then the tail into the lanes, then the lanes added pairwise. (One running sum would be a chain of
// dependent additions, 4 cycles each.)
float plane_sum(const float* g, std::size_t n) {
  constexpr std::size_t kLanes = 16;
  float lane[kLanes] = {};
  std::size_t k = 0;
  for (; k + kLanes <= n; k += kLanes)
    for (std::size_t j = 0; j < kLanes; ++j) lane[j] += g[k + j];
  for (std::size_t j = 0; k + j < n; ++j) lane[j] += g[k + j];
  for (std::size_t width = kLanes / 2; width > 0; width /= 2)
    for (std::size_t j = 0; j < width; ++j) lane[j] += lane[j + width];
  return lane[0];
}

// dw += sum_n dy_n · col_nᵀ. The samples are cut into P = min(N, kWeightGradientParts) fixed
// ranges (part_range: they depend on N only); each range sums its samples in order into an
// accumulator of its own (single-threaded sgemm with beta = 1 after a zero fill), the ranges run
// on up to `threads` threads (thread t takes ranges t, t + T, ..., with its own lowered matrix),
// and then dw += acc_0, += acc_1, ... in range order. So dw is the same for any thread count, and
// a step makes one parallel region here instead of one per sample (each sgemm split across the
// threads had to wait for the slowest thread N times: costly where other jobs share the cores).
// With fewer rows C KH KW than output channels (a first layer: 9 x 32), each product is computed
// transposed, acc = sum_n col_n · dy_nᵀ (C KH KW, OC): sgemm's tiles are wide (32 columns for
// AVX-512), so the narrow side belongs in the rows.
void weight_gradient(float* dw, const float* dy, const float* x, const Conv2dShape& s,
                     float* scratch, std::size_t threads, GemmIsa isa) {
  const std::size_t OHW = s.OH() * s.OW(), K = s.col_rows(), OC = s.OC;
  const bool pointwise = is_pointwise(s), transposed = K < OC;
  const std::size_t parts = std::min(kWeightGradientParts, s.N);
  const std::size_t T = std::min(std::max<std::size_t>(1, threads), parts);
  float* accs = scratch + std::max<std::size_t>(1, threads) * K * OHW;  // parts x (K OC)
  detail::parallel_parts(T, [&](std::size_t t) {
    float* col_buf = scratch + t * K * OHW;
    for (std::size_t p = t; p < parts; p += T) {
      float* acc = accs + p * K * OC;
      std::fill(acc, acc + K * OC, 0.0f);
      const detail::Range r = detail::part_range(s.N, parts, p, 1);
      for (std::size_t n = r.begin; n < r.end; ++n) {
        const float* x_n = x + n * s.C * s.H * s.W;
        const float* dy_n = dy + n * OC * OHW;
        if (!pointwise) im2col(col_buf, x_n, s);
        const float* col = pointwise ? x_n : col_buf;
        if (transposed)
          sgemm_with(isa, false, true, K, OC, OHW, 1.0f, col, OHW, dy_n, OHW, 1.0f, acc, OC, 1);
        else
          sgemm_with(isa, false, true, OC, K, OHW, 1.0f, dy_n, OHW, col, OHW, 1.0f, acc, K, 1);
      }
    }
  });
  for (std::size_t p = 0; p < parts; ++p) {
    const float* acc = accs + p * K * OC;
    if (transposed)
      for (std::size_t o = 0; o < OC; ++o)
        for (std::size_t k = 0; k < K; ++k) dw[o * K + k] += acc[k * OC + o];
    else
      for (std::size_t i = 0; i < OC * K; ++i) dw[i] += acc[i];
  }
}

void backward_float(float* dx, float* dw, float* dbias, const float* dy, const float* x,
                    const float* w, const Conv2dShape& s, float* scratch, std::size_t threads,
                    GemmIsa isa) {
  const std::size_t OHW = s.OH() * s.OW(), K = s.col_rows(), in_size = s.C * s.H * s.W;
  const std::size_t out_size = s.OC * OHW;
  const bool pointwise = is_pointwise(s);
  if (dbias)
    for (std::size_t n = 0; n < s.N; ++n)
      for (std::size_t o = 0; o < s.OC; ++o) {
        dbias[o] += plane_sum(dy + n * out_size + o * OHW, OHW);
      }
  if (dw) weight_gradient(dw, dy, x, s, scratch, threads, isa);
  if (dx)  // dcol = wᵀ · dy_n, then col2im
    over_samples(s.N, threads, K * OHW, scratch, [&](std::size_t n, float* dcol, std::size_t gt) {
      float* dx_n = dx + n * in_size;
      sgemm_with(isa, true, false, K, OHW, s.OC, 1.0f, w, K, dy + n * out_size, OHW, 0.0f,
                 pointwise ? dx_n : dcol, OHW, gt);
      if (!pointwise) col2im(dx_n, dcol, s);
    });
}

}  // namespace

template <class T>
void conv2d_forward(T* y, const T* x, const T* w, const T* bias, const Conv2dShape& s, T* scratch,
                    std::size_t threads, GemmIsa isa) {
  if constexpr (std::is_same_v<T, float>) {
    if (s.N == 0 || s.OH() == 0 || s.OW() == 0 || s.OC == 0) return;
    forward_float(y, x, w, bias, s, scratch, threads, isa);
  } else {
    (void)scratch, (void)threads, (void)isa;
    conv2d_forward_ref(y, x, w, bias, s);
  }
}

template <class T>
void conv2d_backward(T* dx, T* dw, T* dbias, const T* dy, const T* x, const T* w,
                     const Conv2dShape& s, T* scratch, std::size_t threads, GemmIsa isa) {
  if constexpr (std::is_same_v<T, float>) {
    if (s.OH() == 0 || s.OW() == 0 || s.OC == 0 || s.col_rows() == 0)
      return conv2d_backward_ref(dx, dw, dbias, dy, x, w, s);  // nothing to sum: dx = 0
    backward_float(dx, dw, dbias, dy, x, w, s, scratch, threads, isa);
  } else {
    (void)scratch, (void)threads, (void)isa;
    conv2d_backward_ref(dx, dw, dbias, dy, x, w, s);
  }
}

#define BP_INSTANTIATE(T)                                                                          \
  template void conv2d_forward_ref<T>(T*, const T*, const T*, const T*, const Conv2dShape&);      \
  template void conv2d_backward_ref<T>(T*, T*, T*, const T*, const T*, const T*,                 \
                                       const Conv2dShape&);                                       \
  template std::size_t conv2d_scratch_size<T>(const Conv2dShape&, std::size_t);                   \
  template void conv2d_forward<T>(T*, const T*, const T*, const T*, const Conv2dShape&, T*,      \
                                  std::size_t, GemmIsa);                                          \
  template void conv2d_backward<T>(T*, T*, T*, const T*, const T*, const T*, const Conv2dShape&, \
                                   T*, std::size_t, GemmIsa);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp::kernels
