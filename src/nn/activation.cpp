// Names and properties of the activations (the math lives in src/kernels/activation.cpp).
#include "backprop/nn/activation.hpp"

#include "backprop/core/error.hpp"

namespace bp {

std::string_view activation_name(Activation a) noexcept {
  switch (a) {
    case Activation::kIdentity: return "identity";
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kTanh: return "tanh";
    case Activation::kRelu: return "relu";
    case Activation::kLeakyRelu: return "leaky-relu";
    case Activation::kElu: return "elu";
    case Activation::kSoftplus: return "softplus";
    case Activation::kSoftmax: return "softmax";
  }
  return "?";
}

Activation parse_activation(std::string_view name) {
  for (Activation a : kAllActivations)
    if (name == activation_name(a)) return a;
  if (name == "linear" || name == "none") return Activation::kIdentity;
  if (name == "leaky_relu" || name == "leakyrelu") return Activation::kLeakyRelu;
  std::string known;
  for (Activation a : kAllActivations) known += (known.empty() ? "" : ", ") + std::string(activation_name(a));
  throw UsageError("unknown activation '" + std::string(name) + "'; expected one of: " + known);
}

double activation_default_alpha(Activation a) noexcept {
  if (a == Activation::kLeakyRelu) return 0.01;
  if (a == Activation::kElu) return 1.0;
  return 0.0;
}

bool activation_has_kink(Activation a, double alpha) noexcept {
  (void)alpha;
  return a == Activation::kRelu || a == Activation::kLeakyRelu || a == Activation::kElu;
}

}  // namespace bp
