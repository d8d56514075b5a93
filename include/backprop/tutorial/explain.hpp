// Explain one backpropagation step the way the seed works it by hand: the forward pass, the total
// error, every chain-rule factor of every trainable parameter's gradient, and the updated values.
// Every value is taken from the library (Network::forward/backward, loss_grad_output), so the
// derivation shows what the library computes. Output formats: docs/explain.md.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backprop/core/matrix.hpp"
#include "backprop/tutorial/netspec.hpp"
#include "backprop/nn/network.hpp"
#include "backprop/tutorial/gradient_step.hpp"

namespace bp {

/// A name as plain text ("y1_final", "dE_total/dw5") and as LaTeX ("y1_{final}").
struct Symbol {
  std::string text;
  std::string tex;
};

/// A named value.
struct Named {
  Symbol sym;
  double value = 0;
};

/// One factor of a chain rule: d(of)/d(wrt) = formula = substituted = value. `formula` and
/// `substituted` may be empty when there is no short closed form to show.
struct Factor {
  Symbol of;
  Symbol wrt;
  double value = 0;
  Symbol formula;      ///< e.g. "-(T1 - y1_final)"
  Symbol substituted;  ///< the formula with the numbers put in, e.g. "-(0.01 - 0.751365069552)"
};

/// Forward pass of one neuron: z = sum_i input_i × weight_i + bias, a = f(z).
struct NeuronForward {
  std::vector<Named> inputs;   ///< what feeds the neuron (x_i or the previous layer's a_i)
  std::vector<Named> weights;  ///< the weight on each input
  Named bias;
  Named z;  ///< net input
  Named a;  ///< activation
};

struct LayerForward {
  std::size_t layer = 0;  ///< 1-based
  Activation activation = Activation::kIdentity;
  double alpha = 0;
  std::vector<NeuronForward> neurons;
};

/// E_total = sum of one term per output (for cross-entropy, -t_o log p_o).
struct ErrorTerm {
  Named term;        ///< E1, E2, ... (seed) or E_1, ... (systematic)
  Named output;      ///< the output activation the term reads
  Named target;
  Symbol formula;    ///< e.g. "1/2 (T1 - y1_final)^2"
  Symbol substituted;
};

/// How a neuron's dE/dz is obtained.
enum class DeltaKind {
  kChain,    ///< dE/dz = dE/da × f'(z) (element-wise activation)
  kSoftmax,  ///< dE/dz_j = a_j (dE/da_j - sum_k dE/da_k a_k) (the softmax Jacobian product)
  kFused,    ///< dE/dz_j = (a_j - t_j) × scale: cross-entropy on softmax, or BCE on sigmoid
};

/// One term dE/dz_k × w_kj of a hidden neuron's dE/da_j (the seed's eqs. 15-29).
struct BackTerm {
  Factor de_dz;  ///< dE_total/dz_k of neuron k in the next layer
  Named weight;  ///< w_kj
  double value = 0;
};

struct NeuronBackward {
  DeltaKind kind = DeltaKind::kChain;
  Factor de_da;                 ///< dE_total/da_j (unused for kFused)
  std::vector<BackTerm> terms;  ///< hidden layers: the terms that sum to de_da
  Factor da_dz;                 ///< kChain: f'(z_j)
  double softmax_dot = 0;       ///< kSoftmax: sum_k dE/da_k a_k
  Factor de_dz;                 ///< dE_total/dz_j, the library's value (Dense::dz)
};

struct LayerBackward {
  std::size_t layer = 0;  ///< 1-based
  bool output = false;
  std::vector<NeuronBackward> neurons;
};

/// The gradient of one trainable weight or bias, as a product of factors, and its update.
struct Gradient {
  Symbol param;
  std::size_t layer = 0;   ///< 1-based
  std::size_t neuron = 0;  ///< 0-based j
  std::size_t input = 0;   ///< 0-based i (weights only)
  bool is_bias = false;
  std::vector<Factor> factors;  ///< their product is `value` (to rounding)
  double value = 0;             ///< dE_total/dparam from Network::backward
  double old_value = 0;
  double new_value = 0;         ///< old_value - lr × value
};

/// What `backprop explain --steps N` reports. E is the loss over all the description's samples
/// (E_total itself for one sample), measured with a forward pass after the update.
struct TrainingSummary {
  std::size_t steps = 0;
  UpdateOrder order = UpdateOrder::kSimultaneous;
  std::size_t samples = 1;
  double e_before = 0;
  double e_after_first = 0;
  double e_after_last = 0;
  Matrix<double> outputs;  ///< (N, O) after the last update
};

struct ExplainOptions {
  double lr = 0.5;                          ///< learning rate eta (> 0, finite)
  NetNames names = NetNames::kSystematic;   ///< kSeed needs a 2-2-2 network
  int precision = 12;                       ///< significant digits in formulas (10..17)
  void validate() const;                    ///< throws UsageError naming the bad value
};

struct Explanation {
  NetNames names = NetNames::kSystematic;
  Loss loss = Loss::kHalfSse;
  double lr = 0.5;
  int precision = 12;
  std::vector<Named> inputs;
  std::vector<Named> targets;
  std::vector<LayerForward> forward;
  Named total;                          ///< E_total
  std::vector<ErrorTerm> error_terms;
  std::vector<LayerBackward> backward;  ///< output layer first
  std::vector<Gradient> gradients;      ///< output layer first; weights row-major, then biases
  std::vector<std::string> frozen;      ///< names of the parameters that are not trained
};

/// Explains one simultaneous gradient-descent update of `net` on the sample (x, t): x has
/// net.in() values, t has net.out(). `net` is not changed. Throws UsageError when the sizes do not
/// match, the options are invalid, or seed names are asked for a network that is not 2-2-2.
Explanation explain(const Network<double>& net, std::span<const double> x, std::span<const double> t,
                    const ExplainOptions& opts);

/// Trains a copy of `net` with `steps` online updates (bp::sgd_step on one row at a time, cycling
/// through the rows of X in order) and reports E before, after the first and after the last update.
TrainingSummary explain_training(const Network<double>& net, const Matrix<double>& X,
                                 const Matrix<double>& T, double lr, std::size_t steps,
                                 UpdateOrder order);

enum class ExplainFormat { kText, kMarkdown, kJson };
/// "text", "markdown" (or "md"), "json"; throws UsageError listing them.
ExplainFormat parse_explain_format(std::string_view name);

/// Renders an explanation; `training` may be null. JSON values carry full double precision.
std::string render_explanation(const Explanation& e, const TrainingSummary* training,
                               ExplainFormat format);

}  // namespace bp
