// Loss functions, how a batch is reduced, and how a loss pairs with the output activation.
#pragma once

#include <string>
#include <string_view>

#include "backprop/nn/activation.hpp"
#include "backprop/core/matrix.hpp"

namespace bp {

/// Loss of a batch of N samples with O outputs each; y is the output, t the target.
///
/// Batch reduction (chosen so that a learning rate means the same at every batch size, and so that
/// a batch of one sample gives exactly the seed's E_total):
/// - kHalfSse:  E = (1/N) sum_n sum_o 1/2 (t - y)^2         (the seed's E_total, averaged over samples)
/// - kMse:      E = (1/(N O)) sum_n sum_o (y - t)^2          (PyTorch MSELoss, reduction='mean')
/// - kSoftmaxCrossEntropy: E = (1/N) sum_n [ -sum_o t_o log softmax(y)_o ]
///                                                           (PyTorch CrossEntropyLoss with probabilities)
/// - kBinaryCrossEntropy:  E = (1/(N O)) sum [ -t log s(y) - (1-t) log(1-s(y)) ], s = sigmoid
///                                                           (PyTorch BCEWithLogitsLoss, 'mean')
/// The two cross-entropies take logits. When the network's output activation is the loss's own link
/// (softmax for kSoftmaxCrossEntropy, sigmoid for kBinaryCrossEntropy) the two are fused: the loss
/// reads the output layer's net input z as the logits, and its gradient with respect to z is the
/// closed form (p - t)/N (or /(N O)), which is exact and stable for |z| up to 1e4 and beyond.
/// With any other output activation the activation's output is taken as the logits.
enum class Loss {
  kHalfSse,
  kMse,
  kSoftmaxCrossEntropy,
  kBinaryCrossEntropy,
};

/// "half-sse", "mse", "cross-entropy", "binary-cross-entropy".
std::string_view loss_name(Loss l) noexcept;
/// Parses a name (also "sse", "softmax-cross-entropy", "ce", "bce"); throws UsageError listing the names.
Loss parse_loss(std::string_view name);
/// True when the loss consumes the output layer's net input because out_act is its link function.
bool loss_fuses_with(Loss l, Activation out_act) noexcept;
inline constexpr Loss kAllLosses[] = {Loss::kHalfSse, Loss::kMse, Loss::kSoftmaxCrossEntropy,
                                      Loss::kBinaryCrossEntropy};

/// Value of the loss for the output layer's net input z and activation a = f(z), targets t.
/// All three are (N, O). Throws UsageError when the shapes differ.
template <class T>
T loss_forward(Loss loss, Activation out_act, const Matrix<T>& z, const Matrix<T>& a,
               const Matrix<T>& t);

/// dE/dz for the output layer, through the activation unless fused. Writes dz (resized to (N, O)).
template <class T>
void loss_backward(Loss loss, Activation out_act, T out_alpha, const Matrix<T>& z,
                   const Matrix<T>& a, const Matrix<T>& t, Matrix<T>& dz);

/// dE/da for a non-fused loss (what the chain rule multiplies by f'(z)). Writes da (N, O).
/// For a fused pair this is still defined (the derivative with respect to the activation's output)
/// but loss_backward does not use it.
template <class T>
void loss_grad_output(Loss loss, Activation out_act, const Matrix<T>& z, const Matrix<T>& a,
                      const Matrix<T>& t, Matrix<T>& da);

}  // namespace bp
