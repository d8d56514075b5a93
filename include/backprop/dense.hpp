// Dense<T>: a fully connected layer z = x · wᵀ + b followed by an activation a = f(z).
#pragma once

#include <cstddef>
#include <string>

#include "backprop/activation.hpp"
#include "backprop/matrix.hpp"

namespace bp {

/// Options of a Dense layer. validate() throws UsageError naming the bad field and value.
struct DenseOptions {
  std::size_t in = 0;                         ///< I, inputs per sample (> 0)
  std::size_t out = 0;                        ///< O, neurons (> 0)
  Activation activation = Activation::kIdentity;
  double alpha = -1;                          ///< activation parameter; < 0 means its default
  bool train_weights = true;                  ///< false freezes w (its gradient is not computed)
  bool train_bias = true;                     ///< false freezes b, as the seed does with b1 and b2
  /// Inverted dropout on this layer's output while training: each activation is zeroed with
  /// probability p and the rest are scaled by 1/(1-p); off at evaluation. In [0, 1).
  double dropout = 0;
  void validate() const;
};

/// A trainable tensor and its gradient, with the same shape.
template <class T>
struct Param {
  Matrix<T> value;
  Matrix<T> grad;  ///< accumulated by backward, cleared by zero_grad
  bool trainable = true;
};

template <class T>
class Dense {
 public:
  /// All weights and biases start at zero; set them with weights()/bias() or an initializer.
  explicit Dense(DenseOptions opts);

  std::size_t in() const noexcept { return opts_.in; }
  std::size_t out() const noexcept { return opts_.out; }
  Activation activation() const noexcept { return opts_.activation; }
  T alpha() const noexcept { return static_cast<T>(opts_.alpha); }
  const DenseOptions& options() const noexcept { return opts_; }

  Param<T>& weights() noexcept { return w_; }  ///< value (O, I): row o feeds neuron o
  Param<T>& bias() noexcept { return b_; }     ///< value (1, O)
  const Param<T>& weights() const noexcept { return w_; }
  const Param<T>& bias() const noexcept { return b_; }

  /// x: (N, I) -> z: (N, O), a: (N, O) (resized). Throws UsageError when x has the wrong width.
  void forward(const Matrix<T>& x, Matrix<T>& z, Matrix<T>& a) const;
  /// Given dz = dE/dz (N, O) and the forward's input x: accumulates dE/dw and dE/db into the
  /// trainable grads, and writes dx = dE/dx (N, I) when dx is not null.
  void backward(const Matrix<T>& x, const Matrix<T>& dz, Matrix<T>* dx);
  /// dx = dz · w only (N, I), with the current weights; gradients untouched.
  void backward_input(const Matrix<T>& dz, Matrix<T>& dx) const;
  /// dz = da * f'(z) (or the softmax Jacobian product); dz may be the same object as da.
  void activation_backward(const Matrix<T>& z, const Matrix<T>& a, const Matrix<T>& da,
                           Matrix<T>& dz) const;
  void zero_grad() noexcept;

 private:
  DenseOptions opts_;
  Param<T> w_;
  Param<T> b_;
};

}  // namespace bp
