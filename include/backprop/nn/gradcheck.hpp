// Gradient check: every analytic gradient of a network against finite differences, in double.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "backprop/core/matrix.hpp"
#include "backprop/nn/network.hpp"

namespace bp {

struct GradcheckOptions {
  /// Step of the 4-point central stencil f' ~ (-f(+2h) + 8f(+h) - 8f(-h) + f(-2h)) / 12h, whose
  /// truncation error is O(h^4): at h = 1e-3 both it and the rounding error stay near 1e-12.
  double h = 1e-3;
  /// Relative error is |analytic - numeric| / max(|analytic|, |numeric|, floor). The stencil's
  /// own error is about 1e-13 absolute for a loss of order 1, so an entry whose true gradient is 0
  /// (a dead ReLU, a frozen path) would report 1e-13 / |tiny|; with floor = 1e-6 such entries are
  /// held to an absolute error of 1e-12 instead, and any gradient above 1e-6 to a relative one.
  double floor = 1e-6;
};

/// One layer with parameters or an output activation (Dense, Activation).
struct GradcheckLayer {
  std::size_t layer = 0;         ///< 1-based position in the network
  std::string name;              ///< the layer's name ("dense_1")
  Activation activation = Activation::kIdentity;  ///< its output activation
  double worst_weight = 0;       ///< worst relative error over the trainable weights (0 if frozen
                                 ///< or none); every Param but a dense or conv2d bias
  double worst_bias = 0;         ///< worst relative error over the trainable biases (0 if frozen)
  std::size_t checked = 0;       ///< number of entries compared
  double min_abs_z = 0;          ///< smallest |net input|: near 0 a kinked activation invalidates the check
  bool near_kink = false;        ///< an entry of z is within reach of the perturbation and f has a kink
};

struct GradcheckReport {
  std::vector<GradcheckLayer> layers;
  double worst_input = 0;        ///< worst relative error of dE/dx
  double worst() const noexcept;  ///< the worst of all of the above
};

/// Compares every trainable Param's gradient (any layer: dense, conv2d, batchnorm, ...), and the
/// input gradient, of net for the batch (x, t) with finite differences. Runs in training mode
/// (BatchNorm through its batch statistics) unless the network has a dropout layer; the network's
/// values, buffers and mode are restored before it returns.
GradcheckReport gradcheck(Network<double>& net, const Matrix<double>& x, const Matrix<double>& t,
                          const GradcheckOptions& opts = {});

}  // namespace bp
