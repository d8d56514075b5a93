// Checkpoints: everything a training run needs to continue exactly where it stopped -- the model,
// the optimizer's state, the trainer's position and memory (TrainState), the caller's schedule
// state, and fingerprints of the data it was trained on. Format: docs/file-formats.md.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "backprop/data/dataset.hpp"
#include "backprop/io/model.hpp"
#include "backprop/train/trainer.hpp"

namespace bp {

/// What identifies a dataset for a resume check: its shape and a CRC-32 over its features,
/// labels or targets and class names. An empty Dataset gives all zeros.
struct DataFingerprint {
  std::uint64_t samples = 0;
  std::uint64_t features = 0;
  std::uint64_t targets = 0;  ///< classes, or regression targets per sample
  std::uint32_t crc = 0;
  friend bool operator==(const DataFingerprint&, const DataFingerprint&) = default;
  /// "60000 samples x 784 features, 10 classes/targets, CRC-32 0x1234abcd"
  std::string describe() const;
};
DataFingerprint fingerprint(const Dataset& d);

template <class T>
struct Checkpoint {
  Model<T> model;                  ///< weights, preprocessing, class names, seed, config
  TrainState<T> state;             ///< where the run is (see TrainState)
  std::vector<double> optimizer;   ///< Optimizer<T>::save_state's record
  std::vector<double> extra;       ///< the caller's own state (e.g. ReduceOnPlateau::save_state)
  DataFingerprint train_data;
  DataFingerprint validation_data;
};

/// The version checkpoint_to_bytes writes; checkpoint_from_bytes reads 1 to this one.
/// 2: the layout of 1, with an embedded model file of version 2 or later (its column names);
/// 3: the same, with an embedded model file of version 3 or later (any layers).
inline constexpr std::uint32_t kCheckpointFormatVersion = 3;

/// Serializes a checkpoint. Throws DivergenceError when a weight is not finite: a bad state is
/// never written over a good checkpoint.
template <class T>
std::vector<unsigned char> checkpoint_to_bytes(const Network<T>& net, const ModelInfo& info,
                                               const TrainState<T>& state,
                                               std::span<const double> optimizer_state,
                                               std::span<const double> extra,
                                               const DataFingerprint& train_data,
                                               const DataFingerprint& validation_data);
/// Parses and validates a checkpoint: magic, length and CRC-32 first (a damaged byte is reported
/// as corruption), then the version (newer ones refused by name), the scalar size against T,
/// sizes against the bytes left before any allocation, the embedded model file, and that the trainer
/// state and optimizer record fit the network. DataError names `name`, the byte offset, what was
/// expected and what was found.
template <class T>
Checkpoint<T> checkpoint_from_bytes(const std::string& bytes, const std::string& name);

/// Writes atomically and durably (write_file_atomically): temporary file in the same directory,
/// fsync, rename, directory fsync. On failure the previous checkpoint at `path` is intact.
template <class T>
void save_checkpoint(const std::string& path, const Network<T>& net, const ModelInfo& info,
                     const TrainState<T>& state, std::span<const double> optimizer_state,
                     std::span<const double> extra, const DataFingerprint& train_data,
                     const DataFingerprint& validation_data);
/// NoInputError when the file cannot be read; DataError when it is malformed.
template <class T>
Checkpoint<T> load_checkpoint(const std::string& path);

/// The scalar size (4: float, 8: double) of a checkpoint, read only after its magic, length,
/// CRC-32 and version are validated (DataError naming `name` otherwise), so that a damaged byte
/// never chooses the precision of a resumed run.
int checkpoint_scalar_size(const std::string& bytes, const std::string& name);

/// True when bytes start with the checkpoint magic "BPCKPT\0\0".
bool is_checkpoint(const std::string& bytes);
/// Removes temporary files that write_file_atomically left next to `path` ("<path>.tmp.<pid>.<n>")
/// when the process <pid> no longer runs (a run killed while saving). Returns how many it removed.
std::size_t remove_stale_temporaries(const std::string& path);

}  // namespace bp
