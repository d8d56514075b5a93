// Window2D: the sliding window of a 2-D convolution or pooling layer (kernel, stride, padding).
#pragma once

#include <cstddef>

#include "backprop/core/shape.hpp"

namespace bp {

/// A kernel of kh x kw moved by (sh, sw) over the input with zeros (or, for pooling, nothing)
/// around it: pad_top rows above, pad_left columns to the left, and so on (ONNX's pads
/// [top, left, bottom, right]). Output size per dimension: (in + pads - k) / stride + 1, floor
/// (PyTorch's ceil_mode = False).
struct Window2D {
  std::size_t kh = 1, kw = 1;
  std::size_t sh = 1, sw = 1;
  std::size_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;

  /// Output height and width for an input of shape `in`; 0 when the kernel does not fit the
  /// padded input.
  std::size_t out_h(Shape in) const noexcept { return out_size(in.h + pad_top + pad_bottom, kh, sh); }
  std::size_t out_w(Shape in) const noexcept { return out_size(in.w + pad_left + pad_right, kw, sw); }

 private:
  static std::size_t out_size(std::size_t padded, std::size_t k, std::size_t s) noexcept {
    return padded < k || s == 0 ? 0 : (padded - k) / s + 1;
  }
};

}  // namespace bp
