// Network<T>: a sequence of Dense layers and a loss; owns every activation and gradient buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <vector>

#include "backprop/dense.hpp"
#include "backprop/loss.hpp"
#include "backprop/matrix.hpp"
#include "backprop/optim/optimizer.hpp"

namespace bp {

/// Working memory of Network::predict: the activations between layers and the net input of the
/// layer being computed. The first call sizes it and later calls with the same batch size reuse
/// it without allocating. Give each thread its own (one scratch must not be used by two calls at
/// once); a default-constructed one works for any network.
template <class T>
struct InferenceScratch {
  Matrix<T> z;     ///< net input; after predict, the output layer's (N, out): the logits
  Matrix<T> h[2];  ///< hidden layers' activations, alternately
};

/// Where the pieces of a forward/backward pass live. Buffers are sized on the first batch and
/// reused; a batch of another size resizes them (a no-op for the same size), so the training loop
/// does not allocate after its first step.
template <class T>
class Network {
 public:
  Network() = default;
  /// Builds the layers; throws UsageError when a layer's `in` differs from the previous `out`.
  Network(const std::vector<DenseOptions>& layers, Loss loss);

  /// Appends a layer; throws UsageError naming both sizes when it does not chain.
  void add(const DenseOptions& opts);
  void set_loss(Loss loss) noexcept { loss_ = loss; }
  /// Training mode turns dropout on; evaluation mode (the default) turns it off.
  void set_training(bool on) noexcept { training_ = on; }
  bool training() const noexcept { return training_; }
  /// Seeds the generator that draws dropout masks (reproducible runs).
  void seed_dropout(std::uint64_t seed) { dropout_rng_.seed(seed); }

  Loss loss() const noexcept { return loss_; }
  std::size_t depth() const noexcept { return layers_.size(); }
  std::size_t in() const noexcept { return layers_.empty() ? 0 : layers_.front().in(); }
  std::size_t out() const noexcept { return layers_.empty() ? 0 : layers_.back().out(); }
  std::size_t parameter_count() const noexcept;
  Dense<T>& layer(std::size_t l) { return layers_.at(l); }
  const Dense<T>& layer(std::size_t l) const { return layers_.at(l); }
  std::vector<Dense<T>>& layers() noexcept { return layers_; }
  const std::vector<Dense<T>>& layers() const noexcept { return layers_; }

  /// x: (N, in) -> the output activation (N, out). Keeps every layer's z and a for backward.
  /// Throws UsageError when the network is empty or x has the wrong width.
  const Matrix<T>& forward(const Matrix<T>& x);
  /// The loss of the last forward's output against t (N, out).
  T loss_value(const Matrix<T>& t) const;

  /// Inference: x (N, in) -> out (N, out), the output activation (softmax included); the same
  /// values as forward(x) in evaluation mode (no dropout) up to rounding (the batch-1 float
  /// path uses the matrix-vector kernels of src/kernels/gemv.cpp for every layer).
  /// Thread safety: predict is const and writes only `out` and `scratch`, so any number of
  /// threads may call it at once on the same network, each with its own `out` and `scratch`,
  /// as long as no thread changes the network meanwhile (training, forward/backward, setters,
  /// weights). Results do not depend on how many threads call it (tests/test_predict.cpp runs
  /// it from 8 threads at once). A call with a large batch may itself split its matrix products
  /// over num_threads() threads. `out` must not be x or a part of scratch. Throws UsageError
  /// like forward.
  void predict(const Matrix<T>& x, Matrix<T>& out, InferenceScratch<T>& scratch) const;
  /// predict with scratch memory of its own (allocates on every call).
  Matrix<T> predict(const Matrix<T>& x) const;
  /// The loss of the last predict(x, out, scratch) against t (N, out); const like predict.
  T loss_value(const Matrix<T>& t, const Matrix<T>& out, const InferenceScratch<T>& scratch) const;
  /// Backpropagates the loss of the last forward(x) against t: accumulates every trainable
  /// gradient, and fills input_grad() when need_dx. on_layer, when given, runs after each layer's
  /// gradients are complete and before the error is propagated through that layer's weights
  /// (from the output layer down); UpdateOrder::kLayerwise uses it to update a layer in place.
  void backward(const Matrix<T>& x, const Matrix<T>& t, bool need_dx = false,
                const std::function<void(Dense<T>&)>* on_layer = nullptr);
  void zero_grad() noexcept;

