// Shared by the fuzz targets (docs/fuzzing.md): the library's documented exceptions (bp::Error and
// its subclasses, include/backprop/core/error.hpp) are the expected answer to a bad input; any other
// exception escapes to libFuzzer and is reported as a crash, as are sanitizer reports, leaks,
// timeouts and allocations beyond -malloc_limit_mb.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

#include "backprop/data/dataset.hpp"
#include "backprop/core/error.hpp"
#include "backprop/core/matrix.hpp"

namespace bp::fuzz {

/// Runs f; a bp::Error is the expected outcome of a bad input, anything else propagates.
template <class F>
void expect_only_bp_errors(F&& f) {
  try {
    f();
  } catch (const bp::Error&) {
  }
}

/// Fails the run (abort: libFuzzer saves the input) with a message.
[[noreturn]] inline void finding(const char* what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what);
  std::abort();
}

/// The bytes as a string_view.
inline std::string_view view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Splits "u16 little-endian length n | n bytes | rest" into two files; false when too short.
inline bool split2(std::string_view in, std::string_view& a, std::string_view& b) {
  if (in.size() < 2) return false;
  const std::size_t n = static_cast<unsigned char>(in[0]) | (static_cast<std::size_t>(static_cast<unsigned char>(in[1])) << 8);
  in.remove_prefix(2);
  if (n > in.size()) return false;
  a = in.substr(0, n);
  b = in.substr(n);
  return true;
}

/// Model and checkpoint files end in a CRC-32 and declare their body size at byte 16 (docs/
/// file-formats.md), so almost every mutation of a valid file is refused at the checksum and the
/// fuzzer never reaches the body's parser. This rewrites the frame of the `size` bytes at `p` the
/// way a writer would: body size = size - 28 at byte 16, CRC-32 of everything before it in the
/// last 4 bytes. Inputs shorter than the frame are left alone.
inline void fix_frame(unsigned char* p, std::size_t size) {
  if (size < 28) return;
  const std::uint64_t body = size - 28;
  for (int k = 0; k < 8; ++k) p[16 + k] = static_cast<unsigned char>(body >> (8 * k));
  const auto crc = static_cast<std::uint32_t>(::crc32(0L, p, static_cast<uInt>(size - 4)));
  for (int k = 0; k < 4; ++k) p[size - 4 + k] = static_cast<unsigned char>(crc >> (8 * k));
}

/// Checks what a loader promises about a Dataset it returned: N, I >= 1, storage of N x I values,
/// labels < classes, targets N x K, every float value finite; and gathers the first and last rows.
inline void check_dataset(const Dataset& d) {
  if (d.size() == 0 || d.features() == 0) finding("a loaded Dataset with N = 0 or I = 0");
  const std::size_t stored = d.feature_type() == FeatureType::kU8 ? d.features_u8().size() : d.features_f32().size();
  if (stored != d.size() * d.features()) finding("feature storage does not hold N x I values");
  for (const float v : d.features_f32())
    if (!std::isfinite(v)) finding("a non-finite feature value was accepted");
  if (d.is_classification() && d.target_width() > 0) {
    if (d.labels().size() != d.size()) finding("label count != N");
    for (const auto l : d.labels())
      if (l >= d.classes()) finding("a label >= classes");
  }
  for (const float v : d.targets())
    if (!std::isfinite(v)) finding("a non-finite target was accepted");
  const std::vector<std::size_t> rows = {0, d.size() - 1};
  Matrix<float> x, y;
  d.gather<float>(rows, x, y);
}

}  // namespace bp::fuzz
