// Explain: the seed's numbers (from an independent double-precision Python computation), the
// product of every printed chain of factors against the library's gradient, and the three formats.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "backprop/backprop.hpp"
#include "nn/dense_at.hpp"

namespace bp {
namespace {

// The reference values were computed independently in double precision and printed with 12
// significant digits, so they are exact to half an ulp of the 12th digit: 5e-12 relative.
constexpr double kRefTol = 5e-12;
// A product of three factors rounds up to 3 times and is compared with the library's own order of
// the same multiplications: a few ulp, 1e-12 leaves room.
constexpr double kProductTol = 1e-12;

double rel_err(double a, double b) {
  return std::abs(a - b) / std::max({1e-300, std::abs(a), std::abs(b)});
}
#define EXPECT_REL(got, want, tol) \
  EXPECT_LE(rel_err(got, want), tol) << #got << ": got " << (got) << " want " << (want)

Explanation seed_explanation() {
  ExplainOptions o;
  o.lr = kSeedLearningRate;
  o.names = NetNames::kSeed;
  return explain(seed_network(), seed_input().row(0), seed_target().row(0), o);
}

std::map<std::string, const Gradient*> by_name(const Explanation& e) {
  std::map<std::string, const Gradient*> m;
  for (const auto& g : e.gradients) m[g.param.text] = &g;
  return m;
}

TEST(Explain, SeedForwardPassAndError) {
  const Explanation e = seed_explanation();
  ASSERT_EQ(e.forward.size(), 2u);
  const auto& h = e.forward[0].neurons;
  const auto& y = e.forward[1].neurons;
  EXPECT_EQ(h[0].z.sym.text, "H1");
  EXPECT_EQ(h[0].a.sym.text, "H1_final");
  EXPECT_EQ(y[1].a.sym.text, "y2_final");
  EXPECT_EQ(h[0].bias.sym.text, "b1");
  EXPECT_EQ(y[0].bias.sym.text, "b2");
  EXPECT_EQ(h[1].weights[0].sym.text, "w3");
  EXPECT_EQ(y[1].weights[1].sym.text, "w8");
  EXPECT_REL(h[0].z.value, 0.3775, kRefTol);
  EXPECT_REL(h[0].a.value, 0.593269992107, kRefTol);
  EXPECT_REL(h[1].z.value, 0.3925, kRefTol);
  EXPECT_REL(h[1].a.value, 0.59688437826, kRefTol);
  EXPECT_REL(y[0].z.value, 1.10590596706, kRefTol);
  EXPECT_REL(y[0].a.value, 0.751365069552, kRefTol);
  EXPECT_REL(y[1].z.value, 1.2249214041, kRefTol);
  EXPECT_REL(y[1].a.value, 0.772928465321, kRefTol);
  EXPECT_EQ(e.total.sym.text, "E_total");
  EXPECT_REL(e.total.value, 0.29837110876, kRefTol);
  ASSERT_EQ(e.error_terms.size(), 2u);
  EXPECT_EQ(e.error_terms[0].term.sym.text, "E1");
  EXPECT_REL(e.error_terms[0].term.value + e.error_terms[1].term.value, e.total.value, 1e-15);
  EXPECT_EQ(e.frozen, (std::vector<std::string>{"b1", "b2"}));
}

TEST(Explain, SeedGradientsAndUpdatedWeights) {
  const Explanation e = seed_explanation();
  const auto g = by_name(e);
  ASSERT_EQ(g.size(), 8u);  // w1..w8; b1 and b2 are frozen
  const double grad[] = {0.000438567734474, 0.000877135468949, 0.000497712735261, 0.000995425470522,
                         0.0821670405642,   0.0826676278475,   -0.0226025404775,  -0.022740242216};
  const double updated[] = {0.149780716133, 0.199561432266, 0.249751143632, 0.299502287265,
                            0.358916479718, 0.408666186076, 0.511301270239, 0.561370121108};
  for (int k = 0; k < 8; ++k) {
    const std::string w = "w" + std::to_string(k + 1);
    ASSERT_TRUE(g.count(w)) << w;
    EXPECT_REL(g.at(w)->value, grad[k], kRefTol) << w;
    EXPECT_REL(g.at(w)->new_value, updated[k], kRefTol) << w;
  }
  // The seed's factor names for w5 (eq. 3) and w1 (eq. 13).
  const auto& f5 = g.at("w5")->factors;
  ASSERT_EQ(f5.size(), 3u);
  EXPECT_EQ(f5[0].of.text + "/" + f5[0].wrt.text, "E_total/y1_final");
  EXPECT_EQ(f5[1].of.text + "/" + f5[1].wrt.text, "y1_final/y1");
  EXPECT_EQ(f5[2].of.text + "/" + f5[2].wrt.text, "y1/w5");
  EXPECT_REL(f5[0].value, 0.74136507, 1e-8);   // eq. (4), printed by the seed to 8 digits
  EXPECT_REL(f5[1].value, 0.186815602, 1e-8);  // eq. (8)
  const auto& f1 = g.at("w1")->factors;
  ASSERT_EQ(f1.size(), 3u);
  EXPECT_EQ(f1[0].wrt.text, "H1_final");
  EXPECT_EQ(f1[2].of.text + "/" + f1[2].wrt.text, "H1/w1");
  EXPECT_EQ(f1[2].value, 0.05);  // eq. (33)
  // The hidden dE/da lists one term per output neuron (eqs. 27-28), through w5 and w7.
  const NeuronBackward& h1 = e.backward[1].neurons[0];
  ASSERT_EQ(h1.terms.size(), 2u);
  EXPECT_EQ(h1.terms[0].weight.sym.text, "w5");
  EXPECT_EQ(h1.terms[1].weight.sym.text, "w7");
}

// The updated values are what sgd_step makes of the same network.
TEST(Explain, UpdatedValuesMatchSgdStep) {
  const Explanation e = seed_explanation();
  Network<double> net = seed_network();
  sgd_step(net, seed_input(), seed_target(), SgdOptions{kSeedLearningRate, UpdateOrder::kSimultaneous});
  for (const auto& g : e.gradients)
    EXPECT_EQ(g.new_value, dense_at(net, g.layer - 1).weights().value(g.neuron, g.input)) << g.param.text;
}

TEST(Explain, SeedTrainingBothUpdateOrders) {
  const TrainingSummary s = explain_training(seed_network(), seed_input(), seed_target(), kSeedLearningRate,
                                             10000, UpdateOrder::kSimultaneous);
  EXPECT_REL(s.e_before, 0.29837110876, kRefTol);
  EXPECT_REL(s.e_after_first, 0.291027773694, kRefTol);
  EXPECT_REL(s.e_after_last, 3.51018778298e-05, kRefTol);
  EXPECT_REL(s.outputs[0], 0.0159136204436, kRefTol);
  EXPECT_REL(s.outputs[1], 0.984064273515, kRefTol);
  const TrainingSummary lw = explain_training(seed_network(), seed_input(), seed_target(), kSeedLearningRate,
                                              10000, UpdateOrder::kLayerwise);
  EXPECT_REL(lw.e_after_first, 0.291027923905, kRefTol);
  EXPECT_REL(lw.e_after_last, 3.50847862963e-05, kRefTol);
  EXPECT_REL(lw.outputs[0], 0.015912196326, kRefTol);
  EXPECT_REL(lw.outputs[1], 0.984065734486, kRefTol);
}

// Every printed chain multiplies out to the library's value: each gradient's factors, each
// neuron's dE/dz = dE/da * f'(z), and each hidden dE/da = sum of its terms.
void expect_consistent(const Explanation& e, const std::string& what) {
  for (const auto& g : e.gradients) {
    double prod = 1;
    for (const auto& f : g.factors) prod *= f.value;
    EXPECT_LE(rel_err(prod, g.value), kProductTol) << what << " " << g.param.text << ": product " << prod
                                                   << " library " << g.value;
  }
  for (const auto& lb : e.backward)
    for (std::size_t j = 0; j < lb.neurons.size(); ++j) {
      const NeuronBackward& nb = lb.neurons[j];
      if (nb.kind == DeltaKind::kChain) {
        EXPECT_LE(rel_err(nb.de_da.value * nb.da_dz.value, nb.de_dz.value), kProductTol)
            << what << " " << nb.de_dz.wrt.text;
      }
      if (nb.kind == DeltaKind::kSoftmax) {  // dE/dz_j = a_j (dE/da_j - sum_k dE/da_k a_k)
        const double a = e.forward[lb.layer - 1].neurons[j].a.value;
        EXPECT_NEAR(a * (nb.de_da.value - nb.softmax_dot), nb.de_dz.value, 1e-15 + 1e-12 * std::abs(nb.de_dz.value))
            << what << " " << nb.de_dz.wrt.text;
      }
      if (!nb.terms.empty()) {
        double sum = 0;
        for (const auto& t : nb.terms) sum += t.de_dz.value * t.weight.value;
        EXPECT_EQ(sum, nb.de_da.value) << what << " " << nb.de_da.wrt.text;
      }
    }
  double sum = 0;
  for (const auto& t : e.error_terms) sum += t.term.value;
  EXPECT_LE(rel_err(sum, e.total.value), 1e-13) << what << ": error terms";
}

TEST(Explain, SeedFactorsMultiplyToTheLibraryGradient) { expect_consistent(seed_explanation(), "seed"); }

// A 3-layer network with systematic names, for every activation and loss: the explanation's
// gradients are Network::backward's, and its factors multiply out to them.
TEST(Explain, ThreeLayerSystematicNamesMatchBackward) {
  for (Activation act : kAllActivations)
    for (Loss loss : kAllLosses) {
      const Activation out_act = loss == Loss::kSoftmaxCrossEntropy ? Activation::kSoftmax
                                 : loss == Loss::kBinaryCrossEntropy ? Activation::kSigmoid
                                                                      : act;
      Network<double> net;
      net.add({.in = 3, .out = 4, .activation = act});
      net.add({.in = 4, .out = 3, .activation = act});
      net.add({.in = 3, .out = 2, .activation = out_act});
      net.set_loss(loss);
      init_uniform(net, 7, 1.5);
      const std::vector<double> x = {0.3, -0.7, 0.9}, t = {0.25, 0.75};
      ExplainOptions o;
      o.lr = 0.1;
      const Explanation e = explain(net, x, t, o);
      const std::string what = std::string(activation_name(act)) + "/" + std::string(loss_name(loss));
      expect_consistent(e, what);

      Network<double> ref = net;
      const Matrix<double> X(1, 3, x), T(1, 2, t);
      ref.zero_grad();
      ref.forward(X);
      EXPECT_EQ(e.total.value, ref.loss_value(T)) << what;
      ref.backward(X, T);
      ASSERT_EQ(e.gradients.size(), ref.parameter_count()) << what;
      for (const auto& g : e.gradients) {
        const Dense<double>& d = dense_at(ref, g.layer - 1);
        const double want = g.is_bias ? d.bias().grad(0, g.neuron) : d.weights().grad(g.neuron, g.input);
        EXPECT_EQ(g.value, want) << what << " " << g.param.text;
      }
      const auto names = by_name(e);
      EXPECT_TRUE(names.count("w2_1_3")) << what;  // layer 2, into neuron 1, from input 3
      EXPECT_TRUE(names.count("b3_2")) << what;
      EXPECT_EQ(e.forward[1].neurons[0].inputs[2].sym.text, "a1_3");
      EXPECT_EQ(e.forward[2].neurons[1].z.sym.text, "z3_2");
      EXPECT_EQ(e.targets[1].sym.text, "t2");
      const DeltaKind out_kind = e.backward[0].neurons[0].kind;
      EXPECT_EQ(out_kind, loss_fuses_with(loss, out_act)      ? DeltaKind::kFused
                          : out_act == Activation::kSoftmax ? DeltaKind::kSoftmax
                                                            : DeltaKind::kChain)
          << what;
    }
}

TEST(Explain, FrozenParametersAreListedNotDerived) {
  Network<double> net;
  net.add({.in = 2, .out = 2, .activation = Activation::kTanh, .train_weights = false});
  net.add({.in = 2, .out = 1, .activation = Activation::kIdentity, .train_bias = false});
  init_uniform(net, 3);
  const Explanation e = explain(net, std::vector<double>{0.5, -0.5}, std::vector<double>{1.0}, ExplainOptions{});
  EXPECT_EQ(e.frozen, (std::vector<std::string>{"w1_1_1", "w1_1_2", "w1_2_1", "w1_2_2", "b2_1"}));
  ASSERT_EQ(e.gradients.size(), 4u);  // w2_1_1, w2_1_2, b1_1, b1_2
  expect_consistent(e, "frozen");
}

TEST(Explain, BadArguments) {
  ExplainOptions seed_names;
  seed_names.names = NetNames::kSeed;
  Network<double> net;
  net.add({.in = 2, .out = 3, .activation = Activation::kSigmoid});
  net.add({.in = 3, .out = 2, .activation = Activation::kSigmoid});
  const std::vector<double> x = {1, 2}, t = {0, 1};
  EXPECT_THROW(explain(net, x, t, seed_names), UsageError);
  EXPECT_THROW(explain(net, std::vector<double>{1}, t, ExplainOptions{}), UsageError);
  EXPECT_THROW(explain(net, x, std::vector<double>{1}, ExplainOptions{}), UsageError);
  ExplainOptions o;
  o.lr = 0;
  EXPECT_THROW(explain(net, x, t, o), UsageError);
  o = {};
  o.precision = 6;
  EXPECT_THROW(explain(net, x, t, o), UsageError);
  EXPECT_THROW(explain_training(net, Matrix<double>(1, 2), Matrix<double>(1, 2), 0.5, 0, UpdateOrder::kLayerwise),
               UsageError);
  EXPECT_THROW(parse_explain_format("xml"), UsageError);
  EXPECT_EQ(parse_explain_format("md"), ExplainFormat::kMarkdown);
}

TEST(Explain, TextHasTheSeedsSectionsNamesAndValues) {
  const TrainingSummary s = explain_training(seed_network(), seed_input(), seed_target(), kSeedLearningRate,
                                             10000, UpdateOrder::kLayerwise);
  const std::string text = render_explanation(seed_explanation(), &s, ExplainFormat::kText);
  for (const char* want :
       {"Forward pass", "Total error", "Backward pass at the output layer", "Backward pass at hidden layer 1",
        "Updated weights", "H1 = x1 * w1 + x2 * w2 + b1", "0.593269992107", "y2_final", "0.29837110876",
        "dE_total/dw5 = dE_total/dy1_final * dy1_final/dy1 * dy1/dw5", "0.0821670405642",
        "dE_total/dH1_final = dE_total/dy1 * w5 + dE_total/dy2 * w7", "w1_new", "0.149780716133",
        "frozen): b1, b2", "after 10000 updates: 3.50847862963e-05", "0.015912196326"})
    EXPECT_NE(text.find(want), std::string::npos) << "missing: " << want;
}

TEST(Explain, MarkdownUsesTheSeedsLatex) {
  const std::string md = render_explanation(seed_explanation(), nullptr, ExplainFormat::kMarkdown);
  for (const char* want : {"\\frac{\\partial E_{total}}{\\partial w5}",
                           "\\frac{\\partial E_{total}}{\\partial y1_{final}} \\times \\frac{\\partial y1_{final}}{\\partial y1}",
                           "H1_{final}", "\\mathbf{0.0821670405642}", "## Backward pass at hidden layer 1"})
    EXPECT_NE(md.find(want), std::string::npos) << "missing: " << want;
}

TEST(Explain, JsonParsesAndHasEveryWeight) {
  const TrainingSummary s = explain_training(seed_network(), seed_input(), seed_target(), kSeedLearningRate,
                                             3, UpdateOrder::kSimultaneous);
  const auto j = nlohmann::json::parse(render_explanation(seed_explanation(), &s, ExplainFormat::kJson));
  ASSERT_TRUE(j.contains("forward") && j.contains("error") && j.contains("gradients") && j.contains("updated"));
  EXPECT_EQ(j["error"]["value"].get<double>(), seed_explanation().total.value);
  std::map<std::string, double> grads, updated;
  for (const auto& g : j["gradients"]) {
    grads[g["name"].get<std::string>()] = g["value"].get<double>();
    EXPECT_FALSE(g["factors"].empty());
  }
  for (const auto& u : j["updated"]) updated[u["name"].get<std::string>()] = u["new"].get<double>();
  for (int k = 1; k <= 8; ++k) {
    EXPECT_TRUE(grads.count("w" + std::to_string(k))) << k;
    EXPECT_TRUE(updated.count("w" + std::to_string(k))) << k;
  }
  EXPECT_REL(updated["w5"], 0.358916479718, kRefTol);
  EXPECT_EQ(j["training"]["steps"].get<int>(), 3);
}

}  // namespace
}  // namespace bp
