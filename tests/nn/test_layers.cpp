// The layer interface: each layer's forward and backward by hand values and by a double-precision
// finite-difference check at awkward shapes (odd sizes, batch 1); the network's invariants (layers
// chain, parameters keep their shapes, copies are deep); configs through make_layer; the loss
// fused through an Activation layer; the general layer path against the fused dense path.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "backprop/backprop.hpp"
#include "testing/finite_diff.hpp"

namespace bp {
namespace {

Matrix<double> random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed,
                             double away_from_zero = 0) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  Matrix<double> m(rows, cols);
  // Kinked activations (ReLU at 0) need inputs away from the kink: |v| >= away_from_zero.
  for (auto& v : m) {
    const double r = u(rng);
    v = r < 0 ? r - away_from_zero : r + away_from_zero;
  }
  return m;
}

using testing::numeric;
using testing::rel_err;

// Checks backward of `layer` at x against finite differences of L = sum(y * g), g random: every
// input and every trainable parameter entry, relative error < 1e-6 (floor 1e-6, as gradcheck.hpp
// explains). The forward context is rebuilt for every evaluation with the same seed, so dropout
// draws the same mask each time.
void expect_gradients(Layer<double>& layer, Matrix<double> x, bool training = false) {
  std::mt19937_64 rng;
  auto run = [&](Matrix<double>& y) {
    rng.seed(99);
    layer.forward(x, y, {training, &rng});
  };
  Matrix<double> y;
  run(y);
  const Matrix<double> g = random_matrix(y.rows(), y.cols(), 7);
  const std::function<double()> loss = [&] {
    Matrix<double> yy;
    run(yy);
    double s = 0;
    for (std::size_t k = 0; k < yy.size(); ++k) s += yy[k] * g[k];
    return s;
  };
  layer.zero_grad();
  run(y);
  Matrix<double> dx;
  layer.backward(x, y, g, &dx);
  ASSERT_EQ(dx.rows(), x.rows());
  ASSERT_EQ(dx.cols(), x.cols());
  for (std::size_t k = 0; k < x.size(); ++k)
    EXPECT_LT(rel_err(dx[k], numeric(loss, x[k])), 1e-6) << layer.kind() << " dx[" << k << "]";
  for (Param<double>* p : layer.params()) {
    const Matrix<double> analytic = p->grad;
    for (std::size_t k = 0; k < p->size(); ++k)
      EXPECT_LT(rel_err(p->trainable ? analytic[k] : 0.0,
                        p->trainable ? numeric(loss, p->value[k]) : 0.0),
                1e-6)
          << p->name() << "[" << k << "]";
  }
}

void fill_random(Layer<double>& layer, std::uint64_t seed) {
  for (Param<double>* p : layer.params()) p->assign(random_matrix(p->rows(), p->cols(), seed++));
}

// ---------------------------------------------------------------------------------------------
// Dense

TEST(DenseLayerInterface, ForwardAndBackwardByHand) {
  // w = [[1,2],[3,4],[5,6]] (O=3, I=2), b = [0.5,-1,0], x = [[1,-1]], identity:
  // y = z = [1-2+0.5, 3-4-1, 5-6+0] = [-0.5, -2, -1].
  // dy = [1, 0, 2]: dz = dy; dw = dzᵀ x = [[1,-1],[0,0],[2,-2]]; db = [1,0,2];
  // dx = dz w = [1*1 + 0*3 + 2*5, 1*2 + 0*4 + 2*6] = [11, 14].
  Dense<double> d({.in = 2, .out = 3});
  d.weights().assign(Matrix<double>(3, 2, {1, 2, 3, 4, 5, 6}));
  d.bias().assign(Matrix<double>(1, 3, {0.5, -1, 0}));
  const Matrix<double> x(1, 2, {1, -1}), dy(1, 3, {1, 0, 2});
  Matrix<double> y, dx;
  d.forward(x, y, {});
  EXPECT_EQ(y, Matrix<double>(1, 3, {-0.5, -2, -1}));
  d.backward(x, y, dy, &dx);
  EXPECT_EQ(d.weights().grad, Matrix<double>(3, 2, {1, -1, 0, 0, 2, -2}));
  EXPECT_EQ(d.bias().grad, Matrix<double>(1, 3, {1, 0, 2}));
  EXPECT_EQ(dx, Matrix<double>(1, 2, {11, 14}));
  // Gradients accumulate: a second backward doubles them.
  d.backward(x, y, dy, nullptr);
  EXPECT_EQ(d.bias().grad, Matrix<double>(1, 3, {2, 0, 4}));
}

