// Layer<T>: the interface every layer of a Network implements (Dense, Dropout, Flatten,
// Activation; src/nn/layer_registry.cpp lists them), and what it is given to run.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "backprop/nn/activation.hpp"
#include "backprop/nn/loss.hpp"
#include "backprop/core/matrix.hpp"
#include "backprop/core/param.hpp"
#include "backprop/core/shape.hpp"

namespace bp {

template <class T>
struct FusedAccess;  // the fused SGD paths' view of Network and Dense internals (src/nn/fused/fused_sgd.hpp)

/// What a training-time forward pass may use besides its input.
struct ForwardContext {
  bool training = false;                ///< dropout draws masks only while training
  std::mt19937_64* rng = nullptr;       ///< the network's dropout generator (Network::seed_dropout)
};

/// Working memory of Network::predict, owned by the caller: the activations between layers and
/// what a layer needs while it computes. The first call sizes it and later calls with the same
/// batch size reuse it without allocating. Give each thread its own; a default-constructed one
/// works for any network.
template <class T>
struct InferenceScratch {
  Matrix<T> z;     ///< the net input of the layer being computed; after predict, the output
                   ///< layer's (N, out) pre-activation (the logits), which the loss reads
  Matrix<T> h[2];  ///< activations between layers, alternately (the network's, not a layer's)
  Matrix<T> work;  ///< any other scratch a layer needs
};

/// The activation a layer applies last, for a loss that fuses with it (softmax + cross-entropy,
/// sigmoid + binary cross-entropy read the pre-activation z as logits; loss.hpp).
template <class T>
struct OutputActivation {
  Activation act = Activation::kIdentity;
  T alpha = T(0);
};

/// A layer: a function of one sample's values, with parameters or without. Activations are
/// Matrix<T> (N, in_shape().size()) -> (N, out_shape().size()), one row per sample, read as NCHW
/// by spatial layers. A layer is made for one input shape and keeps, between forward and
/// backward, whatever backward needs (its workspaces: sized on the first batch, reused after).
/// The network owns the activations between layers and passes them in.
template <class T>
class Layer {
 public:
  virtual ~Layer() = default;
  Layer(const Layer&) = default;
  Layer& operator=(const Layer&) = delete;

  /// The type's tag in model files and configs: "dense", "dropout", "flatten", "activation".
  virtual std::string_view kind() const noexcept = 0;
  /// The name the network gave it ("dense_2": its second dense layer); kind() until then. The
  /// names of its Params start with it ("dense_2.w").
  std::string name() const { return name_.empty() ? std::string(kind()) : name_; }
  virtual Shape in_shape() const noexcept = 0;
  virtual Shape out_shape() const noexcept = 0;
  std::size_t in() const noexcept { return in_shape().size(); }    ///< values per input sample
  std::size_t out() const noexcept { return out_shape().size(); }  ///< values per output sample

  /// x: (N, in) -> y: (N, out), resized. Keeps what backward needs. Throws ShapeError when x does
  /// not have in() columns.
  virtual void forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext& ctx) = 0;
  /// Given the last forward's x and y and dy = dE/dy (N, out): ACCUMULATES dE/dθ into the grad of
  /// every trainable Param, and writes dx = dE/dx (N, in) when dx is not null. dx must not be dy.
  virtual void backward(const Matrix<T>& x, const Matrix<T>& y, const Matrix<T>& dy,
                        Matrix<T>* dx) = 0;
  /// Inference: y = forward(x) in evaluation mode, touching only y and s (so one layer serves
  /// many threads at once). Afterwards s.z holds the pre-activation of output_activation().
  virtual void infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>& s) const = 0;

  /// The activation the layer applies last, when a loss may fuse with it; none by default.
  virtual std::optional<OutputActivation<T>> output_activation() const { return std::nullopt; }
  /// With output_activation(): the pre-activation z (N, out) of the last forward.
  virtual const Matrix<T>& pre_activation() const;
  /// With output_activation(): backward for the loss of y against t, fused with the activation
  /// (dE/dz from loss_backward, then as backward). The network's backward starts here.
  virtual void backward_loss(Loss loss, const Matrix<T>& x, const Matrix<T>& y,
                             const Matrix<T>& t, Matrix<T>* dx);

  /// The layer's parameters in a fixed order (Dense: w, then b); none by default.
  virtual std::vector<Param<T>*> params() { return {}; }
  std::vector<const Param<T>*> params() const;
  void zero_grad() noexcept;
  /// State that is saved with the model but not trained (PyTorch's buffers), e.g. BatchNorm's
  /// running mean and variance: named tensors whose `grad` is unused and that optimizers never
  /// see. Written and read by the model file after the parameters; none by default.
  virtual std::vector<Param<T>*> buffers() { return {}; }

  /// Everything but the parameter values and the input shape needed to make the layer again
  /// (make_layer(kind(), config(), in_shape()) in layer_registry.hpp). Needs
  /// <nlohmann/json.hpp> where it is called.
  virtual nlohmann::ordered_json config() const = 0;
  /// A deep copy (parameters and workspaces), so a Network can be copied.
  virtual std::unique_ptr<Layer<T>> clone() const = 0;

  /// This layer as an L, or nullptr when it is not one.
  template <class L>
  L* as() noexcept { return dynamic_cast<L*>(this); }
  template <class L>
  const L* as() const noexcept { return dynamic_cast<const L*>(this); }

 protected:
  Layer() = default;
  /// Throws ShapeError naming the layer when x does not have in() columns.
  void check_input(const Matrix<T>& x) const;

 private:
  template <class U>
  friend class Network;
  /// Names the layer and renames its Params and buffers "<name>.<their own suffix>".
  void set_name(std::string name);
  std::string name_;
};

}  // namespace bp
