// Plain gradient descent: one update, and a training loop in online, mini-batch or full-batch mode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "backprop/matrix.hpp"
#include "backprop/network.hpp"

namespace bp {

/// When each layer's weights change during one update.
enum class UpdateOrder {
  /// Every gradient is computed with the weights as they were in the forward pass, then all
  /// weights change at once. This is textbook backpropagation and the seed's hand derivation.
  kSimultaneous,
  /// The output layer is updated first and the error is propagated down through the *updated*
  /// weights, layer by layer. This is what produced the seed's printed errors after 1 and 10,000
  /// updates (see docs/seed-errata.md).
  kLayerwise,
};

struct SgdOptions {
  double lr = 0.5;  ///< learning rate eta (> 0, finite)
  UpdateOrder order = UpdateOrder::kSimultaneous;
  void validate() const;  ///< throws UsageError naming the bad value
};

/// One gradient-descent update on the batch (x, t): w <- w - lr * dE/dw for every trainable
/// parameter. Returns E of the batch before the update.
/// A batch of one sample in simultaneous order runs Network::sgd_step_fused: backpropagation and
/// the update in one pass over each layer's weights, without gradient buffers, so after such a
/// step the Params' grad are not this step's gradients (call Network::backward for those).
/// Otherwise: zero_grad, forward, backward, then the update, and grad holds the batch's gradient.
template <class T>
T sgd_step(Network<T>& net, const Matrix<T>& x, const Matrix<T>& t, const SgdOptions& opts);

struct FitOptions {
  std::size_t epochs = 1;      ///< passes over the data (> 0)
  std::size_t batch_size = 1;  ///< 1 = online (the seed), 0 or >= N = full batch, else mini-batch
  bool shuffle = true;         ///< a fresh order each epoch, from the seeded generator
  std::uint64_t seed = 1;
  SgdOptions sgd;
  void validate() const;
};

/// Trains on the rows of X (N, in) with targets Y (N, out). Returns the mean batch loss of each
/// epoch (measured before each update). Throws UsageError on inconsistent shapes or options,
/// DivergenceError naming the epoch and batch when the loss stops being finite.
template <class T>
std::vector<T> fit(Network<T>& net, const Matrix<T>& X, const Matrix<T>& Y, const FitOptions& opts);

}  // namespace bp
