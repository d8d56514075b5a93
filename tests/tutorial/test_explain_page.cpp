// The pictures of an explanation (include/backprop/tutorial/explain_page.hpp): which steps a page records,
// that the recorded trace is bit for bit what explain / explain_training compute, that the page
// stays self-contained and within 300 KB, and the Graphviz graph's shape.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "backprop/backprop.hpp"

namespace bp {
namespace {

ExplainOptions seed_options() {
  ExplainOptions o;
  o.lr = kSeedLearningRate;
  o.names = NetNames::kSeed;
  return o;
}

// The JSON the page embeds between <script type="application/json" id="bp-data"> and </script>.
nlohmann::json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"bp-data\">";
  const std::size_t a = html.find(open) + open.size();
  return nlohmann::json::parse(html.substr(a, html.find("</script>", a) - a));
}

TEST(ExplainPage, ScheduleKeepsEveryStepWhenTheyFit) {
  EXPECT_EQ(explain_page_schedule(5, 10), (std::vector<std::size_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(explain_page_schedule(0, 10), (std::vector<std::size_t>{0}));
  EXPECT_EQ(explain_page_schedule(7, 1), (std::vector<std::size_t>{0}));
  EXPECT_EQ(explain_page_schedule(7, 2), (std::vector<std::size_t>{0, 7}));
}

TEST(ExplainPage, ScheduleIsDenseThenLogSpacedAndEndsAtTheLastStep) {
  const std::vector<std::size_t> s = explain_page_schedule(10000, 100);
  ASSERT_GE(s.size(), 90u);
  EXPECT_LE(s.size(), 100u);
  for (std::size_t k = 0; k < 50; ++k) EXPECT_EQ(s[k], k);
  EXPECT_EQ(s.back(), 10000u);
  for (std::size_t k = 1; k < s.size(); ++k) EXPECT_LT(s[k - 1], s[k]);
  // Log-spaced: the ratio of neighbours in the sparse part is about (10000/50)^(1/50) = 1.11.
  for (std::size_t k = 52; k < s.size(); ++k) {
    const double r = static_cast<double>(s[k]) / static_cast<double>(s[k - 1]);
    EXPECT_GT(r, 1.0);
    EXPECT_LT(r, 1.25) << s[k - 1] << " -> " << s[k];
  }
}

TEST(ExplainPage, TraceIsBitForBitExplainAndExplainTraining) {
  for (UpdateOrder order : {UpdateOrder::kSimultaneous, UpdateOrder::kLayerwise}) {
    const std::vector<std::size_t> when{0, 1, 2, 500, 10000};
    const auto trace = explain_trace(seed_network(), seed_input(), seed_target(), seed_options(), order, when);
    const TrainingSummary s =
        explain_training(seed_network(), seed_input(), seed_target(), kSeedLearningRate, 10000, order);
    ASSERT_EQ(trace.size(), when.size());
    EXPECT_EQ(trace[0].loss, s.e_before);
    EXPECT_EQ(trace[1].loss, s.e_after_first);
    EXPECT_EQ(trace[4].loss, s.e_after_last);
    EXPECT_EQ(trace[4].outputs(0, 0), s.outputs(0, 0));
    EXPECT_EQ(trace[4].outputs(0, 1), s.outputs(0, 1));
    EXPECT_EQ(trace[4].explanation.total.value, s.e_after_last);  // one sample: E_total is the loss
    // Step 0 is the derivation `explain` prints, number for number.
    const Explanation e = explain(seed_network(), seed_input().row(0), seed_target().row(0), seed_options());
    ASSERT_EQ(trace[0].explanation.gradients.size(), e.gradients.size());
    for (std::size_t k = 0; k < e.gradients.size(); ++k) {
      EXPECT_EQ(trace[0].explanation.gradients[k].value, e.gradients[k].value);
      EXPECT_EQ(trace[0].explanation.gradients[k].new_value, e.gradients[k].new_value);
    }
    // After one simultaneous update the weights are the derivation's new values.
    if (order == UpdateOrder::kSimultaneous)
      for (const auto& g : e.gradients) {
        const auto& n = trace[1].explanation.forward[g.layer - 1].neurons[g.neuron];
        EXPECT_EQ(n.weights[g.input].value, g.new_value) << g.param.text;
      }
  }
}

TEST(ExplainPage, SeedPageIsSelfContainedAndAtMost300KB) {
  const std::string html =
      render_explain_html(seed_network(), seed_input(), seed_target(), seed_options(), 10000, UpdateOrder::kSimultaneous);
  EXPECT_LE(html.size(), kExplainPageMaxBytes);
  EXPECT_GT(html.size(), kExplainPageMaxBytes / 2);  // the budget is used for recorded steps
  EXPECT_FALSE(std::regex_search(html, std::regex("<script[^>]+src=|<link|@import|url\\(")));
  EXPECT_FALSE(std::regex_search(html, std::regex("https?://(?!www\\.w3\\.org/2000/svg)")));
  const nlohmann::json d = page_data(html);
  const auto& trace = d["trace"];
  EXPECT_EQ(trace.front()["k"], 0);
  EXPECT_EQ(trace[1]["k"], 1);
  EXPECT_EQ(trace.back()["k"], 10000);
  EXPECT_EQ(d["steps"], 10000);
  // Bit for bit the JSON format's numbers: the same serialiser, the same doubles.
  const Explanation e = explain(seed_network(), seed_input().row(0), seed_target().row(0), seed_options());
  EXPECT_EQ(trace[0]["T"].get<double>(), e.total.value);
  EXPECT_EQ(d["gradients"][0]["name"], "w5");
  EXPECT_EQ(trace[0]["g"][0].get<double>(), e.gradients[0].value);
  EXPECT_EQ(trace[0]["sub"][1][0][1], "0.751365069552 * (1 - 0.751365069552)");  // dy1_final/dy1
  EXPECT_EQ(d["layers"][0]["act"], "1 / (1 + exp(-{z}))");
}

TEST(ExplainPage, EveryKindOfNetworkFits) {
  // A softmax/cross-entropy network (fused delta), a tanh/mse one, three layers, four samples.
  for (const auto& [act, out, loss] : {std::tuple{Activation::kTanh, Activation::kSoftmax, Loss::kSoftmaxCrossEntropy},
                                       std::tuple{Activation::kRelu, Activation::kIdentity, Loss::kMse},
                                       std::tuple{Activation::kSigmoid, Activation::kSoftmax, Loss::kHalfSse}}) {
    Network<double> net({{.in = 3, .out = 5, .activation = act}, {.in = 5, .out = 4, .activation = act},
                         {.in = 4, .out = 3, .activation = out}},
                        loss);
    init_uniform(net, 5, 1.0);
    const Matrix<double> X(4, 3, {0.1, 0.2, 0.3, -0.5, 0.4, 0.9, 1, 0, -1, 0.2, 0.2, 0.2});
    const Matrix<double> T(4, 3, {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0});
    ExplainOptions o;
    o.lr = 0.1;
    const std::string html = render_explain_html(net, X, T, o, 3000, UpdateOrder::kSimultaneous);
    EXPECT_LE(html.size(), kExplainPageMaxBytes);
    const nlohmann::json d = page_data(html);
    EXPECT_EQ(d["trace"].back()["k"], 3000);
    EXPECT_EQ(d["samples"], 4);
    EXPECT_EQ(d["trace"][0]["o"].size(), 4u);
  }
}

TEST(ExplainPage, NetworkTooLargeForAPageIsRefused) {
  Network<double> net({{.in = 100, .out = 100, .activation = Activation::kTanh},
                       {.in = 100, .out = 10, .activation = Activation::kIdentity}},
                      Loss::kMse);
  init_uniform(net, 1, 0.1);
  const Matrix<double> X(1, 100), T(1, 10);
  ExplainOptions o;
  EXPECT_THROW(render_explain_html(net, X, T, o, 10, UpdateOrder::kSimultaneous), UsageError);
}

TEST(ExplainDot, SeedGraphHasOneRecordPerNeuronAndAtMost12Nodes) {
  const std::string dot =
      render_explain_dot(explain(seed_network(), seed_input().row(0), seed_target().row(0), seed_options()));
  std::set<std::string> nodes;
  const std::regex node_re("\\n  ([A-Za-z0-9_]+) \\[");
  for (auto it = std::sregex_iterator(dot.begin(), dot.end(), node_re); it != std::sregex_iterator(); ++it)
    if ((*it)[1] != "node" && (*it)[1] != "edge") nodes.insert((*it)[1]);
  EXPECT_EQ(nodes.size(), 7u);  // x1, x2, H1, H2, y1, y2, E_total (the bias is in its neuron's record)
  EXPECT_LE(nodes.size(), 12u);
  EXPECT_NE(dot.find("n1_1 [shape=record, label=\"H1 (b1 = 0.35)|net H1 = 0.3775|out H1_final = 0.593269992107|"
                     "δ dE_total/dH1 = 0.00877135468949\"]"),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("n1_1 -> n2_1 [label=\"w5 = 0.4\\n∂E/∂w5 = 0.0821670405642\""), std::string::npos) << dot;
  EXPECT_NE(dot.find("x1 -> n1_1 [label=\"w1 = 0.15\\n∂E/∂w1 = 0.000438567734474\""), std::string::npos);
  std::size_t edges = 0;
  for (std::size_t k = 0; (k = dot.find(" -> ", k)) != std::string::npos; ++k) ++edges;
  EXPECT_EQ(edges, 8u + 2u);  // w1..w8 and the two outputs into E_total
}

}  // namespace
}  // namespace bp