TEST(DenseLayerInterface, GradientCheckAtAwkwardShapes) {
  struct Shape3 {
    std::size_t N, I, O;
  };
  for (const Shape3 s : {Shape3{1, 1, 1}, Shape3{1, 7, 3}, Shape3{5, 3, 7}, Shape3{3, 13, 5}})
    for (Activation act : {Activation::kTanh, Activation::kSigmoid, Activation::kSoftmax,
                           Activation::kIdentity}) {  // smooth: kinks are the Activation test's
      Dense<double> d({.in = s.I, .out = s.O, .activation = act, .train_bias = s.I != 3});
      fill_random(d, s.I * 10 + s.O);
      SCOPED_TRACE(std::to_string(s.N) + "x" + std::to_string(s.I) + "->" + std::to_string(s.O) +
                   " " + std::string(activation_name(act)));
      expect_gradients(d, random_matrix(s.N, s.I, s.N + s.I));
    }
}

// ---------------------------------------------------------------------------------------------
// Dropout

TEST(DropoutLayer, MasksByTheDocumentedRuleAndPassesGradientsThroughThem) {
  // p = 0.25: per 64-bit draw r, value 2k is dropped when (r >> 32) < 0.25 * 2^32, value 2k + 1
  // when (r & 0xffffffff) < 0.25 * 2^32; kept values are scaled by 1 / 0.75.
  Dropout<double> drop(0.25, Shape{3, 1, 3});  // 9 values per sample: an odd count
  const Matrix<double> x = random_matrix(2, 9, 3);
  std::mt19937_64 rng(5), reference(5);
  Matrix<double> y;
  drop.forward(x, y, {true, &rng});
  const std::uint64_t threshold = 1ull << 30;
  std::size_t dropped = 0;
  for (std::size_t k = 0; k < x.size(); k += 2) {
    const std::uint64_t r = reference();
    for (std::size_t j = k; j < std::min(k + 2, x.size()); ++j) {
      const std::uint64_t bits = j == k ? r >> 32 : r & 0xffffffffu;
      const double want = bits < threshold ? 0.0 : x[j] * (1 / 0.75);
      EXPECT_DOUBLE_EQ(y[j], want) << j;
      dropped += bits < threshold;
    }
  }
  EXPECT_GT(dropped, 0u);
  const Matrix<double> dy = random_matrix(2, 9, 4);
  Matrix<double> dx;
  drop.backward(x, y, dy, &dx);
  for (std::size_t k = 0; k < x.size(); ++k)
    EXPECT_EQ(dx[k], y[k] == 0 ? 0.0 : dy[k] * drop.mask()[k]) << k;
  // Evaluation: the identity, forward and backward.
  drop.forward(x, y, {});
  EXPECT_EQ(y, x);
  drop.backward(x, y, dy, &dx);
  EXPECT_EQ(dx, dy);
  EXPECT_THROW(Dropout<double>(1.0, Shape::flat(3)), UsageError);
  EXPECT_THROW(drop.forward(x, y, {true, nullptr}), UsageError);  // training needs a generator
}

TEST(DropoutLayer, GradientCheckWithAFixedMask) {
  for (std::size_t N : {1u, 4u}) {
    Dropout<double> drop(0.4, Shape::flat(7));
    expect_gradients(drop, random_matrix(N, 7, N), /*training=*/true);
  }
}

// ---------------------------------------------------------------------------------------------
// Flatten

TEST(FlattenLayer, ChangesTheShapeNotTheValues) {
  Flatten<double> f(Shape{2, 3, 3});
  EXPECT_EQ(f.out_shape(), Shape::flat(18));
  const Matrix<double> x = random_matrix(3, 18, 1), dy = random_matrix(3, 18, 2);
  Matrix<double> y, dx;
  f.forward(x, y, {});
  EXPECT_EQ(y, x);
  f.backward(x, y, dy, &dx);
  EXPECT_EQ(dx, dy);
  expect_gradients(f, random_matrix(1, 18, 5));
}

