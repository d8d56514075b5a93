// Network specs (network_from_spec): shapes inferred layer by layer, one-line refusals naming the
// layer, the field and the shapes, the allocation bounds; init_network on any network (conv fan-in
// and fan-out, BatchNorm reset); gradcheck through conv, pooling and BatchNorm.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "backprop/nn/batchnorm.hpp"
#include "backprop/nn/conv2d.hpp"
#include "backprop/core/error.hpp"
#include "backprop/nn/gradcheck.hpp"
#include "backprop/nn/init.hpp"
#include "backprop/nn/network_spec.hpp"

namespace bp {
namespace {

using Json = nlohmann::ordered_json;

// examples/fashion-mnist-cnn.json's network.
const char* kCnn = R"([
  {"type": "conv2d", "filters": 32, "kernel": 3, "padding": "same", "bias": false},
  {"type": "batchnorm2d"},
  {"type": "activation", "activation": "relu"},
  {"type": "maxpool2d", "kernel": 2},
  {"type": "conv2d", "filters": 64, "kernel": 3, "padding": "same", "bias": false},
  {"type": "batchnorm2d"},
  {"type": "activation", "activation": "relu"},
  {"type": "maxpool2d", "kernel": 2},
  {"type": "flatten"},
  {"type": "dropout", "p": 0.25},
  {"type": "dense", "units": 128, "activation": "relu"},
  {"type": "dropout", "p": 0.5},
  {"type": "dense", "units": 10, "activation": "softmax"}])";

