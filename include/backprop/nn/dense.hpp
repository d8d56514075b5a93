// Dense<T>: a fully connected layer z = x · wᵀ + b followed by an activation a = f(z).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "backprop/nn/activation.hpp"
#include "backprop/nn/layer.hpp"
#include "backprop/core/matrix.hpp"

namespace bp {

/// Options of a Dense layer. validate() throws UsageError naming the bad field and value.
struct DenseOptions {
  std::size_t in = 0;                         ///< I, inputs per sample (> 0)
  std::size_t out = 0;                        ///< O, neurons (> 0)
  Activation activation = Activation::kIdentity;
  double alpha = -1;                          ///< activation parameter; < 0 means its default
  bool train_weights = true;                  ///< false freezes w (its gradient is not computed)
  bool train_bias = true;                     ///< false freezes b, as the seed does with b1 and b2
  /// Deprecated convenience: Network::add(DenseOptions) puts a Dropout layer with this p after
  /// the dense layer (inverted dropout on its output while training). In [0, 1). A Dense layer
  /// itself has no dropout: its constructor refuses p > 0.
  double dropout = 0;
  void validate() const;
};

/// z = x · wᵀ + b, a = f(z). The activation is part of the layer (the tutorial's notation, and
/// what lets a loss fuse with the output activation); an Activation layer is the other way.
template <class T>
class Dense final : public Layer<T> {
 public:
  /// All weights and biases start at zero; set them through weights()/bias() or an initializer.
  /// Throws UsageError when opts is invalid or opts.dropout > 0.
  explicit Dense(DenseOptions opts);
  /// make_layer's entry: config {"units", "activation", "alpha", "train_weights", "train_bias"};
  /// `in` must be flat.
  static std::unique_ptr<Layer<T>> from_config(const nlohmann::ordered_json& config, Shape in);

  std::string_view kind() const noexcept override { return "dense"; }
  Shape in_shape() const noexcept override { return Shape::flat(opts_.in); }
  Shape out_shape() const noexcept override { return Shape::flat(opts_.out); }
  Activation activation() const noexcept { return opts_.activation; }
  T alpha() const noexcept { return static_cast<T>(opts_.alpha); }
  const DenseOptions& options() const noexcept { return opts_; }

  Param<T>& weights() noexcept { return w_; }  ///< value (O, I): row o feeds neuron o
  Param<T>& bias() noexcept { return b_; }     ///< value (1, O)
  const Param<T>& weights() const noexcept { return w_; }
  const Param<T>& bias() const noexcept { return b_; }

  /// x: (N, I) -> y = a: (N, O); keeps z (N, O) for backward.
  void forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext& ctx) override;
  /// dz = dy * f'(z) (or the softmax Jacobian product), then dw += dzᵀ x, db += Σ_n dz,
  /// dx = dz w.
  void backward(const Matrix<T>& x, const Matrix<T>& y, const Matrix<T>& dy,
                Matrix<T>* dx) override;
  /// forward without state: z in s.z; at batch 1 in float, the matrix-vector kernels at any size.
  void infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>& s) const override;

  std::optional<OutputActivation<T>> output_activation() const override {
    return OutputActivation<T>{opts_.activation, alpha()};
  }
  const Matrix<T>& pre_activation() const override { return z_; }
  /// dz from loss_backward (fused with the activation where the loss allows), then as backward.
  void backward_loss(Loss loss, const Matrix<T>& x, const Matrix<T>& y, const Matrix<T>& t,
                     Matrix<T>* dx) override;

  std::vector<Param<T>*> params() override { return {&w_, &b_}; }
  nlohmann::ordered_json config() const override;
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<Dense>(*this); }

  const Matrix<T>& z() const noexcept { return z_; }    ///< net input of the last forward (N, O)
  const Matrix<T>& dz() const noexcept { return dz_; }  ///< dE/dz of the last backward (N, O)

  /// Given dz = dE/dz (N, O) and the forward's input x: accumulates dE/dw and dE/db into the
  /// trainable grads, and writes dx = dE/dx (N, I) when dx is not null.
  void backward_z(const Matrix<T>& x, const Matrix<T>& dz, Matrix<T>* dx);
  /// dx = dz · w only (N, I), with the current weights; gradients untouched.
  void backward_input(const Matrix<T>& dz, Matrix<T>& dx) const;
  /// dz = da * f'(z) (or the softmax Jacobian product); dz may be the same object as da.
  void activation_backward(const Matrix<T>& z, const Matrix<T>& a, const Matrix<T>& da,
                           Matrix<T>& dz) const;

 private:
  template <class U>
  friend struct FusedAccess;
  DenseOptions opts_;
  Param<T> w_;
  Param<T> b_;
  Matrix<T> z_;   // net input of the last forward
  Matrix<T> dz_;  // dE/dz of the last backward
};

}  // namespace bp
