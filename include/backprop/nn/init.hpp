// Weight initialization for a Network: the named schemes (Glorot, He, LeCun, Nguyen–Widrow,
// uniform, explicit values), seeded and bit-for-bit reproducible across compilers and standard
// libraries. Formulas and references: docs/initialization.md.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "backprop/nn/network.hpp"

namespace bp {

/// Every trainable weight and bias drawn uniformly from [-range/sqrt(in), range/sqrt(in)] of its
/// layer, from a std::mt19937_64 seeded with `seed`. Frozen parameters keep their values.
/// (The original initializer. It draws through std::uniform_real_distribution, whose values
/// depend on the standard library; init_network does not.)
template <class T>
void init_uniform(Network<T>& net, std::uint64_t seed, double range = 1.0);

/// How init_network draws a layer's weights w (O, I). fan_in = I, fan_out = O, g = gain.
enum class InitKind {
  kXavierUniform,  ///< U[-a, a], a = g sqrt(6 / (I + O)); Var = 2 g² / (I + O)  (Glorot 2010)
  kXavierNormal,   ///< N(0, s²), s = g sqrt(2 / (I + O))                        (Glorot 2010)
  kHeUniform,      ///< U[-a, a], a = g sqrt(6 / I); Var = 2 g² / I  (He 2015, fan_in, ReLU)
  kHeNormal,       ///< N(0, s²), s = g sqrt(2 / I)                  (He 2015, fan_in, ReLU)
  kLecunUniform,   ///< U[-a, a], a = g sqrt(3 / I); Var = g² / I    (LeCun 1998)
  kLecunNormal,    ///< N(0, s²), s = g sqrt(1 / I)                  (LeCun 1998)
  /// Nguyen & Widrow (1990), for sigmoid/tanh hidden layers with inputs scaled to [-1, 1]: every
  /// hidden neuron's weight vector is drawn from U[-0.5, 0.5]^I and rescaled to Euclidean norm
  /// beta = g * 0.7 * O^(1/I) (O = that layer's neurons), and its bias is drawn from
  /// U[-beta, beta]. The output layer gets
  /// U[-0.5, 0.5] weights (gain not applied) and the constant bias. docs/initialization.md says
  /// how this differs from FANN's fann_init_weights.
  kWidrowNguyen,
  kUniform,   ///< U[-a, a], a = g * range (the same for every layer)
  kExplicit,  ///< every parameter taken from InitOptions::values
};

/// All kinds, in enum order.
inline constexpr InitKind kAllInitKinds[] = {
    InitKind::kXavierUniform, InitKind::kXavierNormal, InitKind::kHeUniform,
    InitKind::kHeNormal,      InitKind::kLecunUniform, InitKind::kLecunNormal,
    InitKind::kWidrowNguyen,  InitKind::kUniform,      InitKind::kExplicit};

/// The name used on the command line and in files: "xavier-uniform", "xavier-normal",
/// "he-uniform", "he-normal", "lecun-uniform", "lecun-normal", "widrow-nguyen", "uniform",
/// "explicit".
std::string_view init_name(InitKind kind) noexcept;
/// Parses a name. Also accepts "glorot-uniform", "glorot-normal", "kaiming-uniform",
/// "kaiming-normal", "nguyen-widrow", and '_' in place of '-'. Throws UsageError listing the
/// known names.
InitKind parse_init(std::string_view name);

/// Options of init_network. validate() throws UsageError naming the bad field and value.
struct InitOptions {
  InitKind kind = InitKind::kXavierUniform;
  /// Multiplies the scale of every random kind (bound a, standard deviation s, or Nguyen–Widrow's
  /// beta); > 0. Must stay 1 for kExplicit.
  double gain = 1;
  /// kUniform only: weights are drawn from U[-gain * range, gain * range]; > 0.
  double range = 1;
  /// Every trainable bias is set to this constant (default zeros), except the hidden-layer biases
  /// of kWidrowNguyen, which the method draws itself, and kExplicit, which sets them from values.
  double bias = 0;
  /// kExplicit only: one value per parameter, in the network's order: layer 0's weights row by
  /// row (row o feeds neuron o), layer 0's biases, layer 1's weights, ... —
  /// Network::parameter_count() values in all. Entries of frozen parameters must be present;
  /// they are skipped.
  std::vector<double> values = {};
  void validate() const;
};

/// Initializes every trainable weight and bias of `net` as `opts` says; frozen parameters keep
/// their values. Deterministic: the same (opts, seed, layer sizes) give the same bits on every
/// platform with IEEE-754 doubles. Each parameter tensor draws from its own std::mt19937_64,
/// seeded from (seed, layer, weights-or-bias), so freezing one tensor does not change what the
/// others receive. Raw 64-bit outputs are turned into numbers by our own transforms (53-bit
/// uniforms; Marsaglia's polar method with a portable logarithm for normals), never by
/// std::*_distribution, whose algorithms differ between standard libraries.
/// Throws UsageError when opts is invalid or, for kExplicit, when values.size() differs from
/// net.parameter_count() (nothing is written then).
template <class T>
void init_network(Network<T>& net, const InitOptions& opts, std::uint64_t seed);

namespace detail {
/// ln(x) for x > 0 computed with +, -, *, / and frexp only, so the same bits come out everywhere
/// (std::log is not required to be correctly rounded). Within a few ulp of the true value.
double portable_log(double x) noexcept;
/// e^y, portable in the same way (range reduction by ln 2, Taylor series, ldexp).
double portable_exp(double y) noexcept;
}  // namespace detail

}  // namespace bp
