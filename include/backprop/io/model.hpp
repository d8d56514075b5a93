// Model files: a trained network with everything needed to use it (preprocessing, class names).
// Format: docs/file-formats.md. Little-endian, versioned, CRC-32 checksummed, written atomically.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backprop/data/scaler.hpp"
#include "backprop/nn/network.hpp"

namespace bp {

/// Feature preprocessing applied before the network: x' = (x - offset) / scale, per feature (the
/// stored form of a bp::Scaler). kind is "none" (empty vectors), "minmax" or "standard"; the
/// vectors have one entry per input.
struct Preprocessing {
  std::string kind = "none";
  std::vector<double> offset;
  std::vector<double> scale;
  friend bool operator==(const Preprocessing&, const Preprocessing&) = default;
};

/// Conversions between the stored form and the Scaler that applies it.
Scaler to_scaler(const Preprocessing& p);
Preprocessing to_preprocessing(const Scaler& s);

/// What a model file holds besides the network.
struct ModelInfo {
  Preprocessing preprocessing;
  std::vector<std::string> class_names;  ///< empty for regression
  std::uint64_t seed = 0;                ///< the seed the model was trained with
  std::string config_json;               ///< the resolved training configuration, as JSON text
  /// The training data's column names (format version 2; empty in version-1 files and for data
  /// without a header): predict and evaluate match a CSV's columns by these names.
  ColumnNames columns;
  friend bool operator==(const ModelInfo&, const ModelInfo&) = default;
};

template <class T>
struct Model {
  Network<T> net;
  ModelInfo info;
};

/// The version model_to_bytes writes. model_from_bytes reads every version from 1 to this one:
/// 1: the network, preprocessing, class names, seed, configuration and weights;
/// 2: adds the column names (ModelInfo::columns) before the weights;
/// 3: any layers make_layer knows: each stored as its kind, its config JSON, its input shape and
///    its params' and buffers' names, shapes and values (the network's input shape first).
inline constexpr std::uint32_t kModelFormatVersion = 3;

/// Serializes to bytes (weights stored as T). Throws UsageError when info does not fit the network
/// (preprocessing, class-name, feature-name or target-name count).
template <class T>
std::vector<unsigned char> model_to_bytes(const Network<T>& net, const ModelInfo& info);
/// Parses bytes; `name` is used in error messages. Validates the magic, the length and the checksum
/// before anything else (so a damaged byte is reported as corruption, never as a version or size
/// to act on), then the version, every size against the bytes left (before allocating), and that
/// every weight is finite. Weights stored in
/// the other precision are converted. Throws DataError naming the byte offset, what was expected
/// and what was found.
template <class T>
Model<T> model_from_bytes(const std::string& bytes, const std::string& name);

/// Saves atomically (write_file_atomically): a failure leaves any previous file intact.
template <class T>
void save_model(const std::string& path, const Network<T>& net, const ModelInfo& info);
/// Loads a model file (NoInputError when it cannot be read; DataError when malformed).
template <class T>
Model<T> load_model(const std::string& path);

}  // namespace bp
