// The tutorial's gradient step: plain gradient descent on one batch, with the seed's update order.
// (Training loops over data: bp::train, include/backprop/train/trainer.hpp, and bp::fit, fit.hpp.)
#pragma once

#include "backprop/core/matrix.hpp"
#include "backprop/nn/network.hpp"

namespace bp {

/// When each layer's weights change during one update.
enum class UpdateOrder {
  /// Every gradient is computed with the weights as they were in the forward pass, then all
  /// weights change at once. This is textbook backpropagation and the seed's hand derivation.
  kSimultaneous,
  /// The output layer is updated first and the error is propagated down through the *updated*
  /// weights, layer by layer. This is what produced the seed's printed errors after 1 and 10,000
  /// updates (see docs/seed-errata.md). Needs a network whose layers with parameters are Dense.
  kLayerwise,
};

struct SgdOptions {
  double lr = 0.5;  ///< learning rate eta (> 0, finite)
  UpdateOrder order = UpdateOrder::kSimultaneous;
  void validate() const;  ///< throws UsageError naming the bad value
};

/// One gradient-descent update on the batch (x, t): w <- w - lr * dE/dw for every trainable
/// parameter, in the given order. Returns E of the batch before the update.
/// A batch of one sample in simultaneous order on a network of Dense layers runs
/// fused::online_sgd_step (src/nn/fused/online_sgd.cpp): backpropagation and the update in one pass over
/// each layer's weights, without gradient buffers, so after such a step the Params' grad are not
/// this step's gradients (call Network::backward for those). Otherwise: zero_grad, forward,
/// backward, then the update, and grad holds the batch's gradient.
template <class T>
T sgd_step(Network<T>& net, const Matrix<T>& x, const Matrix<T>& t, const SgdOptions& opts);

}  // namespace bp
