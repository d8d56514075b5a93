// Batch normalisation kernels (PyTorch's BatchNorm1d / BatchNorm2d, ONNX BatchNormalization):
// training-mode forward, eval-mode forward, and the backward of each, side by side.
// Internal; callers check shapes.
//
// Layout: x, y, dy, dx: (N, C, HW) row-major, HW = H * W for 2-D input (N, C, H, W) and HW = 1
// for 1-D input (N, C). Statistics are per channel c, over the M = N * HW elements x[n][c][k].
// gamma, beta, running_mean, running_var, save_mean, save_invstd, dgamma, dbeta: (C).
// gamma == nullptr means 1 and beta == nullptr means 0 (affine = False).
//
// Every kernel works channel by channel, channels split across up to `threads` threads of the
// library's pool; a channel's result does not depend on which thread computes it, so results are
// bit-identical for any thread count. Per-channel sums are accumulated in double for float too
// (one rounding to T at the end); the variance is the two-pass sum of squared deviations. The
// kernels are memory-bound single loops, so there is no separate `_ref` version: the tests check
// them against finite differences and PyTorch's values (tests/reference/).
#pragma once

#include <cstddef>

namespace bp::kernels {

/// Training mode:
///   mean = sum x / M, var = sum (x - mean)^2 / M (biased: used to normalise),
///   save_mean = mean, save_invstd = 1 / sqrt(var + eps)   (for backward; caller-provided)
///   y = (x - mean) * save_invstd * gamma + beta
///   running_mean = (1 - momentum) running_mean + momentum mean
///   running_var  = (1 - momentum) running_var + momentum var * M / (M - 1)   (unbiased)
/// as PyTorch does (momentum 0.1, eps 1e-5 by default; ONNX's momentum is 1 - PyTorch's).
/// running_mean / running_var may be nullptr (track_running_stats = False). Requires M > 1
/// (PyTorch refuses M == 1 in training: "Expected more than 1 value per channel").
template <class T>
void batchnorm_forward_train(T* y, T* save_mean, T* save_invstd, T* running_mean, T* running_var,
                             const T* x, const T* gamma, const T* beta, std::size_t N,
                             std::size_t C, std::size_t HW, T momentum, T eps,
                             std::size_t threads = 1);

/// Backward of the training-mode forward (through the batch statistics), with save_mean and
/// save_invstd from it, xhat = (x - mean) * invstd:
///   dx = gamma invstd (dy - sum dy / M - xhat sum (dy xhat) / M)   (if dx; OVERWRITTEN)
///   dgamma += sum dy xhat  (if dgamma; ACCUMULATED)     dbeta += sum dy  (if dbeta; ACCUMULATED)
template <class T>
void batchnorm_backward_train(T* dx, T* dgamma, T* dbeta, const T* dy, const T* x, const T* gamma,
                              const T* save_mean, const T* save_invstd, std::size_t N,
                              std::size_t C, std::size_t HW, std::size_t threads = 1);

/// Eval mode: y = (x - running_mean) / sqrt(running_var + eps) * gamma + beta.
template <class T>
void batchnorm_forward_eval(T* y, const T* x, const T* gamma, const T* beta,
                            const T* running_mean, const T* running_var, std::size_t N,
                            std::size_t C, std::size_t HW, T eps, std::size_t threads = 1);

/// Backward of the eval-mode forward (the statistics are constants), invstd = 1/sqrt(rv + eps):
///   dx = dy gamma invstd (OVERWRITTEN), dgamma += sum dy (x - rm) invstd, dbeta += sum dy.
template <class T>
void batchnorm_backward_eval(T* dx, T* dgamma, T* dbeta, const T* dy, const T* x, const T* gamma,
                             const T* running_mean, const T* running_var, std::size_t N,
                             std::size_t C, std::size_t HW, T eps, std::size_t threads = 1);

}  // namespace bp::kernels