  /// The trainer's fused SGD step on the batch of the last forward(x) against t, bit for bit what
  /// { zero_grad(); backward(x, t); optimizer step with these SgdSteps } leaves in every weight,
  /// bias and momentum buffer, without writing every gradient to memory and reading it back: the
  /// errors dz of all layers are backpropagated first (through the current weights), then each
  /// layer's gradients are computed and the step applied to it right away (for large float
  /// products, tile by tile inside the sgemm that makes dw: kernels::sgemm_sgd).
  /// steps: one per parameter, in the order w of layer 1, b of layer 1, w of layer 2, ... (as
  /// Optimizer::plan_fused_sgd fills them); parameters with trainable == false are not touched.
  /// Returns false, before changing any weight, when some gradient could be non-finite (a
  /// non-finite error or layer input, or a bound on |dw| and |db| from the largest |dz| and |x|
  /// that does not stay well below the largest T): the caller then takes the general path, which
  /// finds and reports the non-finite gradient. Gradients (Param::grad) are scratch here: their
  /// contents afterwards are unspecified. Throws UsageError when steps has the wrong size.
  bool backward_sgd(const Matrix<T>& x, const Matrix<T>& t, std::span<const SgdStep<T>> steps);

  /// Plain SGD on one sample in one fused pass, for sgd_step at batch 1 in simultaneous order:
  /// forward, E, and for each layer from the output down, dx = wᵀ dz with the old weights and
  /// w -= lr dz xᵀ in the same sweep over w (b -= lr dz), so no gradient buffer is written: the
  /// weights, biases, z, a and dz end as sgd_step's general path leaves them (bit for bit in
  /// double; in float up to rounding, the kernels use FMA), but grad of every Param is left as
  /// it was. Sets e to E before the update and returns true; returns false without doing
  /// anything when the fused pass does not apply (x or t not one row of the network's widths,
  /// no layers or more than 16, dropout active on a layer or set on the output layer).
  bool sgd_step_fused(const Matrix<T>& x, const Matrix<T>& t, T lr, T& e);

  const Matrix<T>& z(std::size_t l) const { return z_.at(l); }  ///< net input of layer l (N, O_l)
  const Matrix<T>& a(std::size_t l) const { return a_.at(l); }  ///< activation of layer l (N, O_l)
  const Matrix<T>& dz(std::size_t l) const { return dz_.at(l); }  ///< dE/dz of layer l, after backward
  const Matrix<T>& input_grad() const noexcept { return dx_; }  ///< dE/dx (N, in), if need_dx
  const Matrix<T>& output() const { return a_.at(layers_.size() - 1); }
  /// The input that layer l + 1 received: a(l), or a(l) with dropout applied while training.
  const Matrix<T>& layer_output(std::size_t l) const { return dropped(l) ? out_.at(l) : a_.at(l); }

 private:
  std::vector<Dense<T>> layers_;
  Loss loss_ = Loss::kHalfSse;
  bool dropped(std::size_t l) const noexcept {
    return training_ && layers_[l].options().dropout > 0;
  }
  bool training_ = false;
  std::mt19937_64 dropout_rng_{0};
  std::vector<Matrix<T>> z_, a_, dz_;
  std::vector<Matrix<T>> mask_, out_;  // dropout: per-unit factor 0 or 1/(1-p), and a * mask
  Matrix<T> da_;  // scratch: dE/da of the layer being processed
  Matrix<T> dx_;
};

}  // namespace bp