// The message network_from_spec<float> throws for `spec` on inputs of shape `in`.
std::string refusal(const std::string& spec, Shape in, const NetworkSpecLimits& limits = {}) {
  try {
    network_from_spec<float>(Json::parse(spec), in, Loss::kSoftmaxCrossEntropy, limits);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(NetworkSpec, InfersEveryShapeOfTheExampleCnn) {
  const Network<float> net = network_from_spec<float>(Json::parse(kCnn), {1, 28, 28}, Loss::kSoftmaxCrossEntropy);
  ASSERT_EQ(net.depth(), 13u);
  // same-padded 3x3 convolutions keep 28x28 and 14x14; 2x2 pooling halves them.
  const Shape want[] = {{32, 28, 28}, {32, 28, 28}, {32, 28, 28}, {32, 14, 14}, {64, 14, 14},
                        {64, 14, 14}, {64, 14, 14}, {64, 7, 7},   Shape::flat(3136), Shape::flat(3136),
                        Shape::flat(128), Shape::flat(128), Shape::flat(10)};
  for (std::size_t l = 0; l < 13; ++l) EXPECT_EQ(net.layer(l).out_shape(), want[l]) << "layer " << l + 1;
  // conv 32·1·9 + bn 2·32 + conv 64·32·9 + bn 2·64 + dense 3136·128 + 128 + dense 128·10 + 10.
  EXPECT_EQ(net.parameter_count(), 288u + 64u + 18432u + 128u + 401536u + 1290u);
  EXPECT_EQ(net.loss(), Loss::kSoftmaxCrossEntropy);
}

TEST(NetworkSpec, RefusalsNameTheLayerTheFieldAndTheShapes) {
  EXPECT_EQ(refusal(R"([{"type": "conv2d", "filters": 2, "kernel": 9}])", {1, 8, 8}),
            "layer 1 (conv2d): field 'kernel' is [9,9]; expected at most the padded input 8x8 (input 1x8x8, "
            "padding [0,0,0,0])");
  EXPECT_EQ(refusal(R"([{"type": "flatten"}, {"type": "conv2d", "filters": 2, "kernel": 3, "padding": -1}])", {1, 8, 8})
                .rfind("layer 2 (conv2d): field 'padding' is -1; expected", 0), 0u);
  EXPECT_EQ(refusal(R"([{"type": "conv2d", "filters": 2, "kernel": 3}, {"type": "dense", "units": 3}])", {1, 8, 8}),
            "layer 2 (dense): input is 2x6x6; a dense layer needs a flat input (add a flatten layer before it)");
  EXPECT_EQ(refusal(R"([{"units": 3}])", {4, 1, 1}).rfind("layer 1: field 'type' is missing; expected one of: dense", 0), 0u);
  EXPECT_EQ(refusal(R"([{"type": ["dense"]}])", {4, 1, 1}).rfind("layer 1: field 'type' is [\"dense\"]; expected", 0), 0u);
  EXPECT_EQ(refusal(R"([{"type": "conv3d"}])", {4, 1, 1}).rfind("layer 1: unknown kind 'conv3d'; expected one of:", 0), 0u);
  EXPECT_EQ(refusal(R"([3])", {4, 1, 1}), "layer 1 is 3; expected an object {\"type\": KIND, ...}");
  EXPECT_EQ(refusal(R"([{"type": "dense", "units": -3}])", {4, 1, 1}),
            "layer 1 (dense): field 'units' is -3; expected an integer >= 1");
  EXPECT_EQ(refusal(R"([{"type": "dense", "units": 3}, {"type": "dropout", "p": 0.5}])", {4, 1, 1})
                .rfind("layer 2 (dropout) is the last layer", 0), 0u);
  EXPECT_EQ(refusal("[]", {4, 1, 1}).rfind("the network is []; expected a non-empty array", 0), 0u);
  EXPECT_EQ(refusal(R"({"type": "dense"})", {4, 1, 1}).rfind("the network is {\"type\":\"dense\"}; expected", 0), 0u);
  EXPECT_EQ(refusal(R"([{"type": "maxpool2d", "kernel": 2}])", {4, 1, 1})
                .rfind("layer 1 (maxpool2d): field 'kernel' is [2,2]; expected at most the padded input 1x1", 0), 0u);
}

TEST(NetworkSpec, BoundsTheParametersBeforeAllocating) {
  // 10^9 filters of 3x3: refused by the budget before the 9·10^9 weights are allocated.
  EXPECT_EQ(refusal(R"([{"type": "conv2d", "filters": 1000000000, "kernel": 3}])", {1, 8, 8}),
            "layer 1 (conv2d): conv2d.w would be 1000000000x9, more values than the 100000000 left of the "
            "network's limit of 100000000 values");
  // The budget is the network's: the second layer gets what the first left (1000 - 4·10 - 10).
  NetworkSpecLimits small;
  small.max_params = 1000;
  EXPECT_EQ(refusal(R"([{"type": "dense", "units": 10}, {"type": "dense", "units": 100}])", Shape::flat(4), small),
            "layer 2 (dense): dense.w would be 100x10, more values than the 950 left of the network's limit of "
            "1000 values");
  small = {};
  small.max_values_per_sample = 100;
  EXPECT_EQ(refusal(R"([{"type": "conv2d", "filters": 2, "kernel": 1}])", {1, 8, 8}, small),
            "layer 1 (conv2d): output 2x8x8 takes the network to 192 values per sample; expected at most 100");
  small = {};
  small.max_layers = 2;
  EXPECT_EQ(refusal(R"([{"type": "flatten"}, {"type": "flatten"}, {"type": "dense", "units": 1}])", Shape::flat(4), small),
            "the network has 3 layers; expected at most 2");
}

TEST(NetworkSpec, ShapeOfSizes) {
  EXPECT_EQ(shape_of_sizes({1, 28, 28}), (Shape{1, 28, 28}));
  EXPECT_EQ(shape_of_sizes({784}), Shape::flat(784));
  EXPECT_EQ(shape_of_sizes({3, 5}), (Shape{3, 5, 1}));
  EXPECT_THROW(shape_of_sizes({}), UsageError);
  EXPECT_THROW(shape_of_sizes({1, 1, 2, 2}), UsageError);
  EXPECT_THROW(shape_of_sizes({1, 0, 2}), UsageError);
  EXPECT_THROW(shape_of_sizes({1u << 20, 1u << 20, 1u << 20}), UsageError);
}

// Conv weights: fan_in = C·KH·KW, fan_out = OC·KH·KW (PyTorch's torch.nn.init convention).
TEST(NetworkSpec, InitDrawsConvWeightsFromTheirFans) {
  const Json spec = Json::parse(R"([{"type": "conv2d", "filters": 16, "kernel": [3, 5]}, {"type": "batchnorm2d"},
                                    {"type": "flatten"}, {"type": "dense", "units": 2}])");
  for (InitKind kind : {InitKind::kHeUniform, InitKind::kXavierUniform}) {
    Network<double> net = network_from_spec<double>(spec, {4, 9, 9}, Loss::kMse);
    auto& conv = *net.layer(0).as<Conv2D<double>>();
    auto& bn = *net.layer(1).as<BatchNorm<double>>();
    for (Param<double>* p : {&conv.bias(), &bn.gamma(), &bn.beta(), &bn.running_mean(), &bn.running_var()})
      p->value.fill(7);
    init_network(net, InitOptions{.kind = kind}, 3);
    const double fan_in = 4 * 3 * 5, fan_out = 16 * 3 * 5;
    const double a = kind == InitKind::kHeUniform ? std::sqrt(6 / fan_in) : std::sqrt(6 / (fan_in + fan_out));
    double max_abs = 0, sum2 = 0;
    for (double w : conv.weights().value) {
      max_abs = std::max(max_abs, std::abs(w));
      sum2 += w * w;
    }
    const double n = static_cast<double>(conv.weights().size());  // 960 draws of U[-a, a]
    EXPECT_LE(max_abs, a);
    EXPECT_GT(max_abs, 0.98 * a);
    // Var = a²/3; the sample mean of w² has a standard error of a²·sqrt(4/45 / n) ~ 0.0096 a².
    EXPECT_NEAR(sum2 / n, a * a / 3, 0.05 * a * a) << init_name(kind);
    for (double v : conv.bias().value) EXPECT_EQ(v, 0);
    for (double v : bn.gamma().value) EXPECT_EQ(v, 1);
    for (double v : bn.beta().value) EXPECT_EQ(v, 0);
    for (double v : bn.running_mean().value) EXPECT_EQ(v, 0);
    for (double v : bn.running_var().value) EXPECT_EQ(v, 1);
  }
}

// The draws of a network of dense layers do not depend on other layers being there: the l-th
// weighted layer draws from the l-th stream, so a conv in front shifts the dense layer to stream 1.
TEST(NetworkSpec, InitStreamsCountWeightedLayers) {
  Network<double> dense_only = network_from_spec<double>(
      Json::parse(R"([{"type": "dense", "units": 5}, {"type": "dense", "units": 3}])"), Shape::flat(4), Loss::kMse);
  Network<double> with_flatten = network_from_spec<double>(
      Json::parse(R"([{"type": "flatten"}, {"type": "dense", "units": 5}, {"type": "activation", "activation": "relu"},
                      {"type": "dense", "units": 3}])"), {4, 1, 1}, Loss::kMse);
  init_network(dense_only, {}, 11);
  init_network(with_flatten, {}, 11);
  const auto a = std::as_const(dense_only).params(), b = std::as_const(with_flatten).params();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) EXPECT_TRUE(a[k]->value == b[k]->value.matrix()) << k;
}

