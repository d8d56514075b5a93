// IDX loader (the MNIST / Fashion-MNIST format), plain or gzip-compressed.
// Format details and errors: docs/data-formats.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "backprop/data/dataset.hpp"

namespace bp {

struct IdxOptions {
  /// Number of classes; 0 = max label + 1 (or class_names.size() when names are given).
  std::size_t classes = 0;
  /// Class names, index = label; empty = "0", "1", ... "classes-1".
  std::vector<std::string> class_names;
};

/// Loads an images file (type 0x08 u8 or 0x0D f32, dims N x d1 x ... x dk, big-endian) and a
/// labels file (type 0x08, 1-D of N) into a classification Dataset with I = d1 * ... * dk.
/// u8 images stay uint8. Either file may be gzip-compressed (detected by 1f 8b).
/// Throws NoInputError when a file cannot be read; DataError "path: byte B: expected ...,
/// found ..." for a wrong magic, unsupported type, zero or overflowing dims, truncated data,
/// trailing bytes, corrupt gzip, NaN/Inf floats, N mismatch or a label >= classes. Byte
/// offsets count in the decompressed stream.
Dataset load_idx(const std::string& images_path, const std::string& labels_path,
                 const IdxOptions& options = {});

/// Only an images file (u8 stays uint8; f32 checked finite), with the same validation as
/// load_idx, as an unlabelled Dataset (for prediction).
Dataset load_idx_images(const std::string& images_path);

/// The dimensions of one sample of an images file (d1, ..., dk: {28, 28} for MNIST), read from
/// its header only; empty when the header is not a valid IDX header (load_idx says why).
/// Throws NoInputError when the file cannot be opened.
std::vector<std::size_t> idx_sample_dims(const std::string& images_path);

/// load_idx and load_idx_images on files already in memory (plain or gzip); the names stand for
/// the paths in messages.
Dataset load_idx_bytes(std::string_view images, const std::string& images_name, std::string_view labels,
                       const std::string& labels_name, const IdxOptions& options = {});
Dataset load_idx_images_bytes(std::string_view bytes, const std::string& name);

}  // namespace bp
