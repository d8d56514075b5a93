// Dropout<T>: inverted dropout as a layer of its own.
#pragma once

#include <memory>

#include "backprop/nn/layer.hpp"

namespace bp {

/// While training, each value is zeroed with probability p and the others are scaled by
/// 1/(1-p), so the expected output equals the input; at evaluation the layer passes its input on.
/// Masks come from the network's dropout generator (ForwardContext::rng), two 32-bit uniforms
/// from each 64-bit draw, in row-major order (src/nn/dropout.cpp).
template <class T>
class Dropout final : public Layer<T> {
 public:
  /// p in [0, 1), for inputs of shape `in` (any shape). Throws UsageError otherwise.
  Dropout(double p, Shape in);
  /// make_layer's entry: config {"p"}.
  static std::unique_ptr<Layer<T>> from_config(const nlohmann::ordered_json& config, Shape in);

  std::string_view kind() const noexcept override { return "dropout"; }
  Shape in_shape() const noexcept override { return shape_; }
  Shape out_shape() const noexcept override { return shape_; }
  double p() const noexcept { return p_; }

  /// Training (ctx.training, p > 0): draws a mask m from *ctx.rng, y = x * m. Otherwise y = x.
  void forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext& ctx) override;
  /// dx = dy * m (the last forward's mask), or dx = dy when it drew none.
  void backward(const Matrix<T>& x, const Matrix<T>& y, const Matrix<T>& dy,
                Matrix<T>* dx) override;
  /// y = x.
  void infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>& s) const override;

  nlohmann::ordered_json config() const override;
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<Dropout>(*this); }

  /// The last training forward drew a mask (training with p > 0).
  bool active() const noexcept { return active_; }
  /// The mask of the last training forward: 0 or 1/(1-p) per value (N, in).
  const Matrix<T>& mask() const noexcept { return mask_; }

 private:
  double p_;
  Shape shape_;
  bool active_ = false;
  Matrix<T> mask_;
};

}  // namespace bp