// ---------------------------------------------------------------------------------------------
// Activation

TEST(ActivationLayerInterface, ForwardAndBackwardByHand) {
  // ReLU: x = [-1, 2, 0.5] -> y = [0, 2, 0.5]; dy = [3, 3, 3] -> dx = [0, 3, 3].
  ActivationLayer<double> relu(Activation::kRelu, Shape::flat(3));
  const Matrix<double> x(1, 3, {-1, 2, 0.5}), dy(1, 3, {3, 3, 3});
  Matrix<double> y, dx;
  relu.forward(x, y, {});
  EXPECT_EQ(y, Matrix<double>(1, 3, {0, 2, 0.5}));
  relu.backward(x, y, dy, &dx);
  EXPECT_EQ(dx, Matrix<double>(1, 3, {0, 3, 3}));
  // Sigmoid at 0: y = 1/2, f'(0) = y (1 - y) = 1/4.
  ActivationLayer<double> sig(Activation::kSigmoid, Shape::flat(1));
  sig.forward(Matrix<double>(1, 1, {0.0}), y, {});
  EXPECT_EQ(y[0], 0.5);
  sig.backward(Matrix<double>(1, 1, {0.0}), y, Matrix<double>(1, 1, {1.0}), &dx);
  EXPECT_EQ(dx[0], 0.25);
}

TEST(ActivationLayerInterface, GradientCheckForEveryActivation) {
  for (Activation act : kAllActivations)
    for (std::size_t N : {1u, 3u}) {
      ActivationLayer<double> a(act, Shape{1, 1, 5});
      SCOPED_TRACE(std::string(activation_name(act)) + " N=" + std::to_string(N));
      expect_gradients(a, random_matrix(N, 5, N + 11, /*away_from_zero=*/0.05));
    }
}

TEST(ActivationLayerInterface, TheLossFusesThroughItAsThroughADenseOutput) {
  // Dense(softmax) + cross-entropy and Dense(identity) -> Activation(softmax) + cross-entropy
  // compute the same loss and the same gradients (the loss reads the Activation layer's input
  // as the logits, and its gradient is the closed form p - t), bit for bit.
  for (auto [act, loss] : {std::pair{Activation::kSoftmax, Loss::kSoftmaxCrossEntropy},
                           std::pair{Activation::kSigmoid, Loss::kBinaryCrossEntropy},
                           std::pair{Activation::kTanh, Loss::kMse}}) {
    Network<double> fused({{.in = 3, .out = 5, .activation = Activation::kTanh},
                           {.in = 5, .out = 4, .activation = act}},
                          loss);
    Network<double> split({{.in = 3, .out = 5, .activation = Activation::kTanh},
                            {.in = 5, .out = 4}},
                           loss);
    split.add(std::make_unique<ActivationLayer<double>>(act, Shape::flat(4)));
    init_network(fused, {}, 3);
    init_network(split, {}, 3);
    const Matrix<double> x = random_matrix(3, 3, 1);
    Matrix<double> t = random_matrix(3, 4, 2);
    for (auto& v : t) v = std::abs(v) / 4;  // probabilities-ish rows for both cross-entropies
    fused.forward(x);
    split.forward(x);
    EXPECT_EQ(fused.output(), split.output());
    EXPECT_EQ(fused.loss_value(t), split.loss_value(t));
    fused.zero_grad();
    split.zero_grad();
    fused.backward(x, t, true);
    split.backward(x, t, true);
    for (std::size_t k = 0; k < fused.params().size(); ++k)
      EXPECT_EQ(fused.params()[k]->grad, split.params()[k]->grad) << fused.params()[k]->name();
    EXPECT_EQ(fused.input_grad(), split.input_grad());
    InferenceScratch<double> s1, s2;
    Matrix<double> o1, o2;
    fused.predict(x, o1, s1);
    split.predict(x, o2, s2);
    EXPECT_EQ(o1, o2);
    EXPECT_EQ(fused.loss_value(t, o1, s1), split.loss_value(t, o2, s2));
  }
}

// ---------------------------------------------------------------------------------------------
// Network invariants

