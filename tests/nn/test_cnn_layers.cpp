// The convolutional layers (Conv2D, MaxPool2D, AvgPool2D, BatchNorm1D, BatchNorm2D) through the
// layer interface: forward and backward by hand values on tiny inputs, double-precision
// finite-difference checks at awkward shapes (odd sizes, stride 2, padding, 1x1 kernels, batch 1),
// a whole small CNN checked the same way, float against double, infer against forward, 1 thread
// against 2, configs through make_layer, and Adam training a CNN on bar images.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backprop/backprop.hpp"
#include "testing/finite_diff.hpp"

namespace bp {
namespace {

using Json = nlohmann::ordered_json;

Matrix<double> random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  Matrix<double> m(rows, cols);
  for (auto& v : m) v = u(rng);
  return m;
}

// Distinct values 0.01 apart in a random order: no two elements of a max-pooling window are within
// reach of the finite-difference perturbation (±2h = ±0.002), so the maximum never switches.
Matrix<double> distinct_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  Matrix<double> m(rows, cols);
  std::vector<std::size_t> order(m.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::shuffle(order.begin(), order.end(), std::mt19937_64(seed));
  for (std::size_t k = 0; k < m.size(); ++k)
    m[k] = 0.01 * (static_cast<double>(order[k]) - static_cast<double>(m.size()) / 2);
  return m;
}

using testing::numeric;
using testing::rel_err;

// backward of `layer` at x against finite differences of L = sum(y * g), g random: every input
// and every trainable parameter entry, relative error < 1e-6 (floor 1e-6).
void expect_gradients(Layer<double>& layer, Matrix<double> x, bool training = false) {
  const auto run = [&](Matrix<double>& y) { layer.forward(x, y, {training, nullptr}); };
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
      EXPECT_LT(rel_err(analytic[k], numeric(loss, p->value[k])), 1e-6)
          << p->name() << "[" << k << "]";
  }
}

// One thread for the finite-difference loops: thousands of tiny forwards, each of which would
// otherwise wake the pool (slow on a busy host); the thread count does not change the results.
struct OneThread {
  std::size_t saved = num_threads();
  OneThread() { set_num_threads(1); }
  ~OneThread() { set_num_threads(saved); }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;
};

template <class T>
void fill_random(Layer<T>& layer, std::uint64_t seed) {
  for (Param<T>* p : layer.params()) {
    const Matrix<double> v = random_matrix(p->rows(), p->cols(), seed++);
    for (std::size_t k = 0; k < p->size(); ++k) p->value[k] = static_cast<T>(v[k]);
  }
}

template <class T>
std::unique_ptr<Layer<T>> make(const char* kind, const char* config, Shape in) {
  return make_layer<T>(kind, Json::parse(config), in, 1);
}

// ---------------------------------------------------------------------------------------------
// Hand values

