// NumPy .npy loader (format versions 1.0, 2.0, 3.0; C order only).
// Format details and errors: docs/data-formats.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backprop/data/dataset.hpp"

namespace bp {

/// One .npy array, flattened to 2-D: shape (d0, d1, ..., dk) -> rows = d0, cols = d1*...*dk
/// (1-D: cols = 1). Exactly one of the value vectors is filled: u8 for '|u1', i64 for '<i4'
/// and '<i8', f32 for '<f4', f64 for '<f8'.
struct NpyArray {
  std::string descr;               ///< as in the header, e.g. "<f4"
  std::vector<std::uint64_t> shape;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::uint64_t data_offset = 0;   ///< byte offset of the first element in the file
  std::size_t itemsize = 0;
  std::vector<std::uint8_t> u8;
  std::vector<std::int64_t> i64;
  std::vector<float> f32;
  std::vector<double> f64;
};

/// Reads an .npy file. Accepts descr '<f4', '<f8', '|u1' (also '<u1'), '<i4', '<i8';
/// fortran_order False; 1 or more dimensions. Throws NoInputError when unreadable and DataError
/// "path: byte B: expected ..., found ..." for a bad magic or version, a header longer than
/// 65536 bytes or than the file, a header that is not the documented dict literal, an
/// unsupported dtype, Fortran order, 0-D arrays, or a data size != prod(shape) * itemsize.
NpyArray read_npy(const std::string& path);
/// read_npy on the file's bytes already in memory; `name` stands for the path in messages.
NpyArray read_npy_bytes(std::string_view bytes, const std::string& name);

struct NpyOptions {
  Task task = Task::kClassification;
  /// Classification: number of classes; 0 = max label + 1 (or class_names.size()).
  std::size_t classes = 0;
  /// Classification: class names, index = label; empty = "0", "1", ...
  std::vector<std::string> class_names;
  /// Accept features (or regression targets) of more than 2 dimensions, (N, d1, ..., dk), as
  /// (N, d1 x ... x dk). false (default): such an array is a DataError that names its shape, so
  /// that images are never flattened without a word.
  bool flatten = false;
};

/// Features from features_path ((N, I): 1-D or 2-D, or more with options.flatten; '|u1' stays uint8, others become
/// float32 and must be finite and within float range) and targets from targets_path:
/// classification takes N labels (1-D, or (N, 1)): integers, or floats with integral values,
/// each in [0, classes); regression takes a 1-D (K = 1) or 2-D (N, K) numeric array.
/// Throws like read_npy, plus DataError for N mismatch, bad labels or non-finite values.
Dataset load_npy(const std::string& features_path, const std::string& targets_path,
                 const NpyOptions& options = {});

/// Only a features array ((N, I): 1-D or 2-D, or more with flatten; u8 stays uint8, others
/// float32 and finite), as an unlabelled Dataset (for prediction). Throws like read_npy, and
/// DataError naming the shape for more than 2 dimensions without flatten.
Dataset load_npy_features(const std::string& path, bool flatten = false);

/// load_npy and load_npy_features on files already in memory; the names stand for the paths.
Dataset load_npy_bytes(std::string_view features, const std::string& features_name,
                       std::string_view targets, const std::string& targets_name,
                       const NpyOptions& options = {});
Dataset load_npy_features_bytes(std::string_view bytes, const std::string& name, bool flatten = false);

}  // namespace bp
