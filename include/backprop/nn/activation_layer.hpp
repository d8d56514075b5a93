// ActivationLayer<T>: an activation function as a layer of its own (kind "activation").
#pragma once

#include <memory>

#include "backprop/nn/activation.hpp"
#include "backprop/nn/layer.hpp"

namespace bp {

/// y = f(x) element-wise (softmax: per row). The other way to apply an activation besides
/// Dense's fused one; as the last layer it fuses with the loss like a Dense output layer does
/// (its input is the pre-activation z).
template <class T>
class ActivationLayer final : public Layer<T> {
 public:
  /// alpha < 0: the activation's default parameter. Throws UsageError when alpha is not finite.
  ActivationLayer(Activation act, Shape in, double alpha = -1);
  /// make_layer's entry: config {"activation", "alpha"}.
  static std::unique_ptr<Layer<T>> from_config(const nlohmann::ordered_json& config, Shape in);

  std::string_view kind() const noexcept override { return "activation"; }
  Shape in_shape() const noexcept override { return in_; }
  Shape out_shape() const noexcept override { return in_; }
  Activation activation() const noexcept { return act_; }
  T alpha() const noexcept { return static_cast<T>(alpha_); }

  /// y = f(x); keeps a copy of x as z for backward and the loss.
  void forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext& ctx) override;
  /// dx = dy * f'(x) (softmax: the Jacobian product).
  void backward(const Matrix<T>& x, const Matrix<T>& y, const Matrix<T>& dy,
                Matrix<T>* dx) override;
  /// y = f(x), and s.z = x (the pre-activation the loss reads).
  void infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>& s) const override;

  std::optional<OutputActivation<T>> output_activation() const override {
    return OutputActivation<T>{act_, alpha()};
  }
  const Matrix<T>& pre_activation() const override { return z_; }
  /// dx = dE/dz from loss_backward (fused with the activation where the loss allows).
  void backward_loss(Loss loss, const Matrix<T>& x, const Matrix<T>& y, const Matrix<T>& t,
                     Matrix<T>* dx) override;

  nlohmann::ordered_json config() const override;
  std::unique_ptr<Layer<T>> clone() const override {
    return std::make_unique<ActivationLayer>(*this);
  }

 private:
  Activation act_;
  double alpha_;
  Shape in_;
  Matrix<T> z_;  // the last forward's input
};

}  // namespace bp