TEST(NetworkInvariants, ALayerThatDoesNotChainIsRefusedNamingBothShapes) {
  Network<double> net({{.in = 4, .out = 6}}, Loss::kMse);
  try {
    net.add({.in = 5, .out = 2});
    FAIL() << "expected a ShapeError";
  } catch (const ShapeError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("layer 2 (dense) takes 5 inputs per sample, expected 6"), std::string::npos) << m;
    EXPECT_NE(m.find("dense_1"), std::string::npos) << m;
  }
  EXPECT_EQ(net.depth(), 1u);  // nothing was added
  Network<double> spatial;
  spatial.add(std::make_unique<Flatten<double>>(Shape{2, 3, 3}));
  EXPECT_THROW(spatial.add(std::make_unique<Flatten<double>>(Shape{3, 3, 2})), ShapeError);
  spatial.add({.in = 18, .out = 2});
  EXPECT_EQ(spatial.in_shape(), (Shape{2, 3, 3}));
  EXPECT_THROW(net.add(nullptr), UsageError);
}

TEST(NetworkInvariants, AWrongShapedWeightIsRefusedAndChangesNothing) {
  Network<double> net({{.in = 4, .out = 3}, {.in = 3, .out = 2}}, Loss::kMse);
  Param<double>& w = *net.params()[0];
  EXPECT_EQ(w.name(), "dense_1.w");
  EXPECT_EQ(net.params()[3]->name(), "dense_2.b");
  try {
    w.assign(Matrix<double>(1, 2, {1, 2}));
    FAIL() << "expected a ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "dense_1.w is 3x4, got a 1x2 value");
  }
  EXPECT_EQ(w.value, Matrix<double>(3, 4));  // unchanged
  w.assign(Matrix<double>(3, 4, std::vector<double>(12, 0.5)));
  EXPECT_EQ(w.value(2, 3), 0.5);
  EXPECT_THROW(Param<double>("p", Matrix<double>(2, 2), Matrix<double>(1, 2)), ShapeError);
}

TEST(NetworkInvariants, CopiesAreDeepAndNamesFollowKinds) {
  Network<double> a({{.in = 2, .out = 3, .dropout = 0.5}, {.in = 3, .out = 1}}, Loss::kMse);
  ASSERT_EQ(a.depth(), 3u);
  EXPECT_EQ(a.layer(0).name(), "dense_1");
  EXPECT_EQ(a.layer(1).name(), "dropout_1");
  EXPECT_EQ(a.layer(2).name(), "dense_2");
  Network<double> b = a;
  b.params()[0]->value[0] = 7;
  EXPECT_EQ(a.params()[0]->value[0], 0.0);
  EXPECT_EQ(b.params()[0]->name(), "dense_1.w");
  a = b;
  EXPECT_EQ(a.params()[0]->value[0], 7.0);
  EXPECT_EQ(a.parameter_count(), 2u * 3 + 3 + 3 * 1 + 1);
  EXPECT_THROW(Dense<double>({.in = 2, .out = 3, .dropout = 0.5}), UsageError);  // a layer of its own
}

// ---------------------------------------------------------------------------------------------
// Configs

TEST(LayerRegistry, EveryLayerIsMadeAgainFromItsKindConfigAndInputShape) {
  Network<double> net;
  net.add(std::make_unique<Flatten<double>>(Shape{2, 2, 2}));
  net.add({.in = 8, .out = 5, .activation = Activation::kLeakyRelu, .alpha = 0.1,
           .train_bias = false, .dropout = 0.3});
  net.add({.in = 5, .out = 3});
  net.add(std::make_unique<ActivationLayer<double>>(Activation::kSoftmax, Shape::flat(3)));
  for (std::size_t l = 0; l < net.depth(); ++l) {
    const Layer<double>& layer = net.layer(l);
    const auto made = make_layer<double>(layer.kind(), layer.config(), layer.in_shape(), l + 1);
    EXPECT_EQ(made->kind(), layer.kind());
    EXPECT_EQ(made->config(), layer.config()) << layer.config().dump();
    EXPECT_EQ(made->out_shape(), layer.out_shape());
  }
  EXPECT_EQ(net.layer(1).config().dump(),
            R"({"units":5,"activation":"leaky-relu","alpha":0.1,"train_weights":true,"train_bias":false})");
}