TEST(Conv2DLayer, ForwardAndBackwardByHand) {
  // x = [[1,2,3],[4,5,6],[7,8,9]], w = [[1,2],[3,4]], b = 0.5, valid, stride 1:
  // y[0][0] = 1*1 + 2*2 + 3*4 + 4*5 + 0.5 = 37.5, y[0][1] = 2 + 6 + 15 + 24 + 0.5 = 47.5,
  // y[1][0] = 4 + 10 + 21 + 32 + 0.5 = 67.5,     y[1][1] = 5 + 12 + 24 + 36 + 0.5 = 77.5.
  Conv2D<double> conv({.filters = 1, .window = {.kh = 2, .kw = 2}}, Shape{1, 3, 3});
  EXPECT_EQ(conv.out_shape(), (Shape{1, 2, 2}));
  conv.weights().assign(Matrix<double>(1, 4, {1, 2, 3, 4}));
  conv.bias().assign(Matrix<double>(1, 1, {0.5}));
  const Matrix<double> x(1, 9, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Matrix<double> y, dx;
  conv.forward(x, y, {});
  EXPECT_EQ(y, Matrix<double>(1, 4, {37.5, 47.5, 67.5, 77.5}));
  // dy = 1 everywhere: db = 4; dw[i][j] = sum of the inputs it met: 1+2+4+5, 2+3+5+6, 4+5+7+8,
  // 5+6+8+9; dx = the kernels overlapping each input: [[1,3,2],[4,10,6],[3,7,4]].
  conv.backward(x, y, Matrix<double>(1, 4, {1, 1, 1, 1}), &dx);
  EXPECT_EQ(conv.bias().grad, Matrix<double>(1, 1, {4}));
  EXPECT_EQ(conv.weights().grad, Matrix<double>(1, 4, {12, 16, 24, 28}));
  EXPECT_EQ(dx, Matrix<double>(1, 9, {1, 3, 2, 4, 10, 6, 3, 7, 4}));
  // Padding 1, stride 2: the 5x5 padded input, windows at rows/cols {0,1} and {2,3}:
  // (0,0) sees only x00 under w11: 4 + 0.5; (0,1): x01 w10 + x02 w11 = 6 + 12 + 0.5;
  // (1,0): x10 w01 + x20 w11 = 8 + 28 + 0.5; (1,1): 5 + 12 + 24 + 36 + 0.5.
  Conv2D<double> strided({.filters = 1, .window = {.kh = 2, .kw = 2, .sh = 2, .sw = 2, .pad_top = 1,
                                                   .pad_left = 1, .pad_bottom = 1, .pad_right = 1}},
                         Shape{1, 3, 3});
  strided.weights().assign(Matrix<double>(1, 4, {1, 2, 3, 4}));
  strided.bias().assign(Matrix<double>(1, 1, {0.5}));
  strided.forward(x, y, {});
  EXPECT_EQ(y, Matrix<double>(1, 4, {4.5, 18.5, 36.5, 77.5}));
}

TEST(PoolLayers, ForwardAndBackwardByHand) {
  // Max 2x2, stride 2 (the default): [[1,5,2,0],[3,4,8,1],[0,2,6,7],[9,1,3,3]] -> [[5,8],[9,7]];
  // dy = [1,2,3,4] goes back to where 5, 8, 9, 7 came from: (0,1), (1,2), (3,0), (2,3).
  auto maxpool = make<double>("maxpool2d", R"({"kernel": 2})", Shape{1, 4, 4});
  const Matrix<double> x(1, 16, {1, 5, 2, 0, 3, 4, 8, 1, 0, 2, 6, 7, 9, 1, 3, 3});
  Matrix<double> y, dx;
  maxpool->forward(x, y, {});
  EXPECT_EQ(y, Matrix<double>(1, 4, {5, 8, 9, 7}));
  maxpool->backward(x, y, Matrix<double>(1, 4, {1, 2, 3, 4}), &dx);
  EXPECT_EQ(dx, Matrix<double>(1, 16, {0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 4, 3, 0, 0, 0}));
  // Average 2x2, stride 1 over [[1,2,3],[4,5,6],[7,8,9]]: (1+2+4+5)/4 = 3, 4, 6, 7.
  const Matrix<double> x3(1, 9, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto avg = make<double>("avgpool2d", R"({"kernel": 2, "stride": 1})", Shape{1, 3, 3});
  avg->forward(x3, y, {});
  EXPECT_EQ(y, Matrix<double>(1, 4, {3, 4, 6, 7}));
  avg->backward(x3, y, Matrix<double>(1, 4, {4, 4, 4, 4}), &dx);
  EXPECT_EQ(dx, Matrix<double>(1, 9, {1, 2, 1, 2, 4, 2, 1, 2, 1}));
  // Padding 1, stride 2: windows {x00}, {x01, x02}, {x10, x20}, {x11, x12, x21, x22}; divided by
  // 4 (count_include_pad, the default) or by the elements inside (1, 2, 2, 4).
  auto padded = make<double>("avgpool2d", R"({"kernel": 2, "padding": 1})", Shape{1, 3, 3});
  padded->forward(x3, y, {});
  EXPECT_EQ(y, Matrix<double>(1, 4, {0.25, 1.25, 2.75, 7}));
  auto inside = make<double>("avgpool2d", R"({"kernel": 2, "padding": 1, "count_include_pad": false})",
                             Shape{1, 3, 3});
  inside->forward(x3, y, {});
  EXPECT_EQ(y, Matrix<double>(1, 4, {1, 2.5, 5.5, 7}));
}

TEST(BatchNormLayers, TrainingUsesTheBatchAndUpdatesTheRunningStatistics) {
  // x = [[1, 10], [3, 30]]: channel 0 mean 2, biased var 1, unbiased 2; channel 1 mean 20,
  // var 100, unbiased 200. gamma = [2, 1], beta = [0.5, 0].
  BatchNorm1D<double> bn({}, Shape::flat(2));
  EXPECT_EQ(bn.running_mean().value, Matrix<double>(1, 2, {0, 0}));
  EXPECT_EQ(bn.running_var().value, Matrix<double>(1, 2, {1, 1}));
  EXPECT_EQ(bn.gamma().value, Matrix<double>(1, 2, {1, 1}));
  bn.gamma().assign(Matrix<double>(1, 2, {2, 1}));
  bn.beta().assign(Matrix<double>(1, 2, {0.5, 0}));
  const Matrix<double> x(2, 2, {1, 10, 3, 30});
  Matrix<double> y;
  bn.forward(x, y, {true, nullptr});
  const double i0 = 1 / std::sqrt(1 + 1e-5), i1 = 1 / std::sqrt(100 + 1e-5);
  EXPECT_NEAR(y(0, 0), -2 * i0 + 0.5, 1e-14);
  EXPECT_NEAR(y(1, 0), 2 * i0 + 0.5, 1e-14);
  EXPECT_NEAR(y(0, 1), -10 * i1, 1e-14);
  EXPECT_NEAR(y(1, 1), 10 * i1, 1e-14);
  // running = 0.9 running + 0.1 batch (the variance unbiased): mean [0.2, 2], var [1.1, 20.9].
  EXPECT_NEAR(bn.running_mean().value[0], 0.2, 1e-15);
  EXPECT_NEAR(bn.running_mean().value[1], 2.0, 1e-15);
  EXPECT_NEAR(bn.running_var().value[0], 1.1, 1e-15);
  EXPECT_NEAR(bn.running_var().value[1], 20.9, 1e-14);
  // Evaluation: the running statistics, (x - rm) / sqrt(rv + eps) gamma + beta.
  bn.forward(x, y, {});
  EXPECT_NEAR(y(0, 0), (1 - 0.2) / std::sqrt(1.1 + 1e-5) * 2 + 0.5, 1e-14);
  EXPECT_NEAR(y(1, 1), (30 - 2.0) / std::sqrt(20.9 + 1e-5), 1e-14);
  ASSERT_EQ(bn.buffers().size(), 2u);
  EXPECT_EQ(bn.buffers()[0]->name(), "batchnorm1d.running_mean");
  EXPECT_FALSE(bn.buffers()[1]->trainable);
  // One value per channel cannot be normalised while training (PyTorch refuses it too).
  EXPECT_THROW(bn.forward(Matrix<double>(1, 2, {1, 2}), y, {true, nullptr}), UsageError);
}

// ---------------------------------------------------------------------------------------------
// Gradient checks at awkward shapes

TEST(Conv2DLayer, GradientCheckAtAwkwardShapes) {
  const OneThread one_thread;
  struct Case {
    const char* config;
    Shape in;
    std::size_t N;
  };
  for (const Case& c : {
           Case{R"({"filters": 1, "kernel": 3})", {1, 5, 5}, 1},
           Case{R"({"filters": 4, "kernel": [3, 2], "stride": 2, "padding": [1, 0, 0, 1]})", {3, 7, 6}, 2},
           Case{R"({"filters": 3, "kernel": 1})", {2, 5, 3}, 3},
           Case{R"({"filters": 3, "kernel": 4, "padding": "same"})", {2, 6, 7}, 2},
           Case{R"({"filters": 2, "kernel": 3, "stride": [2, 1], "padding": 2, "bias": false})", {2, 5, 4}, 1},
           Case{R"({"filters": 5, "kernel": [1, 3], "stride": [1, 3]})", {1, 1, 7}, 2},
       }) {
    SCOPED_TRACE(c.config);
    auto conv = make<double>("conv2d", c.config, c.in);
    fill_random(*conv, c.in.size());
    expect_gradients(*conv, random_matrix(c.N, c.in.size(), c.N + 3));
  }
}

TEST(PoolLayers, GradientCheckAtAwkwardShapes) {
  const OneThread one_thread;
  struct Case {
    const char* kind;
    const char* config;
    Shape in;
    std::size_t N;
  };
  for (const Case& c : {
           Case{"maxpool2d", R"({"kernel": 2})", {1, 5, 5}, 1},
           Case{"maxpool2d", R"({"kernel": 3, "stride": 2, "padding": 1})", {3, 7, 6}, 2},
           Case{"maxpool2d", R"({"kernel": [2, 3], "stride": [1, 2]})", {2, 4, 5}, 3},
           Case{"maxpool2d", R"({"kernel": 1})", {2, 3, 3}, 1},
           Case{"avgpool2d", R"({"kernel": 2})", {1, 5, 5}, 1},
           Case{"avgpool2d", R"({"kernel": 3, "stride": 2, "padding": 1})", {3, 7, 6}, 2},
           Case{"avgpool2d", R"({"kernel": 3, "stride": 2, "padding": [1, 0, 1, 1],
                                 "count_include_pad": false})", {2, 5, 6}, 3},
           Case{"avgpool2d", R"({"kernel": 1, "stride": 2})", {2, 3, 3}, 1},
       }) {
    SCOPED_TRACE(std::string(c.kind) + " " + c.config);
    auto pool = make<double>(c.kind, c.config, c.in);
    expect_gradients(*pool, distinct_matrix(c.N, c.in.size(), c.N + 5));
  }
}

TEST(BatchNormLayers, GradientCheckInTrainingAndEvaluationMode) {
  const OneThread one_thread;
  struct Case {
    const char* kind;
    Shape in;
    std::size_t N;
  };
  for (const Case& c : {Case{"batchnorm1d", Shape::flat(3), 2}, Case{"batchnorm1d", Shape::flat(1), 5},
                        Case{"batchnorm2d", {2, 3, 3}, 1}, Case{"batchnorm2d", {3, 2, 5}, 3}})
    for (bool training : {true, false}) {
      SCOPED_TRACE(std::string(c.kind) + " " + to_string(c.in) + " N=" + std::to_string(c.N) +
                   (training ? " training" : " eval"));
      auto bn = make<double>(c.kind, R"({"momentum": 0.2, "eps": 0.001})", c.in);
      fill_random(*bn, c.in.size());
      // Running statistics of some other batch: a mean and a positive variance.
      for (std::size_t k = 0; k < c.in.c; ++k) {
        bn->buffers()[0]->value[k] = 0.1 * static_cast<double>(k) - 0.2;
        bn->buffers()[1]->value[k] = 0.5 + 0.3 * static_cast<double>(k);
      }
      expect_gradients(*bn, random_matrix(c.N, c.in.size(), c.N + 9), training);
    }
}

// ---------------------------------------------------------------------------------------------
// A whole CNN

// conv(3, 3x3, same) - relu - maxpool 2 - flatten - dense(softmax), cross-entropy.
template <class T>
Network<T> small_cnn(Shape in, std::size_t classes, std::size_t filters, bool batchnorm = false) {
  Network<T> net;
  net.add(make<T>("conv2d", ("{\"filters\": " + std::to_string(filters) +
                             ", \"kernel\": 3, \"padding\": \"same\"}").c_str(), in));
  if (batchnorm) net.add(make<T>("batchnorm2d", "{}", net.layer(0).out_shape()));
  net.add(std::make_unique<ActivationLayer<T>>(Activation::kRelu, net.layer(net.depth() - 1).out_shape()));
  net.add(make<T>("maxpool2d", R"({"kernel": 2})", net.layer(net.depth() - 1).out_shape()));
  net.add(std::make_unique<Flatten<T>>(net.layer(net.depth() - 1).out_shape()));
  net.add({.in = net.layer(net.depth() - 1).out(), .out = classes, .activation = Activation::kSoftmax});
  net.set_loss(Loss::kSoftmaxCrossEntropy);
  return net;
}

// He-uniform weights (bound sqrt(6 / fan_in), fan_in = a weight row's length) and zero biases:
// init_network knows dense layers only.
template <class T>
void init_cnn(Network<T>& net, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (Param<T>* p : net.params()) {
    const std::string& n = p->name();
    if (n.size() < 2 || n.substr(n.size() - 2) != ".w") continue;
    std::uniform_real_distribution<double> u(-1, 1);
    const double bound = std::sqrt(6.0 / static_cast<double>(p->cols()));
    for (auto& v : p->value) v = static_cast<T>(bound * u(rng));
  }
}

TEST(SmallCnn, GradientsMatchFiniteDifferences) {
  const OneThread one_thread;
  Network<double> net = small_cnn<double>(Shape{2, 5, 7}, 3, 3);
  init_cnn(net, 11);
  for (Param<double>* p : net.params())  // non-zero biases too
    if (p->rows() == 1)
      for (auto& v : p->value) v = 0.05;
  const std::size_t N = 2;
  const Matrix<double> x = random_matrix(N, net.in(), 3);
  Matrix<double> t(N, 3);
  t(0, 1) = 1;
  t(1, 2) = 1;
  const std::function<double()> loss = [&] {
    net.forward(x);
    return net.loss_value(t);
  };
  loss();
  // The ReLU inputs stay out of the perturbation's reach of its kink (±2h = ±2e-4 below, times
  // a weight or input of at most 1).
  const Matrix<double>& z = net.output(0);  // the convolution's output: the ReLU's input
  double min_abs = 1e9;
  for (double v : z) min_abs = std::min(min_abs, std::abs(v));
  ASSERT_GT(min_abs, 1e-3);
  net.zero_grad();
  net.backward(x, t, true);
  const Matrix<double> dx = net.input_grad();
  Matrix<double> xx = x;
  const std::function<double()> loss_x = [&] {
    net.forward(xx);
    return net.loss_value(t);
  };
  for (std::size_t k = 0; k < x.size(); ++k)
    EXPECT_LT(rel_err(dx[k], numeric(loss_x, xx[k], 1e-4)), 1e-6) << "dx[" << k << "]";
  std::vector<Matrix<double>> grads;
  for (Param<double>* p : net.params()) grads.push_back(p->grad);
  std::size_t i = 0;
  for (Param<double>* p : net.params()) {
    for (std::size_t k = 0; k < p->size(); ++k)
      EXPECT_LT(rel_err(grads[i][k], numeric(loss, p->value[k], 1e-4)), 1e-6)
          << p->name() << "[" << k << "]";
    ++i;
  }
  EXPECT_EQ(net.params()[0]->name(), "conv2d_1.w");
  EXPECT_EQ(net.params()[1]->name(), "conv2d_1.b");
}

// ---------------------------------------------------------------------------------------------
// Precision, paths and threads

// The float fast paths (im2col + sgemm, the 2x2 pooling planes) agree with the double reference.
TEST(CnnLayers, FloatFastPathAgreesWithDoubleReference) {
  struct Case {
    const char* kind;
    const char* config;
    Shape in;
  };
  for (const Case& c : {Case{"conv2d", R"({"filters": 8, "kernel": 3, "padding": "same"})", {3, 9, 8}},
                        Case{"conv2d", R"({"filters": 5, "kernel": 2, "stride": 2})", {4, 7, 7}},
                        Case{"conv2d", R"({"filters": 16, "kernel": 1})", {3, 4, 5}},
                        Case{"maxpool2d", R"({"kernel": 2})", {3, 8, 6}},
                        Case{"avgpool2d", R"({"kernel": 3, "stride": 2, "padding": 1})", {3, 7, 6}},
                        Case{"batchnorm2d", "{}", {4, 5, 3}}}) {
    SCOPED_TRACE(std::string(c.kind) + " " + c.config);
    auto d = make<double>(c.kind, c.config, c.in);
    auto f = make<float>(c.kind, c.config, c.in);
    fill_random(*d, 21);
    fill_random(*f, 21);
    const std::size_t N = 5;
    const Matrix<double> xd = distinct_matrix(N, c.in.size(), 4);
    const Matrix<double> gd = random_matrix(N, d->out(), 6);
    Matrix<float> xf(N, c.in.size()), gf(N, d->out());
    for (std::size_t k = 0; k < xd.size(); ++k) xf[k] = static_cast<float>(xd[k]);
    for (std::size_t k = 0; k < gd.size(); ++k) gf[k] = static_cast<float>(gd[k]);
    Matrix<double> yd, dxd;
    Matrix<float> yf, dxf;
    d->forward(xd, yd, {true, nullptr});
    f->forward(xf, yf, {true, nullptr});
    d->backward(xd, yd, gd, &dxd);
    f->backward(xf, yf, gf, &dxf);
    for (std::size_t k = 0; k < yd.size(); ++k) EXPECT_NEAR(yf[k], yd[k], 1e-4) << "y[" << k << "]";
    for (std::size_t k = 0; k < dxd.size(); ++k) EXPECT_NEAR(dxf[k], dxd[k], 1e-4) << "dx[" << k << "]";
    for (std::size_t p = 0; p < d->params().size(); ++p)
      for (std::size_t k = 0; k < d->params()[p]->size(); ++k)
        EXPECT_NEAR(f->params()[p]->grad[k], d->params()[p]->grad[k],
                    1e-4 * std::max(1.0, std::abs(d->params()[p]->grad[k])))
            << d->params()[p]->name() << "[" << k << "]";
  }
}

TEST(CnnLayers, InferEqualsForwardInEvaluationMode) {
  Network<float> net = small_cnn<float>(Shape{2, 9, 8}, 4, 6, /*batchnorm=*/true);
  init_cnn(net, 3);
  Matrix<float> x(7, net.in());
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  for (auto& v : x) v = u(rng);
  net.set_training(true);
  net.forward(x);  // running statistics away from (0, 1)
  net.set_training(false);
  const Matrix<float> y = net.forward(x);
  InferenceScratch<float> s;
  Matrix<float> out;
  net.predict(x, out, s);
  EXPECT_EQ(out, y);
  for (std::size_t l = 0; l < net.depth(); ++l) {  // and layer by layer
    Matrix<float> a;
    net.layer(l).infer(l == 0 ? x : net.output(l - 1), a, s);
    EXPECT_EQ(a, net.output(l)) << net.layer(l).name();
  }
}

TEST(CnnLayers, OneAndTwoThreadsGiveTheSameBitsForATrainingStep) {
  const std::size_t saved = num_threads();
  Network<float> base = small_cnn<float>(Shape{3, 12, 10}, 5, 8, /*batchnorm=*/true);
  init_cnn(base, 5);
  Matrix<float> x(16, base.in()), t(16, 5);
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> u(-1, 1);
  for (auto& v : x) v = u(rng);
  for (std::size_t n = 0; n < 16; ++n) t(n, n % 5) = 1;
  std::vector<Network<float>> nets;
  for (std::size_t threads : {1u, 2u}) {
    set_num_threads(threads);
    Network<float> net = base;
    OptimizerOptions o;
    o.name = "adam";
    auto opt = make_optimizer<float>(o);
    net.set_training(true);
    for (int step = 0; step < 2; ++step) {
      net.zero_grad();
      net.forward(x);
      net.backward(x, t, true);
      opt->step(net.params());
    }
    nets.push_back(net);
  }
  set_num_threads(saved);
  for (std::size_t k = 0; k < base.params().size(); ++k) {
    EXPECT_EQ(nets[0].params()[k]->value, nets[1].params()[k]->value) << base.params()[k]->name();
    EXPECT_EQ(nets[0].params()[k]->grad, nets[1].params()[k]->grad) << base.params()[k]->name();
    EXPECT_NE(nets[0].params()[k]->value, base.params()[k]->value) << base.params()[k]->name();
  }
  EXPECT_EQ(nets[0].input_grad(), nets[1].input_grad());
  // The network names the buffers after the layer, as it names the Params.
  EXPECT_EQ(nets[0].layer(1).name(), "batchnorm2d_1");
  EXPECT_EQ(base.params()[2]->name(), "batchnorm2d_1.gamma");
  EXPECT_EQ(const_cast<Layer<float>&>(nets[0].layer(1)).buffers()[1]->name(),
            "batchnorm2d_1.running_var");
  const auto& bn0 = *nets[0].layer(1).as<BatchNorm2D<float>>();
  const auto& bn1 = *nets[1].layer(1).as<BatchNorm2D<float>>();
  EXPECT_EQ(const_cast<BatchNorm2D<float>&>(bn0).running_var().value,
            const_cast<BatchNorm2D<float>&>(bn1).running_var().value);
}

// ---------------------------------------------------------------------------------------------
// Configs

TEST(CnnLayerRegistry, ConfigsRoundTripThroughMakeLayer) {
  struct Case {
    const char* kind;
    const char* config;
    Shape in;
    Shape out;
    const char* normalised;
  };
  for (const Case& c : {
           Case{"conv2d", R"({"filters": 4, "kernel": 3})", {2, 6, 5}, {4, 4, 3},
                R"({"filters":4,"kernel":[3,3],"stride":[1,1],"padding":[0,0,0,0],"bias":true})"},
           // 'same' with an even kernel: the smaller half on top / left, as PyTorch.
           Case{"conv2d", R"({"filters": 2, "kernel": [4, 3], "padding": "same", "bias": false})",
                {1, 5, 5}, {2, 5, 5},
                R"({"filters":2,"kernel":[4,3],"stride":[1,1],"padding":[1,1,2,1],"bias":false})"},
           Case{"conv2d", R"({"filters": 1, "kernel": 3, "stride": 2, "padding": [0, 1]})", {1, 7, 6},
                {1, 3, 3},
                R"({"filters":1,"kernel":[3,3],"stride":[2,2],"padding":[0,1,0,1],"bias":true})"},
           Case{"maxpool2d", R"({"kernel": 2})", {3, 5, 5}, {3, 2, 2},
                R"({"kernel":[2,2],"stride":[2,2],"padding":[0,0,0,0]})"},
           Case{"avgpool2d", R"({"kernel": 3, "stride": 1, "padding": "valid"})", {1, 4, 4}, {1, 2, 2},
                R"({"kernel":[3,3],"stride":[1,1],"padding":[0,0,0,0],"count_include_pad":true})"},
           Case{"batchnorm1d", "{}", Shape::flat(6), Shape::flat(6), R"({"momentum":0.1,"eps":1e-05})"},
           Case{"batchnorm2d", R"({"momentum": 0.01})", {3, 2, 2}, {3, 2, 2},
                R"({"momentum":0.01,"eps":1e-05})"},
       }) {
    SCOPED_TRACE(std::string(c.kind) + " " + c.config);
    auto layer = make<float>(c.kind, c.config, c.in);
    EXPECT_EQ(layer->kind(), c.kind);
    EXPECT_EQ(layer->out_shape(), c.out);
    EXPECT_EQ(layer->config().dump(), c.normalised);
    auto again = make_layer<float>(layer->kind(), layer->config(), layer->in_shape(), 2);
    EXPECT_EQ(again->config(), layer->config());
    EXPECT_EQ(again->out_shape(), layer->out_shape());
    auto copy = layer->clone();
    EXPECT_EQ(copy->config(), layer->config());
  }
}

TEST(CnnLayerRegistry, BadConfigsGetOneLineNamingTheLayerAndTheField) {
  const auto message = [](const char* kind, const char* config, Shape in) {
    try {
      make_layer<float>(kind, Json::parse(config), in, 3);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const Shape img{1, 3, 3};
  EXPECT_EQ(message("conv2d", R"({"kernel": 3})", img),
            "layer 3 (conv2d): field 'filters' is missing; expected an integer >= 1");
  EXPECT_EQ(message("conv2d", R"({"filters": 2, "kernel": 0})", img),
            "layer 3 (conv2d): field 'kernel' is 0; expected an integer >= 1 or a pair [h, w] of them");
  EXPECT_EQ(message("conv2d", R"({"filters": 2, "kernel": 2, "stride": [1, 0]})", img),
            "layer 3 (conv2d): field 'stride' is [1,0]; expected an integer >= 1 or a pair [h, w] of "
            "them");
  EXPECT_EQ(message("conv2d", R"({"filters": 2, "kernel": 2, "padding": -1})", img),
            "layer 3 (conv2d): field 'padding' is -1; expected \"valid\", \"same\", an integer >= 0, "
            "[h, w] or [top, left, bottom, right] of them");
  EXPECT_EQ(message("conv2d", R"({"filters": 2, "kernel": 5})", img),
            "layer 3 (conv2d): field 'kernel' is [5,5]; expected at most the padded input 3x3 "
            "(input 1x3x3, padding [0,0,0,0])");
  EXPECT_EQ(message("conv2d", R"({"filters": 2, "kernel": 3, "padding": 3})", img),
            "layer 3 (conv2d): field 'padding' is [3,3,3,3]; expected at most the kernel - 1 per "
            "side: 2 rows, 2 columns");
  EXPECT_EQ(message("conv2d", R"({"filters": 2, "kernel": 3, "stride": 2, "padding": "same"})", img),
            "layer 3 (conv2d): field 'padding' is \"same\"; expected \"valid\" or explicit pads with "
            "a stride other than 1 (\"same\" needs stride 1, as in PyTorch)");
  EXPECT_EQ(message("conv2d", R"({"filters": 2, "kernel": 3, "groups": 2})", img),
            "layer 3 (conv2d): unknown field 'groups'; expected one of: filters, kernel, stride, "
            "padding, bias");
  EXPECT_EQ(message("maxpool2d", R"({"kernel": 2, "padding": 2})", Shape{1, 8, 8}),
            "layer 3 (maxpool2d): field 'padding' is [2,2,2,2]; expected at most half the kernel per "
            "side: 1 rows, 1 columns");
  EXPECT_EQ(message("maxpool2d", R"({"kernel": 2, "padding": "same"})", Shape{1, 8, 8}),
            "layer 3 (maxpool2d): field 'padding' is \"same\"; expected \"valid\", an integer >= 0, "
            "[h, w] or [top, left, bottom, right] of them");
  EXPECT_EQ(message("avgpool2d", R"({"kernel": 2, "count_include_pad": "yes"})", img),
            "layer 3 (avgpool2d): field 'count_include_pad' is \"yes\"; expected true or false");
  EXPECT_EQ(message("batchnorm2d", R"({"momentum": 2})", img),
            "layer 3 (batchnorm2d): field 'momentum' is 2.0; expected a number in [0, 1]");
  EXPECT_EQ(message("batchnorm2d", R"({"eps": 0})", img),
            "layer 3 (batchnorm2d): field 'eps' is 0.0; expected a number > 0");
  EXPECT_EQ(message("batchnorm1d", "{}", img),
            "layer 3 (batchnorm1d): input is 1x3x3; batchnorm1d needs a flat input (batchnorm2d "
            "normalises images per channel)");
  // The C++ constructors check the same way.
  EXPECT_THROW(Conv2D<float>({.filters = 1, .window = {.kh = 2, .kw = 2, .sh = 0}}, img), UsageError);
  EXPECT_THROW(Conv2D<float>({.filters = 0, .window = {}}, img), UsageError);
}

// ---------------------------------------------------------------------------------------------
// Training

// 8x8 images of one bright bar (vertical: class 0, horizontal: class 1) at a random position, on
// faint noise.
Dataset bar_images(std::size_t count, std::uint64_t seed, Matrix<float>& x,
                   std::vector<std::uint32_t>& labels) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> noise(0, 0.3f);
  std::vector<float> features(count * 64);
  labels.assign(count, 0);
  for (std::size_t n = 0; n < count; ++n) {
    const std::uint32_t label = static_cast<std::uint32_t>(rng() % 2);
    const std::size_t at = static_cast<std::size_t>(rng() % 8);
    for (std::size_t i = 0; i < 8; ++i)
      for (std::size_t j = 0; j < 8; ++j)
        features[n * 64 + i * 8 + j] = ((label == 0 ? j : i) == at) ? 1.0f : noise(rng);
    labels[n] = label;
  }
  x = Matrix<float>(count, 64, features);
  return Dataset::classification(64, features, labels, {"vertical", "horizontal"});
}

TEST(SmallCnn, AdamTrainsItToTellVerticalFromHorizontalBars) {
  Network<float> net = small_cnn<float>(Shape{1, 8, 8}, 2, 4);
  init_cnn(net, 7);
  Matrix<float> x_train, x_test;
  std::vector<std::uint32_t> y_train, y_test;
  const Dataset train_set = bar_images(128, 1, x_train, y_train);
  bar_images(200, 2, x_test, y_test);
  OptimizerOptions o;
  o.name = "adam";
  o.lr = 0.01;
  auto opt = make_optimizer<float>(o);
  TrainOptions to;
  to.epochs = 15;
  to.batch_size = 16;
  to.seed = 3;
  const TrainResult r = train(net, *opt, train_set, nullptr, Scaler(), to);
  EXPECT_LT(r.epochs.back().loss, r.epochs.front().loss);
  const Matrix<float> p = net.predict(x_test);
  std::size_t correct = 0;
  for (std::size_t n = 0; n < p.rows(); ++n)
    correct += static_cast<std::uint32_t>(p(n, 1) > p(n, 0)) == y_test[n];
  EXPECT_GE(correct, 196u) << "test accuracy " << correct << "/200";
}

}  // namespace
}  // namespace bp
