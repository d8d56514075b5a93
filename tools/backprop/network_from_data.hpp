// `backprop train`'s task, sizes and loss from the data: `--task auto`, `--loss auto`,
// `--layers auto` with `--hidden`. The rules are in README "Command line"; the library side is
// bp::real_valued_label (data/task.hpp) and bp::shape_from_data (shape_from_data.hpp).
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "backprop/data/dataset.hpp"
#include "backprop/nn/network.hpp"
#include "backprop/data/shape_from_data.hpp"

namespace bp::cli {

/// Loads the training data (cfg["train"], cfg["train_labels"]) for the task cfg["task"] asks for:
/// "auto" is regression when cfg["loss"] is a regression loss (mse, half-sse) or the labels are
/// real numbers (bp::real_valued_label), else classification. Writes the task chosen into
/// cfg["task"] and returns why, as a phrase for one line of output. Throws UsageError for
/// real-valued labels with --task classification or a classification loss.
std::string load_training_data(nlohmann::ordered_json& cfg, Dataset& out);

/// Loads other data (a test set) as the training data was: cfg["task"] as load_training_data
/// left it, with the training set's class names.
Dataset load_like_training(const nlohmann::ordered_json& cfg, const std::string& path, const std::string& labels,
                           const Dataset& train);

/// The network's sizes and loss from cfg["layers"], cfg["hidden"] and cfg["loss"] ("auto" or
/// given) and the training data; writes the resolved values back into cfg (so the saved
/// configuration names them). `fail(key, what)` reports a setting that does not fit, and throws.
NetworkShape network_from_data(nlohmann::ordered_json& cfg, const Dataset& train,
                               const std::function<void(const std::string&, const std::string&)>& fail);

/// The network train builds from `shape` (network_from_data): Dense layers of shape.sizes with
/// cfg["activation"] between them and cfg["output_activation"] ("auto": from the loss) last,
/// each hidden one followed by a Dropout layer when cfg["dropout"] > 0; its loss shape.loss.
template <class T>
Network<T> build_network(const nlohmann::ordered_json& cfg, const NetworkShape& shape);
/// The network of the spec cfg["network"] (docs/network-spec.md) for the training data: its input
/// shape from cfg["input_shape"] ("auto": IDX images 1 x H x W, else the feature count; given, it
/// must hold the data's feature count), its loss from cfg["loss"] ("auto": as network_from_data),
/// its output checked against the task's outputs and the loss's output activation. Writes the
/// resolved input_shape and loss back into cfg, and into `shape` the sizes {inputs, outputs}, the
/// loss and single_binary_output. Its parameters are zero. `fail(key, what)` reports a setting
/// that does not fit, and throws.
template <class T>
Network<T> network_from_spec_for_data(nlohmann::ordered_json& cfg, const Dataset& train, NetworkShape& shape,
                                      const std::function<void(const std::string&, const std::string&)>& fail);

/// The network train builds for the training data: from the spec cfg["network"]
/// (network_from_spec_for_data) when there is one, else from the sizes network_from_data resolves
/// (build_network); `shape` receives the sizes and loss. Its parameters are zero.
template <class T>
Network<T> network_for_data(nlohmann::ordered_json& cfg, const Dataset& train, NetworkShape& shape,
                            const std::function<void(const std::string&, const std::string&)>& fail);

/// The number of epochs: cfg["epochs"], or for "auto" bp::default_epochs(samples, batch_size),
/// written back into cfg. `fail(key, what)` reports a value that is neither, and throws.
std::size_t epochs_from_data(nlohmann::ordered_json& cfg, std::size_t samples, std::size_t batch_size,
                             const std::function<void(const std::string&, const std::string&)>& fail);

}  // namespace bp::cli
