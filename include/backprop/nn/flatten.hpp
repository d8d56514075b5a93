// Flatten<T>: a {c, h, w} sample read as c*h*w features (before a Dense layer).
#pragma once

#include <memory>

#include "backprop/nn/layer.hpp"

namespace bp {

/// Changes the shape, not the values: rows are already stored flat (NCHW), so forward and
/// backward copy. A Dense layer needs a flat input; Flatten gives it one.
template <class T>
class Flatten final : public Layer<T> {
 public:
  explicit Flatten(Shape in);
  /// make_layer's entry: config {} (no fields).
  static std::unique_ptr<Layer<T>> from_config(const nlohmann::ordered_json& config, Shape in);

  std::string_view kind() const noexcept override { return "flatten"; }
  Shape in_shape() const noexcept override { return in_; }
  Shape out_shape() const noexcept override { return Shape::flat(in_.size()); }

  /// y = x.
  void forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext& ctx) override;
  /// dx = dy.
  void backward(const Matrix<T>& x, const Matrix<T>& y, const Matrix<T>& dy,
                Matrix<T>* dx) override;
  void infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>& s) const override;

  nlohmann::ordered_json config() const override;
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<Flatten>(*this); }

 private:
  Shape in_;
};

}  // namespace bp
