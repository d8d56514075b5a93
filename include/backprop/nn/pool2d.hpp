// MaxPool2D<T> and AvgPool2D<T>: 2-D pooling layers (PyTorch's MaxPool2d / AvgPool2d, ONNX's
// MaxPool / AveragePool), each (n, c) plane pooled on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "backprop/nn/layer.hpp"
#include "backprop/nn/window2d.hpp"

namespace bp {

/// y = the largest value of each window (padding never wins; ties: the first in row-major
/// window order; NaN wins). Input C x H x W, output C x OH x OW. No parameters.
template <class T>
class MaxPool2D final : public Layer<T> {
 public:
  /// Throws UsageError naming the field when the window does not fit inputs of shape `in` (zero
  /// kernel or stride, padding over half the kernel, a kernel larger than the padded input).
  MaxPool2D(const Window2D& window, Shape in);
  /// make_layer's entry: config {"kernel" (int or [kh, kw]), "stride" (default: the kernel),
  /// "padding" ("valid" (default), an int, [h, w] or [top, left, bottom, right])}.
  static std::unique_ptr<Layer<T>> from_config(const nlohmann::ordered_json& config, Shape in);

  std::string_view kind() const noexcept override { return "maxpool2d"; }
  Shape in_shape() const noexcept override { return in_; }
  Shape out_shape() const noexcept override { return out_; }
  const Window2D& window() const noexcept { return window_; }

  /// Keeps where each maximum came from for backward.
  void forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext& ctx) override;
  /// dx = 0, then each dy added to the input its window's maximum came from.
  void backward(const Matrix<T>& x, const Matrix<T>& y, const Matrix<T>& dy,
                Matrix<T>* dx) override;
  /// forward; the indices in a per-thread buffer (sized on a thread's first call, reused after).
  void infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>& s) const override;

  nlohmann::ordered_json config() const override;
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<MaxPool2D>(*this); }

 private:
  Window2D window_;
  Shape in_, out_;
  std::vector<std::uint32_t> argmax_;  // (N, C·OH·OW) of the last forward
};

/// y = the window's sum / divisor: kh·kw when count_include_pad (PyTorch's default; padding
/// counts as zeros), else the number of window elements inside the image (ONNX's default).
template <class T>
class AvgPool2D final : public Layer<T> {
 public:
  /// Throws like MaxPool2D's.
  AvgPool2D(const Window2D& window, bool count_include_pad, Shape in);
  /// make_layer's entry: MaxPool2D's fields and "count_include_pad" (true).
  static std::unique_ptr<Layer<T>> from_config(const nlohmann::ordered_json& config, Shape in);

  std::string_view kind() const noexcept override { return "avgpool2d"; }
  Shape in_shape() const noexcept override { return in_; }
  Shape out_shape() const noexcept override { return out_; }
  const Window2D& window() const noexcept { return window_; }
  bool count_include_pad() const noexcept { return include_pad_; }

  void forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext& ctx) override;
  /// dx = 0, then dy / divisor added to every window element inside the image.
  void backward(const Matrix<T>& x, const Matrix<T>& y, const Matrix<T>& dy,
                Matrix<T>* dx) override;
  void infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>& s) const override;

  nlohmann::ordered_json config() const override;
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<AvgPool2D>(*this); }

 private:
  Window2D window_;
  bool include_pad_;
  Shape in_, out_;
};

}  // namespace bp
