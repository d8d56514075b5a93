// The network's sizes, loss and training budget from the data: inputs = features per sample, outputs = classes or
// regression targets (one sigmoid output for two classes with binary cross-entropy), hidden sizes
// from the caller or the default, and the loss that suits the task. What `backprop train` uses
// unless --layers gives every size; the rule is documented in README "Command line".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "backprop/data/dataset.hpp"
#include "backprop/core/error.hpp"
#include "backprop/nn/loss.hpp"

namespace bp {

/// Hidden layers when none are given: one layer of 100 units, scikit-learn's MLPClassifier and
/// MLPRegressor default (hidden_layer_sizes=(100,)).
inline constexpr std::size_t kDefaultHiddenUnits = 100;

struct ShapeRequest {
  std::optional<std::vector<std::size_t>> layers = std::nullopt;  ///< every size, inputs first; nullopt: from the data
  std::optional<std::vector<std::size_t>> hidden = std::nullopt;  ///< hidden sizes only; nullopt: the default (or layers')
  std::optional<Loss> loss = std::nullopt;                        ///< nullopt: the task's (see shape_from_data)
};

struct NetworkShape {
  std::vector<std::size_t> sizes;     ///< inputs, hidden..., outputs
  Loss loss = Loss::kMse;
  bool single_binary_output = false;  ///< two classes, one output: see Dataset::use_single_binary_target
};

/// A request that does not fit the data; key is the setting it is about ("layers", "hidden" or
/// "loss"), detail the message without it.
struct DataShapeError : UsageError {
  DataShapeError(std::string k, std::string d) : UsageError(k + ": " + d), key(std::move(k)), detail(std::move(d)) {}
  std::string key, detail;
};

/// Sizes and loss for `data` (as loaded: one-hot targets for classification). The rule:
///  - inputs: data.features(); outputs: data.classes() for classification, except 1 for two
///    classes when the loss is automatic or binary-cross-entropy; K targets for regression.
///  - hidden: req.hidden, else kDefaultHiddenUnits in one layer. With req.layers, those sizes
///    are checked instead (the first must be the features, the last the classes or targets, or 1
///    for two classes) and req.hidden, when given too, must be the sizes between them.
///  - loss: req.loss, else cross-entropy (softmax) for classification with one output per class,
///    binary-cross-entropy (sigmoid) for two classes on one output, mse for regression. Softmax
///    cross-entropy on a single output is refused (a softmax over one value is constant).
/// Throws DataShapeError naming the setting that does not fit.
NetworkShape shape_from_data(const Dataset& data, const ShapeRequest& req);

/// The training budget when none is given: scikit-learn's max_iter of 200 epochs, and at least
/// kDefaultMinSteps optimizer steps, so that small data (one or a few batches per epoch) is not
/// stopped after 200 steps: max(200, ceil(kDefaultMinSteps / batches per epoch)). Early stopping
/// on the training loss (the default) ends most runs sooner. batch_size 0 = full batch.
inline constexpr std::size_t kDefaultEpochs = 200;
inline constexpr std::size_t kDefaultMinSteps = 1000;
std::size_t default_epochs(std::size_t samples, std::size_t batch_size);

}  // namespace bp
