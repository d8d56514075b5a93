// 2-D convolution kernels (cross-correlation, as PyTorch's Conv2d and ONNX's Conv compute it):
// forward and backward side by side, a plain direct loop (`_ref`) beside the fast version.
// Internal; callers check shapes.
//
// Layout (PyTorch / ONNX): activations NCHW row-major, weights (OC, C, KH, KW), bias (OC).
//   x: (N, C, H, W)  w: (OC, C, KH, KW)  bias: (OC) or nullptr  ->  y: (N, OC, OH, OW)
//   OH = (H + pad_top + pad_bottom - dil_h (KH - 1) - 1) / stride_h + 1   (floor; the same for OW)
//   y[n][o][oh][ow] = bias[o] + sum_{c, i, j} w[o][c][i][j] * xpad[n][c][oh sh + i dh][ow sw + j dw]
// where xpad is x with zeros around it (pad_top rows above, pad_left columns to the left, ...).
// Asymmetric padding expresses PyTorch's padding='same' for even kernels (top/left get the
// smaller half) and ONNX's pads = [top, left, bottom, right].
#pragma once

#include <cstddef>

#include "kernels/gemm.hpp"

namespace bp::kernels {

struct Conv2dShape {
  std::size_t N = 1, C = 1, H = 1, W = 1;  // input
  std::size_t OC = 1, KH = 1, KW = 1;      // output channels, kernel
  std::size_t stride_h = 1, stride_w = 1;
  std::size_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::size_t dil_h = 1, dil_w = 1;

  /// 0 when the (dilated) kernel does not fit the padded input; strides and dilations must be >= 1.
  std::size_t OH() const { return out_size(H + pad_top + pad_bottom, dil_h * (KH - 1) + 1, stride_h); }
  std::size_t OW() const { return out_size(W + pad_left + pad_right, dil_w * (KW - 1) + 1, stride_w); }
  /// Rows of the lowered (im2col) matrix: C KH KW.
  std::size_t col_rows() const { return C * KH * KW; }

 private:
  static std::size_t out_size(std::size_t padded, std::size_t span, std::size_t stride) {
    return padded < span ? 0 : (padded - span) / stride + 1;
  }
};

/// y = conv(x, w) + bias. Overwrites y. The reference sums in the order c, i, j (row-major over
/// w[o]) starting from 0, then adds the bias.
template <class T>
void conv2d_forward_ref(T* y, const T* x, const T* w, const T* bias, const Conv2dShape& s);

/// dy: (N, OC, OH, OW), x: (N, C, H, W), w: (OC, C, KH, KW):
///   dx = conv_transpose(dy, w)  (if dx; OVERWRITTEN, (N, C, H, W))
///   dw += sum_n dy ⋆ x          (if dw; ACCUMULATED, (OC, C, KH, KW))
///   dbias += sum_{n, oh, ow} dy (if dbias; ACCUMULATED, (OC))
/// Needs from forward: the layer's input x (may be null when dw is null).
template <class T>
void conv2d_backward_ref(T* dx, T* dw, T* dbias, const T* dy, const T* x, const T* w,
                         const Conv2dShape& s);

/// Scratch (in elements of T) that conv2d_forward and conv2d_backward need for these shapes when
/// called with at most `threads` threads: for float, one lowered matrix (C KH KW, OH OW) per
/// thread, plus 4 accumulators of C KH KW x OC for the weight gradient's ranges of samples (a 1x1,
/// stride-1, unpadded convolution uses less, but the same size is asked for simplicity); 0 for
/// double.
/// The caller allocates it once, outside the training loop.
template <class T>
std::size_t conv2d_scratch_size(const Conv2dShape& s, std::size_t threads);

/// Fast forward, same contract as conv2d_forward_ref. float: per sample, im2col into the scratch,
/// then y_n = w · col (OC x OH OW, sum over C KH KW) with our sgemm (the `isa` micro-kernel), the
/// bias written into y_n first and accumulated onto (beta = 1). Samples are split across up to
/// `threads` threads of the library's pool, each with its own part of the scratch: every sample
/// is computed the same way whatever the split, so y is bit-identical for any thread count.
/// double: the reference loop (it is for gradient checks). scratch: conv2d_scratch_size(s, threads).
template <class T>
void conv2d_forward(T* y, const T* x, const T* w, const T* bias, const Conv2dShape& s, T* scratch,
                    std::size_t threads, GemmIsa isa = GemmIsa::kAuto);

/// Fast backward, same contract as conv2d_backward_ref. float:
///   dx: per sample, dcol = wᵀ · dy_n (sgemm), then col2im (scatter-add into a zeroed dx_n);
///       samples split across the threads as in forward.
///   dw: the samples cut into min(N, 4) fixed ranges; each range sums dy_n · col_nᵀ over its
///       samples in order (im2col of x_n, sgemm with beta = 1) into an accumulator of its own,
///       the ranges spread over the threads; then dw += each accumulator in range order. When
///       C KH KW < OC the accumulators hold the transpose, sum_n col · dy_nᵀ (sgemm's tiles are
///       wide: the narrow side goes in the rows).
///   dbias: per channel, the sum over (oh, ow) of each sample, added in sample order.
/// dx, dw and dbias are bit-identical for any thread count.
template <class T>
void conv2d_backward(T* dx, T* dw, T* dbias, const T* dy, const T* x, const T* w,
                     const Conv2dShape& s, T* scratch, std::size_t threads,
                     GemmIsa isa = GemmIsa::kAuto);

/// Which code the lowering (im2col, col2im) runs. With stride 1 and dilation 1 in the width
/// (the usual 'same' and 'valid' convolutions), kAuto takes AVX-512 where the CPU has it: each
/// row segment moves 16 columns at a time with masked loads and stores, with no call per
/// segment; other shapes, and kGeneric, run the portable loops. Both give the same bits.
enum class LowerIsa { kAuto, kAvx512, kGeneric };
/// True when this build and CPU can run `isa` (kAuto and kGeneric: always).
bool lower_isa_supported(LowerIsa isa);

/// The lowering itself, one sample: col (C KH KW, OH OW) from x_n (C, H, W); row (c, i, j),
/// column (oh, ow) holds xpad[c][oh sh + i dh][ow sw + j dw] (0 in the padding). The fast paths
/// call it with kAuto; tests force each implementation.
void im2col(float* col, const float* x_n, const Conv2dShape& s, LowerIsa isa = LowerIsa::kAuto);
/// Its adjoint: dx_n (C, H, W) = 0, then every element of dcol added to the input element it was
/// copied from (padding elements dropped), in the order (c, i, j, oh, ow).
void col2im(float* dx_n, const float* dcol, const Conv2dShape& s, LowerIsa isa = LowerIsa::kAuto);

}  // namespace bp::kernels
