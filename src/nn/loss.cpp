// Loss dispatch: names, batch reduction, fusion with the output activation.
#include "backprop/nn/loss.hpp"

#include "backprop/core/error.hpp"
#include "kernels/activation.hpp"
#include "kernels/loss.hpp"

namespace bp {

std::string_view loss_name(Loss l) noexcept {
  switch (l) {
    case Loss::kHalfSse: return "half-sse";
    case Loss::kMse: return "mse";
    case Loss::kSoftmaxCrossEntropy: return "cross-entropy";
    case Loss::kBinaryCrossEntropy: return "binary-cross-entropy";
  }
  return "?";
}

Loss parse_loss(std::string_view name) {
  for (Loss l : kAllLosses)
    if (name == loss_name(l)) return l;
  if (name == "sse" || name == "half-sum-squared-error") return Loss::kHalfSse;
  if (name == "ce" || name == "softmax-cross-entropy") return Loss::kSoftmaxCrossEntropy;
  if (name == "bce" || name == "bce-with-logits") return Loss::kBinaryCrossEntropy;
  std::string known;
  for (Loss l : kAllLosses) known += (known.empty() ? "" : ", ") + std::string(loss_name(l));
  throw UsageError("unknown loss '" + std::string(name) + "'; expected one of: " + known);
}

bool loss_fuses_with(Loss l, Activation out_act) noexcept {
  return (l == Loss::kSoftmaxCrossEntropy && out_act == Activation::kSoftmax) ||
         (l == Loss::kBinaryCrossEntropy && out_act == Activation::kSigmoid);
}

namespace {

template <class T>
void check_shapes(const Matrix<T>& z, const Matrix<T>& a, const Matrix<T>& t) {
  if (t.rows() != a.rows() || t.cols() != a.cols() || z.rows() != a.rows() || z.cols() != a.cols())
    throw UsageError("loss: target is " + std::to_string(t.rows()) + "x" + std::to_string(t.cols()) +
                     ", expected the output's shape " + std::to_string(a.rows()) + "x" +
                     std::to_string(a.cols()));
  if (a.rows() == 0 || a.cols() == 0) throw UsageError("loss: empty batch");
}

// Reduction factor of each loss (see loss.hpp).
template <class T>
T scale_of(Loss loss, std::size_t N, std::size_t O) {
  switch (loss) {
    case Loss::kHalfSse:
    case Loss::kSoftmaxCrossEntropy: return T(1) / T(N);
    case Loss::kMse: return T(2) / T(N * O);  // (y - t)^2 = 2 * 1/2 (t - y)^2
    case Loss::kBinaryCrossEntropy: return T(1) / T(N * O);
  }
  return T(1);
}

}  // namespace

template <class T>
T loss_forward(Loss loss, Activation out_act, const Matrix<T>& z, const Matrix<T>& a,
               const Matrix<T>& t) {
  check_shapes(z, a, t);
  const std::size_t N = a.rows(), O = a.cols();
  const T s = scale_of<T>(loss, N, O);
  const Matrix<T>& logits = loss_fuses_with(loss, out_act) ? z : a;
  switch (loss) {
    case Loss::kHalfSse:
    case Loss::kMse: return kernels::loss_half_sse_forward(a.data(), t.data(), N * O, s);
    case Loss::kSoftmaxCrossEntropy:
      return kernels::loss_softmax_ce_forward(logits.data(), t.data(), N, O, s);
    case Loss::kBinaryCrossEntropy:
      return kernels::loss_bce_logits_forward(logits.data(), t.data(), N * O, s);
  }
  return T(0);
}

template <class T>
void loss_grad_output(Loss loss, Activation out_act, const Matrix<T>& z, const Matrix<T>& a,
                      const Matrix<T>& t, Matrix<T>& da) {
  check_shapes(z, a, t);
  const std::size_t N = a.rows(), O = a.cols();
  const T s = scale_of<T>(loss, N, O);
  da.resize(N, O);
  switch (loss) {
    case Loss::kHalfSse:
    case Loss::kMse: kernels::loss_half_sse_backward(da.data(), a.data(), t.data(), N * O, s); return;
    case Loss::kSoftmaxCrossEntropy:
      if (out_act == Activation::kSoftmax) {  // dE/da_o = -s t_o / a_o (log of the probabilities)
        for (std::size_t k = 0; k < N * O; ++k) da[k] = -s * t[k] / a[k];
      } else {
        kernels::loss_softmax_ce_backward(da.data(), a.data(), t.data(), N, O, s);
      }
      return;
    case Loss::kBinaryCrossEntropy:
      if (out_act == Activation::kSigmoid) {  // dE/da = s (a - t) / (a (1 - a))
        for (std::size_t k = 0; k < N * O; ++k) da[k] = s * (a[k] - t[k]) / (a[k] * (T(1) - a[k]));
      } else {
        kernels::loss_bce_logits_backward(da.data(), a.data(), t.data(), N * O, s);
      }
      return;
  }
}

template <class T>
void loss_backward(Loss loss, Activation out_act, T out_alpha, const Matrix<T>& z,
                   const Matrix<T>& a, const Matrix<T>& t, Matrix<T>& dz) {
  check_shapes(z, a, t);
  const std::size_t N = a.rows(), O = a.cols();
  dz.resize(N, O);
  if (loss_fuses_with(loss, out_act)) {
    const T s = scale_of<T>(loss, N, O);
    if (loss == Loss::kSoftmaxCrossEntropy)
      kernels::loss_softmax_ce_backward(dz.data(), z.data(), t.data(), N, O, s);
    else
      kernels::loss_bce_logits_backward(dz.data(), z.data(), t.data(), N * O, s);
    return;
  }
  loss_grad_output(loss, out_act, z, a, t, dz);  // dz holds dE/da ...
  kernels::activation_backward(dz.data(), dz.data(), z.data(), a.data(), N, O, out_act, out_alpha);
}

#define BP_INSTANTIATE(T)                                                                        \
  template T loss_forward<T>(Loss, Activation, const Matrix<T>&, const Matrix<T>&,               \
                             const Matrix<T>&);                                                  \
  template void loss_grad_output<T>(Loss, Activation, const Matrix<T>&, const Matrix<T>&,        \
                                    const Matrix<T>&, Matrix<T>&);                               \
  template void loss_backward<T>(Loss, Activation, T, const Matrix<T>&, const Matrix<T>&,        \
                                 const Matrix<T>&, Matrix<T>&);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp
