// Network<T>: a sequence of layers and a loss; owns the activations between layers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "backprop/nn/dense.hpp"
#include "backprop/nn/dropout.hpp"
#include "backprop/nn/layer.hpp"
#include "backprop/nn/loss.hpp"
#include "backprop/core/matrix.hpp"
#include "backprop/core/param.hpp"

namespace bp {

/// Layers in sequence, each made for the previous one's output shape, and a loss. The network
/// owns every layer and every activation between them; buffers are sized on the first batch and
/// reused (a batch of another size resizes them, a no-op for the same size), so the training loop
/// does not allocate after its first step. Nothing reachable from the public API can break the
/// chain: layers are added only through add(), which checks shapes, and parameters keep their
/// shapes (Param::assign checks).
template <class T>
class Network {
 public:
  Network() = default;
  /// Dense layers (each with its Dropout layer when its options ask for one, see add); throws
  /// UsageError when a layer's `in` differs from the previous `out`.
  Network(const std::vector<DenseOptions>& layers, Loss loss);
  Network(const Network& other);  ///< deep copy: layers (Layer::clone), buffers, generator
  Network& operator=(const Network& other);
  Network(Network&&) noexcept = default;
  Network& operator=(Network&&) noexcept = default;
  ~Network() = default;

  /// Appends a layer, named "<kind>_<k>" for the k-th layer of its kind ("dense_2"), its Params
  /// after it ("dense_2.w"). Throws ShapeError naming both layers and both shapes when its input
  /// shape is not the previous layer's output shape.
  void add(std::unique_ptr<Layer<T>> layer);
  /// Appends Dense(opts), and a Dropout layer after it when opts.dropout > 0 (the deprecated
  /// per-layer dropout option). Throws like add() and Dense().
  void add(const DenseOptions& opts);
  void set_loss(Loss loss) noexcept { loss_ = loss; }
  /// Training mode turns dropout on; evaluation mode (the default) turns it off.
  void set_training(bool on) noexcept { training_ = on; }
  bool training() const noexcept { return training_; }
  /// Seeds the generator that draws dropout masks (reproducible runs).
  void seed_dropout(std::uint64_t seed) { dropout_rng_.seed(seed); }

  Loss loss() const noexcept { return loss_; }
  std::size_t depth() const noexcept { return layers_.size(); }  ///< number of layers
  std::size_t in() const noexcept { return layers_.empty() ? 0 : layers_.front()->in(); }
  std::size_t out() const noexcept { return layers_.empty() ? 0 : layers_.back()->out(); }
  Shape in_shape() const noexcept {
    return layers_.empty() ? Shape{} : layers_.front()->in_shape();
  }
  Shape out_shape() const noexcept {
    return layers_.empty() ? Shape{} : layers_.back()->out_shape();
  }
  std::size_t parameter_count() const noexcept;
  /// Layer l (0-based); throws std::out_of_range. Layers cannot be replaced or reshaped.
  Layer<T>& layer(std::size_t l) { return *layers_.at(l); }
  const Layer<T>& layer(std::size_t l) const { return *layers_.at(l); }
  /// Every layer's Params in a fixed order: layer by layer, each in its own order (Dense: w, b).
  /// Optimizers, clipping, checkpoints and initializers index parameters by this order. The
  /// mutable list is a view of the network's own (no allocation; valid until the next add()).
  std::span<Param<T>* const> params() noexcept { return params_; }
  std::vector<const Param<T>*> params() const { return {params_.begin(), params_.end()}; }

  /// x: (N, in) -> the last layer's output (N, out). Keeps what backward needs.
  /// Throws UsageError when the network is empty, ends in dropout, or x has the wrong width.
  const Matrix<T>& forward(const Matrix<T>& x);
  /// The loss of the last forward's output against t (N, out).
  T loss_value(const Matrix<T>& t) const;

  /// Inference: x (N, in) -> out (N, out), the output activation (softmax included); the same
  /// values as forward(x) in evaluation mode (no dropout) up to rounding (the batch-1 float
  /// path uses the matrix-vector kernels of src/kernels/gemv.cpp for every dense layer).
  /// Thread safety: predict is const and writes only `out` and `scratch`, so any number of
  /// threads may call it at once on the same network, each with its own `out` and `scratch`,
  /// as long as no thread changes the network meanwhile (training, forward/backward, setters,
  /// weights). Results do not depend on how many threads call it (tests/io/test_predict.cpp runs
  /// it from 8 threads at once). A call with a large batch may itself split its matrix products
  /// over num_threads() threads. `out` must not be x or a part of scratch. Throws UsageError
  /// like forward.
  void predict(const Matrix<T>& x, Matrix<T>& out, InferenceScratch<T>& scratch) const;
  /// predict with scratch memory of its own (allocates on every call).
  Matrix<T> predict(const Matrix<T>& x) const;
  /// The loss of the last predict(x, out, scratch) against t (N, out); const like predict.
  T loss_value(const Matrix<T>& t, const Matrix<T>& out, const InferenceScratch<T>& scratch) const;
  /// Backpropagates the loss of the last forward(x) against t: accumulates every trainable
  /// gradient, and fills input_grad() when need_dx. The loss enters through the last layer,
  /// fused with its output activation where the loss allows (Layer::backward_loss).
  /// on_layer, when given, runs for each layer after its gradients are complete and before the
  /// error is propagated through that layer (through its parameters as the hook left them),
  /// from the output layer down; UpdateOrder::kLayerwise uses it to update a layer in place.
  /// Layers with parameters must then be Dense (UsageError otherwise).
  void backward(const Matrix<T>& x, const Matrix<T>& t, bool need_dx = false,
                const std::function<void(Layer<T>&)>* on_layer = nullptr);
  void zero_grad() noexcept;

  /// The output of layer l in the last forward (N, out of layer l).
  const Matrix<T>& output(std::size_t l) const { return y_.at(l); }
  /// The last layer's output in the last forward.
  const Matrix<T>& output() const { return y_.at(layers_.size() - 1); }
  const Matrix<T>& input_grad() const noexcept { return dx_; }  ///< dE/dx (N, in), if need_dx

 private:
  friend struct FusedAccess<T>;
  // A dense layer of the chain the fused SGD paths run on, and the dropout layer after it.
  struct Link {
    Dense<T>* dense;
    std::size_t index;  // its position in layers_
    Dropout<T>* dropout;
  };
  void relink();
  void check_input(const Matrix<T>& x) const;
  void backward_layer(std::size_t l, const Matrix<T>& in, const Matrix<T>& t, Matrix<T>* dx);

  std::vector<std::unique_ptr<Layer<T>>> layers_;
  Loss loss_ = Loss::kHalfSse;
  bool training_ = false;
  std::mt19937_64 dropout_rng_{0};
  std::vector<Matrix<T>> y_;  // each layer's output of the last forward
  Matrix<T> g_[2];            // dE/d(a layer's output) during backward, alternately
  Matrix<T> dx_;
  // Derived from layers_ by relink(): every Param, and the chain of Dense layers (each maybe
  // followed by one Dropout) when that is all the network holds (dense_chain_), else empty.
  std::vector<Param<T>*> params_;
  std::vector<Link> chain_;
  bool dense_chain_ = false;
};

}  // namespace bp
