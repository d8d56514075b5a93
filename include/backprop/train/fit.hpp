// fit: training on in-memory matrices, a thin wrapper over bp::train (trainer.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "backprop/core/matrix.hpp"
#include "backprop/nn/network.hpp"
#include "backprop/optim/options.hpp"
#include "backprop/train/trainer.hpp"

namespace bp {

struct FitOptions {
  std::size_t epochs = 1;      ///< passes over the data (> 0)
  std::size_t batch_size = 1;  ///< 1 = online (the seed), 0 or >= N = full batch, else mini-batch
  std::uint64_t seed = 1;      ///< epoch orders and dropout masks, as TrainOptions::seed
  /// The optimizer (a make_optimizer name: "sgd", "adam", ...) and its learning rate and momentum;
  /// every other setting takes that optimizer's default (bp::train takes any Optimizer).
  std::string optimizer = "sgd";
  double lr = 0.5;
  double momentum = 0;
  void validate() const;  ///< throws UsageError naming the bad value
};

/// Trains on the rows of X (N, in) with targets Y (N, out): exactly bp::train on
/// Dataset::regression(X, Y) without preprocessing, with make_optimizer({optimizer, lr,
/// momentum}) and TrainOptions{epochs, batch_size, seed} (tests/train/test_fit.cpp checks the bits).
/// Like every Dataset, X and Y are stored as float32. Returns train's result: the loss of each epoch is
/// the sample-weighted mean of the batch losses measured before each update. Throws UsageError
/// on inconsistent shapes or options, DivergenceError naming the epoch and batch when the loss
/// or a gradient stops being finite.
template <class T>
TrainResult fit(Network<T>& net, const Matrix<T>& X, const Matrix<T>& Y,
                const FitOptions& opts);

}  // namespace bp
