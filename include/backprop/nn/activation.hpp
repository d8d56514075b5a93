// Activation functions: the names users type, and the parameters some of them take.
#pragma once

#include <string>
#include <string_view>

namespace bp {

/// Activation applied by a Dense layer to its net input z, giving a = f(z).
enum class Activation {
  kIdentity,   ///< a = z
  kSigmoid,    ///< a = 1 / (1 + e^-z)
  kTanh,       ///< a = tanh z
  kRelu,       ///< a = max(z, 0)
  kLeakyRelu,  ///< a = z if z > 0, else alpha * z (alpha defaults to 0.01)
  kElu,        ///< a = z if z > 0, else alpha * (e^z - 1) (alpha defaults to 1)
  kSoftplus,   ///< a = log(1 + e^z)
  kSoftmax,    ///< a_o = e^(z_o) / sum_k e^(z_k), over each row (sample)
};

/// The name used on the command line and in files: "identity", "sigmoid", "tanh", "relu",
/// "leaky-relu", "elu", "softplus", "softmax".
std::string_view activation_name(Activation a) noexcept;
/// Parses a name (also accepts "linear", "leaky_relu", "leakyrelu"); throws UsageError that lists
/// the known names.
Activation parse_activation(std::string_view name);
/// The default parameter of an activation: 0.01 for leaky ReLU, 1 for ELU, 0 for the rest.
double activation_default_alpha(Activation a) noexcept;
/// True for activations that are not smooth at z = 0: ReLU and leaky ReLU (f' jumps), ELU (f'' jumps,
/// and f' too when alpha != 1). Finite differences whose stencil straddles 0 are inexact there.
bool activation_has_kink(Activation a, double alpha) noexcept;
/// All activations, in enum order.
inline constexpr Activation kAllActivations[] = {
    Activation::kIdentity, Activation::kSigmoid, Activation::kTanh,     Activation::kRelu,
    Activation::kLeakyRelu, Activation::kElu,    Activation::kSoftplus, Activation::kSoftmax};

}  // namespace bp
