// Pooling kernels. Each works plane by plane ((n, c) planes are independent); the fast versions
// split the planes across the library's pool (each plane computed the same way by whichever
// thread, so results do not depend on the thread count) and max pooling has a 2x2, stride-2,
// unpadded path (the usual CNN downsampling).
#include "kernels/pool2d.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#include "runtime/thread_pool.hpp"

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

template <class T>
void maxpool2d_forward(T* y, std::uint32_t* argmax, const T* x, const Pool2dShape& s,
                       std::size_t threads) {
  const std::size_t in = s.H * s.W, out = s.OH() * s.OW();
  const bool two = is_2x2(s);
  over_planes(s, threads, [&](std::size_t k) {
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
                        std::size_t threads) {
  const std::size_t in = s.H * s.W, out = s.OH() * s.OW();
  const bool two = is_2x2(s);
  over_planes(s, threads, [&](std::size_t k) {
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
                                     std::size_t);                                                \
  template void maxpool2d_backward_ref<T>(T*, const T*, const std::uint32_t*, const Pool2dShape&); \
  template void maxpool2d_backward<T>(T*, const T*, const std::uint32_t*, const Pool2dShape&,     \
                                      std::size_t);                                               \
  template void avgpool2d_forward_ref<T>(T*, const T*, const Pool2dShape&, bool);                 \
  template void avgpool2d_forward<T>(T*, const T*, const Pool2dShape&, bool, std::size_t);        \
  template void avgpool2d_backward_ref<T>(T*, const T*, const Pool2dShape&, bool);                \
  template void avgpool2d_backward<T>(T*, const T*, const Pool2dShape&, bool, std::size_t);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp::kernels
