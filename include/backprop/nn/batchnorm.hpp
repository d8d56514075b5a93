// BatchNorm1D<T> and BatchNorm2D<T>: batch normalisation layers (PyTorch's BatchNorm1d /
// BatchNorm2d, ONNX's BatchNormalization), per channel over the batch (and the image).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "backprop/nn/layer.hpp"

namespace bp {

/// Options of a batch normalisation layer.
struct BatchNormOptions {
  double momentum = 0.1;  ///< running = (1 - momentum) running + momentum batch; in [0, 1]
  double eps = 1e-5;      ///< added to the variance; > 0
};

/// y = (x - mean) / sqrt(var + eps) · gamma + beta per channel c, over the batch's N·H·W values of
/// c. Training (ForwardContext::training): the batch's mean and biased variance, and the running
/// ones updated (the variance unbiased, as PyTorch); evaluation and infer: the running ones.
/// Params "gamma" (1, C), starting at 1, and "beta" (1, C), at 0; buffers "running_mean" (1, C),
/// at 0, and "running_var" (1, C), at 1: state saved with the model, never trained.
/// The two kinds differ only in the input they take (BatchNorm1D, BatchNorm2D below).
template <class T>
class BatchNorm : public Layer<T> {
 public:
  Shape in_shape() const noexcept override { return in_; }
  Shape out_shape() const noexcept override { return in_; }
  const BatchNormOptions& options() const noexcept { return opts_; }

  Param<T>& gamma() noexcept { return gamma_; }
  Param<T>& beta() noexcept { return beta_; }
  Param<T>& running_mean() noexcept { return running_mean_; }
  Param<T>& running_var() noexcept { return running_var_; }

  /// Training: batch statistics (throws UsageError for one value per channel: N·H·W = 1), kept
  /// for backward, running statistics updated. Otherwise: running statistics.
  void forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext& ctx) override;
  /// Through the statistics the last forward used (the batch's, or the running constants).
  void backward(const Matrix<T>& x, const Matrix<T>& y, const Matrix<T>& dy,
                Matrix<T>* dx) override;
  /// Evaluation mode: the running statistics.
  void infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>& s) const override;

  std::vector<Param<T>*> params() override { return {&gamma_, &beta_}; }
  std::vector<Param<T>*> buffers() override { return {&running_mean_, &running_var_}; }
  nlohmann::ordered_json config() const override;

 protected:
  /// Throws UsageError naming the field for momentum outside [0, 1] or eps <= 0.
  BatchNorm(const BatchNormOptions& opts, Shape in, std::string_view kind);
  static BatchNormOptions read_config(const nlohmann::ordered_json& config);

 private:
  std::size_t plane() const noexcept { return in_.h * in_.w; }  // HW
  BatchNormOptions opts_;
  Shape in_;
  Param<T> gamma_, beta_;
  Param<T> running_mean_, running_var_;
  Matrix<T> save_mean_, save_invstd_;  // (1, C): the last training forward's statistics
  bool last_training_ = false;
};

/// Batch normalisation of flat inputs (N, C): statistics over the batch.
template <class T>
class BatchNorm1D final : public BatchNorm<T> {
 public:
  /// `in` must be flat (ShapeError otherwise: a BatchNorm2D normalises images).
  BatchNorm1D(const BatchNormOptions& opts, Shape in);
  /// make_layer's entry: config {"momentum" (0.1), "eps" (1e-5)}.
  static std::unique_ptr<Layer<T>> from_config(const nlohmann::ordered_json& config, Shape in);
  std::string_view kind() const noexcept override { return "batchnorm1d"; }
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<BatchNorm1D>(*this); }
};

/// Batch normalisation of C x H x W inputs: statistics per channel over the batch and the image.
template <class T>
class BatchNorm2D final : public BatchNorm<T> {
 public:
  BatchNorm2D(const BatchNormOptions& opts, Shape in);
  /// make_layer's entry: config {"momentum" (0.1), "eps" (1e-5)}.
  static std::unique_ptr<Layer<T>> from_config(const nlohmann::ordered_json& config, Shape in);
  std::string_view kind() const noexcept override { return "batchnorm2d"; }
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<BatchNorm2D>(*this); }
};

}  // namespace bp
