// Shape: the size of one sample as it flows between layers, {channels, height, width}.
#pragma once

#include <cstddef>
#include <string>

namespace bp {

/// One sample's shape {c, h, w}. Activations are Matrix<T> (N, c*h*w), row-major: a spatial layer
/// reads row n as c planes of h x w values (NCHW); a flat vector of n features is {n, 1, 1}.
struct Shape {
  std::size_t c = 0;  ///< channels (or features, for a flat vector)
  std::size_t h = 1;  ///< height
  std::size_t w = 1;  ///< width
  /// n features, no spatial extent.
  static constexpr Shape flat(std::size_t n) noexcept { return {n, 1, 1}; }
  /// Values per sample: the Matrix's column count.
  constexpr std::size_t size() const noexcept { return c * h * w; }
  constexpr bool is_flat() const noexcept { return h == 1 && w == 1; }
  friend constexpr bool operator==(const Shape&, const Shape&) = default;
};

/// "12" for a flat shape, "16x7x7" (c x h x w) otherwise.
inline std::string to_string(const Shape& s) {
  if (s.is_flat()) return std::to_string(s.c);
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

}  // namespace bp