TEST(NetworkSpec, WidrowNguyenRefusesConvolutions) {
  Network<double> net = network_from_spec<double>(
      Json::parse(R"([{"type": "conv2d", "filters": 2, "kernel": 1}, {"type": "flatten"}, {"type": "dense", "units": 2}])"),
      {1, 2, 2}, Loss::kMse);
  try {
    init_network(net, InitOptions{.kind = InitKind::kWidrowNguyen}, 1);
    FAIL() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "widrow-nguyen initialization is defined for dense layers only; layer 1 is conv2d");
  }
}

// Every Param of a network with strided, padded convolutions, both poolings and both BatchNorms
// (in training mode, through the batch statistics) against finite differences.
TEST(NetworkSpec, GradcheckThroughConvPoolAndBatchNorm) {
  Network<double> net = network_from_spec<double>(Json::parse(R"([
      {"type": "conv2d", "filters": 3, "kernel": 3, "stride": 2, "padding": 1, "bias": false},
      {"type": "batchnorm2d"},
      {"type": "activation", "activation": "tanh"},
      {"type": "maxpool2d", "kernel": 2, "stride": 1},
      {"type": "conv2d", "filters": 2, "kernel": [1, 2], "bias": false},
      {"type": "avgpool2d", "kernel": 2, "padding": 1},
      {"type": "flatten"},
      {"type": "batchnorm1d"},
      {"type": "dense", "units": 3, "activation": "softmax"}])"), {2, 7, 7}, Loss::kSoftmaxCrossEntropy);
  init_network(net, {}, 5);
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(-1, 1);
  for (std::size_t l : {1u, 7u})
    for (Param<double>* p : net.layer(l).params()) for (auto& v : p->value) v += 0.3 * u(rng);
  Matrix<double> x(4, 98), t(4, 3);
  for (auto& v : x) v = u(rng);
  for (std::size_t n = 0; n < 4; ++n) t(n, n % 3) = 1;
  const std::vector<Param<double>*> running = net.layer(1).buffers();
  const Matrix<double> mean_before = running[0]->value;
  // A max-pooling window whose two largest values lie within the stencil's reach (2h, moved by
  // everything upstream) has a kink there: with h = 1e-3 this network has a few such windows for
  // some seeds; h = 1e-4 leaves ten times fewer. (The convolutions have no bias: in front of a
  // BatchNorm its true gradient is 0, and the stencil's rounding error over the floor 1e-6 would
  // exceed 1e-6 at this h.)
  GradcheckOptions opts;
  opts.h = 1e-4;
  const GradcheckReport r = gradcheck(net, x, t, opts);
  EXPECT_LT(r.worst(), 1e-6);
  for (const auto& l : r.layers)
    EXPECT_LT(std::max(l.worst_weight, l.worst_bias), 1e-6) << l.name << " min|z| " << l.min_abs_z;
  EXPECT_LT(r.worst_input, 1e-6);
  std::size_t checked = 0;
  for (const auto& l : r.layers) checked += l.checked;
  EXPECT_EQ(checked, 54u + 6u + 12u + 16u + 27u);  // conv 3·2·9, bn 2·3, conv 2·3·2, bn 2·8, dense 8·3+3
  EXPECT_TRUE(running[0]->value == mean_before);  // the running statistics are put back
}

}  // namespace
}  // namespace bp
