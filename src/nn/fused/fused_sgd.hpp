// The fused SGD paths: bit for bit what the general layer-by-layer path leaves, faster. They run
// only on networks made of Dense layers (each maybe followed by a Dropout layer); on any other
// network they return false and the caller takes the general path. Which path runs when:
// docs/design.md, "Which training path runs".
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "backprop/nn/network.hpp"
#include "backprop/optim/optimizer.hpp"

namespace bp {

/// What the fused paths reach inside Network and Dense (friends of both): the buffers the general
/// path would fill, so that after a fused step they hold what it would have left.
template <class T>
struct FusedAccess {
  using Link = typename Network<T>::Link;
  /// The dense chain, or nothing when the network holds other layers.
  static std::span<const Link> chain(const Network<T>& n) {
    return n.dense_chain_ ? std::span<const Link>(n.chain_) : std::span<const Link>();
  }
  static Matrix<T>& output(Network<T>& n, std::size_t l) { return n.y_[l]; }
  static Matrix<T>& scratch(Network<T>& n) { return n.g_[0]; }
  static Matrix<T>& z(Dense<T>& d) { return d.z_; }
  static Matrix<T>& dz(Dense<T>& d) { return d.dz_; }
};

namespace fused {

/// Plain SGD on one sample in one fused pass, for sgd_step at batch 1 in simultaneous order:
/// forward, E, and for each layer from the output down, dx = wᵀ dz with the old weights and
/// w -= lr dz xᵀ in the same sweep over w (b -= lr dz), so no gradient buffer is written: the
/// weights, biases, every dense layer's z, output a and dz end as sgd_step's general path leaves
/// them (bit for bit in double; in float up to rounding, the kernels use FMA), but grad of every
/// Param is left as it was. Sets e to E before the update and returns true; returns false without
/// doing anything when the fused pass does not apply (x or t not one row of the network's widths;
/// not a chain of 1 to 16 Dense layers without Dropout layers). src/sgd_online.cpp.
template <class T>
bool online_sgd_step(Network<T>& net, const Matrix<T>& x, const Matrix<T>& t, T lr, T& e);

/// The trainer's fused SGD step on the batch of the last net.forward(x) against t, bit for bit
/// what { zero_grad(); backward(x, t); optimizer step with these SgdSteps } leaves in every weight,
/// bias and momentum buffer, without writing every gradient to memory and reading it back: the
/// errors dz of all layers are backpropagated first (through the current weights, and the
/// dropout masks of the forward), then each layer's gradients are computed and the step applied
/// to it right away (for large float products, tile by tile inside the sgemm that makes dw:
/// kernels::sgemm_sgd).
/// steps: one per Param, in net.params() order (as Optimizer::plan_fused_sgd fills them);
/// parameters with trainable == false are not touched.
/// Returns false, before changing any weight, when the network is not a dense chain, or when some
/// gradient could be non-finite (a non-finite error or layer input, or a bound on |dw| and |db|
/// from the largest |dz| and |x| that does not stay well below the largest T): the caller then
/// takes the general path, which finds and reports the non-finite gradient. Gradients
/// (Param::grad) are scratch here: their contents afterwards are unspecified. Throws UsageError
/// when steps has the wrong size. src/fused_sgd.cpp.
template <class T>
bool backward_sgd(Network<T>& net, const Matrix<T>& x, const Matrix<T>& t,
                  std::span<const SgdStep<T>> steps);

}  // namespace fused
}  // namespace bp