TEST(LayerRegistry, BadConfigsGetOneLineNamingTheLayerAndTheField) {
  const auto message = [](std::string_view kind, const char* config, Shape in) {
    try {
      make_layer<float>(kind, nlohmann::ordered_json::parse(config), in, 3);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("conv", "{}", Shape::flat(2)),
            "layer 3: unknown kind 'conv'; expected one of: dense, dropout, flatten, activation, "
            "conv2d, maxpool2d, avgpool2d, batchnorm1d, batchnorm2d");
  EXPECT_EQ(message("dense", R"({"units": 0})", Shape::flat(2)),
            "layer 3 (dense): field 'units' is 0; expected an integer >= 1");
  EXPECT_EQ(message("dense", R"({"units": 2, "out": 3})", Shape::flat(2)),
            "layer 3 (dense): unknown field 'out'; expected one of: units, activation, alpha, "
            "train_weights, train_bias");
  EXPECT_EQ(message("dense", R"({"units": 2})", Shape{2, 3, 3}),
            "layer 3 (dense): input is 2x3x3; a dense layer needs a flat input (add a flatten "
            "layer before it)");
  EXPECT_EQ(message("dropout", R"({"p": "half"})", Shape::flat(2)),
            "layer 3 (dropout): field 'p' is \"half\"; expected a number");
  EXPECT_EQ(message("activation", R"({"activation": "swish"})", Shape::flat(2)).rfind(
                "layer 3 (activation): unknown activation 'swish'", 0),
            0u);
}

// ---------------------------------------------------------------------------------------------
// Paths

// The general layer-by-layer path (a network with an Activation layer: no fused path applies)
// against the fused dense path (the same function as Dense layers with fused activations):
// training with plain SGD momentum leaves the same bits.
template <class T>
void general_path_equals_fused_path(std::size_t batch) {
  const std::size_t I = 37, H = 29, K = 5;
  Network<T> dense({{.in = I, .out = H, .activation = Activation::kTanh, .dropout = 0.2},
                    {.in = H, .out = K, .activation = Activation::kSoftmax}},
                   Loss::kSoftmaxCrossEntropy);
  Network<T> layered;
  layered.add({.in = I, .out = H});
  layered.add(std::make_unique<ActivationLayer<T>>(Activation::kTanh, Shape::flat(H)));
  layered.add(std::make_unique<Dropout<T>>(0.2, Shape::flat(H)));
  layered.add({.in = H, .out = K, .activation = Activation::kSoftmax});
  layered.set_loss(Loss::kSoftmaxCrossEntropy);
  init_network(dense, {}, 5);
  init_network(layered, {}, 5);
  std::vector<float> features(60 * I);
  std::vector<std::uint32_t> labels(60);
  std::mt19937_64 rng(8);
  for (auto& f : features) f = static_cast<float>(rng() % 1000) / 500.0f - 1.0f;
  for (auto& l : labels) l = static_cast<std::uint32_t>(rng() % K);
  const Dataset d = Dataset::classification(I, features, labels, {"a", "b", "c", "d", "e"});
  OptimizerOptions o;
  o.lr = 0.1;
  o.momentum = 0.9;
  TrainOptions to;
  to.epochs = 3;
  to.batch_size = batch;
  to.seed = 4;
  auto opt1 = make_optimizer<T>(o), opt2 = make_optimizer<T>(o);
  const TrainResult r1 = train(dense, *opt1, d, nullptr, Scaler(), to);
  const TrainResult r2 = train(layered, *opt2, d, nullptr, Scaler(), to);
  for (std::size_t k = 0; k < dense.params().size(); ++k)
    EXPECT_EQ(dense.params()[k]->value, layered.params()[k]->value) << dense.params()[k]->name();
  for (std::size_t e = 0; e < r1.epochs.size(); ++e) EXPECT_EQ(r1.epochs[e].loss, r2.epochs[e].loss);
}

TEST(LayerPaths, GeneralPathEqualsTheFusedDensePathBitForBit) {
  for (std::size_t batch : {1u, 7u, 0u}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    general_path_equals_fused_path<double>(batch);
    general_path_equals_fused_path<float>(batch);
  }
}

}  // namespace
}  // namespace bp
