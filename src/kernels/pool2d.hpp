// 2-D pooling kernels, max and average: forward and backward side by side, a plain reference loop
// (`_ref`) beside the fast version. Internal; callers check shapes.
//
// Layout NCHW row-major, each (n, c) plane pooled on its own:
//   x: (N, C, H, W)  ->  y: (N, C, OH, OW)
//   OH = (H + pad_top + pad_bottom - KH) / stride_h + 1   (floor, PyTorch's ceil_mode=False and
//   ONNX's default; the same for OW). Window (oh, ow) covers input rows oh*sh - pad_top ..
//   + KH - 1 and columns ow*sw - pad_left .. + KW - 1; the parts outside the image are padding.
// Callers must keep every window overlapping the image (PyTorch requires pad <= kernel / 2, which
// guarantees it); a window entirely in the padding gives max -inf and average 0 (no NaN, no crash).
#pragma once

#include <cstddef>
#include <cstdint>

namespace bp::kernels {

struct Pool2dShape {
  std::size_t N = 1, C = 1, H = 1, W = 1;
  std::size_t KH = 1, KW = 1;
  std::size_t stride_h = 1, stride_w = 1;
  std::size_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;

  std::size_t OH() const { return out_size(H + pad_top + pad_bottom, KH, stride_h); }
  std::size_t OW() const { return out_size(W + pad_left + pad_right, KW, stride_w); }

 private:
  static std::size_t out_size(std::size_t padded, std::size_t k, std::size_t stride) {
    return padded < k ? 0 : (padded - k) / stride + 1;
  }
};

/// Which code the 2x2, stride-2, unpadded max pooling path of maxpool2d_forward/backward runs for
/// float. kAuto: AVX-512 where the CPU has it; kGeneric: the portable loop. Both give the same
/// bits (tests force each). Other shapes and double always run the portable loops.
enum class PoolIsa { kAuto, kAvx512, kGeneric };
/// True when this build and CPU can run `isa` (kAuto and kGeneric: always).
bool pool_isa_supported(PoolIsa isa);

// ---- max pooling ------------------------------------------------------------------------------
// y = the largest x in each window, padding counting as -inf (it never wins). argmax (same shape
// as y, caller-provided scratch for backward) records where it came from as an index h*W + w into
// the input plane (PyTorch's `indices` of max_pool2d_with_indices). Ties go to the first element
// in row-major window order, and a NaN wins over every number (the first NaN), as PyTorch's CPU
// kernel does (`if (val > max || isnan(val))`).
template <class T>
void maxpool2d_forward_ref(T* y, std::uint32_t* argmax, const T* x, const Pool2dShape& s);
/// The same values and indices; planes split across up to `threads` threads (identical results).
template <class T>
void maxpool2d_forward(T* y, std::uint32_t* argmax, const T* x, const Pool2dShape& s,
                       std::size_t threads = 1, PoolIsa isa = PoolIsa::kAuto);

// dy: (N, C, OH, OW), argmax from forward -> dx: (N, C, H, W) OVERWRITTEN: zero, then each dy added
// to the input element its window's maximum came from (overlapping windows add up, in (oh, ow)
// order).
template <class T>
void maxpool2d_backward_ref(T* dx, const T* dy, const std::uint32_t* argmax, const Pool2dShape& s);
template <class T>
void maxpool2d_backward(T* dx, const T* dy, const std::uint32_t* argmax, const Pool2dShape& s,
                        std::size_t threads = 1, PoolIsa isa = PoolIsa::kAuto);

// ---- average pooling --------------------------------------------------------------------------
// y = (sum of the window's elements inside the image) / divisor, where divisor is
//   count_include_pad = true:  KH * KW, the padding counting as zeros (PyTorch's AvgPool2d default),
//   count_include_pad = false: the number of window elements inside the image (ONNX
//                              AveragePool's default, count_include_pad = 0).
// The sum runs in row-major window order; then one division.
template <class T>
void avgpool2d_forward_ref(T* y, const T* x, const Pool2dShape& s, bool count_include_pad);
template <class T>
void avgpool2d_forward(T* y, const T* x, const Pool2dShape& s, bool count_include_pad,
                       std::size_t threads = 1);

// dx: (N, C, H, W) OVERWRITTEN: zero, then dy / divisor added to every element of the window
// inside the image (in (oh, ow) order).
template <class T>
void avgpool2d_backward_ref(T* dx, const T* dy, const Pool2dShape& s, bool count_include_pad);
template <class T>
void avgpool2d_backward(T* dx, const T* dy, const Pool2dShape& s, bool count_include_pad,
                        std::size_t threads = 1);

}  // namespace bp::kernels
