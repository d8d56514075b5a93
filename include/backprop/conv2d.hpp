// Conv2D<T>: a 2-D convolution layer (cross-correlation, as PyTorch's Conv2d and ONNX's Conv).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "backprop/layer.hpp"
#include "backprop/window2d.hpp"

namespace bp {

/// Options of a Conv2D layer: `filters` output channels, each a (C, kh, kw) kernel slid by the
/// window over the zero-padded input.
struct Conv2DOptions {
  std::size_t filters = 0;  ///< OC (> 0)
  Window2D window;          ///< kernel, stride, padding (each side at most kernel - 1)
  bool bias = true;         ///< false: no bias Param
};

/// y[n][o] = b[o] + sum_c w[o][c] ⋆ xpad[n][c], input C x H x W, output filters x OH x OW.
/// Params: "w" (OC, C·KH·KW), i.e. PyTorch's / ONNX's (OC, C, KH, KW) weight row-major, and "b"
/// (1, OC) unless bias is off. Float runs im2col + our sgemm over bp::num_threads() threads
/// (bit-identical for any count); double the reference loop.
template <class T>
class Conv2D final : public Layer<T> {
 public:
  /// Weights and biases start at zero. Throws UsageError naming the field when the options do
  /// not fit inputs of shape `in` (zero filters, kernel or stride; padding of kernel or more; a
  /// kernel larger than the padded input).
  Conv2D(const Conv2DOptions& opts, Shape in);
  /// make_layer's entry: config {"filters", "kernel" (int or [kh, kw]), "stride" (int or
  /// [sh, sw], 1), "padding" ("valid" (default), "same" (stride 1), an int, [h, w] or
  /// [top, left, bottom, right]), "bias" (true)}.
  static std::unique_ptr<Layer<T>> from_config(const nlohmann::ordered_json& config, Shape in);

  std::string_view kind() const noexcept override { return "conv2d"; }
  Shape in_shape() const noexcept override { return in_; }
  Shape out_shape() const noexcept override { return out_; }
  const Conv2DOptions& options() const noexcept { return opts_; }

  Param<T>& weights() noexcept { return w_; }  ///< (OC, C·KH·KW)
  Param<T>& bias() noexcept { return b_; }     ///< (1, OC); (1, 0) when options().bias is false

  /// x: (N, C·H·W) -> y: (N, OC·OH·OW).
  void forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext& ctx) override;
  /// dw += Σ_n dy ⋆ x, db += Σ dy, dx = the transposed convolution of dy with w.
  void backward(const Matrix<T>& x, const Matrix<T>& y, const Matrix<T>& dy,
                Matrix<T>* dx) override;
  /// forward with its scratch in s.work.
  void infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>& s) const override;

  std::vector<Param<T>*> params() override {
    if (opts_.bias) return {&w_, &b_};
    return {&w_};
  }
  nlohmann::ordered_json config() const override;
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<Conv2D>(*this); }

 private:
  Conv2DOptions opts_;
  Shape in_, out_;
  Param<T> w_;
  Param<T> b_;
  std::vector<T> scratch_;  // the kernels' lowered matrices, sized for num_threads()
};

}  // namespace bp
