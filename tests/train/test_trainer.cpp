// The training loop over Datasets: XOR, sin x regression, a 3-class problem with every optimizer,
// validation, early stopping, data that does not fit the network, divergence.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <numbers>
#include <random>

#include "backprop/backprop.hpp"
#include "backprop/optim/options.hpp"
#include "nn/dense_at.hpp"

namespace bp {
namespace {

Dataset xor_data() {
  return Dataset::classification(2, std::vector<float>{0, 0, 0, 1, 1, 0, 1, 1}, {0, 1, 1, 0}, {"0", "1"});
}

// sin x on [-pi, pi]: 256 evenly spaced points.
Dataset sin_data(std::size_t n = 256) {
  std::vector<float> x(n), y(n);
  for (std::size_t k = 0; k < n; ++k) {
    const double v = -std::numbers::pi + 2 * std::numbers::pi * double(k) / double(n - 1);
    x[k] = static_cast<float>(v);
    y[k] = static_cast<float>(std::sin(v));
  }
  return Dataset::regression(1, std::move(x), 1, std::move(y));
}

// Three Gaussian blobs in 2-D, 100 points each.
Dataset blobs(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0, 0.6);
  const double cx[] = {-2, 2, 0}, cy[] = {0, 0, 2.5};
  std::vector<float> f;
  std::vector<std::uint32_t> labels;
  for (std::uint32_t c = 0; c < 3; ++c)
    for (int k = 0; k < 100; ++k) {
      f.push_back(static_cast<float>(cx[c] + g(rng)));
      f.push_back(static_cast<float>(cy[c] + g(rng)));
      labels.push_back(c);
    }
  return Dataset::classification(2, std::move(f), std::move(labels), {"a", "b", "c"});
}

// TrainOptions has a std::string member, so designated initializers trip g++ 12's
// -Wmissing-field-initializers; build them field by field instead.
TrainOptions topts(std::size_t epochs, std::size_t batch, std::uint64_t seed = 0) {
  TrainOptions o;
  o.epochs = epochs;
  o.batch_size = batch;
  o.seed = seed;
  return o;
}

template <class T>
std::unique_ptr<Optimizer<T>> make(const std::string& name, double lr) {
  OptimizerOptions o;
  o.name = name;
  o.lr = lr;
  return make_optimizer<T>(o);
}

TEST(Trainer, XorWithA221SigmoidNetworkConvergesFromAFixedSeed) {
  // binary-cross-entropy on one sigmoid output; full-batch iRPROP- (FANN's default algorithm).
  Network<double> net({{.in = 2, .out = 2, .activation = Activation::kSigmoid},
                       {.in = 2, .out = 1, .activation = Activation::kSigmoid}},
                      Loss::kMse);
  init_uniform(net, 2, 2.0);
  const Dataset d = Dataset::regression(2, std::vector<float>{0, 0, 0, 1, 1, 0, 1, 1}, 1, {0, 1, 1, 0});
  auto opt = make<double>("rprop", 0.1);
  const TrainOptions to = topts(500, 0, 1);
  train(net, *opt, d, nullptr, Scaler(), to);
  const Matrix<double> x(4, 2, {0, 0, 0, 1, 1, 0, 1, 1});
  const auto& y = net.forward(x);
  EXPECT_LT(y[0], 0.1);
  EXPECT_GT(y[1], 0.9);
  EXPECT_GT(y[2], 0.9);
  EXPECT_LT(y[3], 0.1);
}

TEST(Trainer, SinRegressionReachesMse1e3) {
  Network<float> net({{.in = 1, .out = 32, .activation = Activation::kTanh},
                      {.in = 32, .out = 1}},
                     Loss::kMse);
  InitOptions init;
  init.kind = InitKind::kXavierUniform;
  init_network(net, init, 7);
  auto opt = make<float>("adam", 0.01);
  const Dataset d = sin_data();
  const TrainOptions to = topts(400, 32, 3);
  const auto r = train(net, *opt, d, nullptr, Scaler(), to);
  RegressionMetrics<float> rm(1);
  evaluate<float>(net, d, Scaler(), 256, nullptr, &rm);
  std::printf("sin x regression: MSE %.3g, R2 %.5f after %zu epochs\n", rm.mse(), rm.r2(), r.epochs.size());
  EXPECT_LT(rm.mse(), 1e-3) << "final training loss " << r.epochs.back().loss;
  EXPECT_GT(rm.r2(), 0.99);
}

TEST(Trainer, EveryOptimizerLearnsThreeBlobs) {
  const Dataset d = blobs(11);
  Scaler scaler(ScalerKind::kStandard);
  scaler.fit(d);
  struct Case { const char* name; double lr; std::size_t batch; std::size_t epochs; };
  const Case cases[] = {{"sgd", 0.1, 16, 30},     {"adam", 0.01, 16, 30},   {"adamw", 0.01, 16, 30},
                        {"rmsprop", 0.01, 16, 30}, {"adagrad", 0.1, 16, 30}, {"adadelta", 1.0, 16, 30},
                        {"rprop", 0.01, 0, 60},   {"irprop+", 0.01, 0, 60}, {"lbfgs", 1.0, 0, 10}};
  for (const Case& c : cases) {
    Network<double> net({{.in = 2, .out = 8, .activation = Activation::kTanh},
                         {.in = 8, .out = 3, .activation = Activation::kSoftmax}},
                        Loss::kSoftmaxCrossEntropy);
    init_network(net, InitOptions{}, 5);
    auto opt = make<double>(c.name, c.lr);
    train(net, *opt, d, nullptr, scaler, topts(c.epochs, c.batch, 2));
    ClassificationMetrics<double> cm(3);
    evaluate<double>(net, d, scaler, 64, &cm, nullptr);
    EXPECT_GT(cm.accuracy(), 0.95) << c.name;
  }
}

TEST(Trainer, SameSeedSameModelBitForBit) {
  const Dataset d = blobs(3);
  auto run = [&] {
    Network<float> net({{.in = 2, .out = 8, .activation = Activation::kRelu, .dropout = 0.2},
                        {.in = 8, .out = 3, .activation = Activation::kSoftmax}},
                       Loss::kSoftmaxCrossEntropy);
    init_network(net, InitOptions{.kind = InitKind::kHeUniform}, 9);
    auto opt = make<float>("adam", 0.01);
    train(net, *opt, d, nullptr, Scaler(), topts(5, 8, 4));
    return dense_at(net, 0).weights().value;
  };
  EXPECT_EQ(run(), run());
}

TEST(Trainer, ValidationAndEarlyStoppingRestoreTheBestEpoch) {
  const auto split = blobs(5).split(0.3, 1);
  Network<double> net({{.in = 2, .out = 16, .activation = Activation::kTanh},
                       {.in = 16, .out = 3, .activation = Activation::kSoftmax}},
                      Loss::kSoftmaxCrossEntropy);
  init_network(net, InitOptions{}, 1);
  auto opt = make<double>("adam", 0.05);
  TrainOptions to = topts(200, 8, 1);
  to.early_stopping = "val_loss";
  to.patience = 3;
  const auto r = train(net, *opt, split.train, &split.validation, Scaler(), to);
  ASSERT_TRUE(r.stopped_early);
  ASSERT_GE(r.best_epoch, 1u);
  // The restored weights give the best epoch's validation loss.
  double best = INFINITY;
  for (const auto& e : r.epochs) best = std::min(best, e.val_loss);
  EXPECT_DOUBLE_EQ(r.epochs[r.best_epoch - 1].val_loss, best);
  EXPECT_NEAR(evaluate<double>(net, split.validation, Scaler(), 64, nullptr, nullptr), best, 1e-12);
  for (const auto& e : r.epochs) EXPECT_FALSE(std::isnan(e.val_accuracy));
}

TEST(Trainer, DataThatDoesNotFitTheNetworkNamesBothSizes) {
  Network<float> net({{.in = 3, .out = 2, .activation = Activation::kSoftmax}}, Loss::kSoftmaxCrossEntropy);
  auto opt = make<float>("sgd", 0.1);
  try {
    train(net, *opt, xor_data(), nullptr, Scaler(), topts(10, 32));
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("2 features"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("expected 3"), std::string::npos) << e.what();
  }
}

TEST(Trainer, FullBatchMethodsRefuseMiniBatches) {
  Network<float> net({{.in = 2, .out = 2, .activation = Activation::kSoftmax}}, Loss::kSoftmaxCrossEntropy);
  auto opt = make<float>("lbfgs", 1.0);
  EXPECT_THROW(train(net, *opt, xor_data(), nullptr, Scaler(), topts(10, 2)), UsageError);
}

TEST(Trainer, DivergenceNamesEpochBatchAndAdvice) {
  Network<float> net({{.in = 1, .out = 1}}, Loss::kMse);
  dense_at(net, 0).weights().value[0] = 1;
  const Dataset d = Dataset::regression(1, std::vector<float>{1e19f, -1e19f}, 1, {0, 0});
  auto opt = make<float>("sgd", 10.0);
  try {
    train(net, *opt, d, nullptr, Scaler(), topts(50, 1));
    FAIL();
  } catch (const DivergenceError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("epoch 1"), std::string::npos) << m;
    EXPECT_NE(m.find("batch"), std::string::npos) << m;
    EXPECT_NE(m.find("lower the learning rate"), std::string::npos) << m;
    EXPECT_NE(m.find("in the output of layer 1 of 1"), std::string::npos) << m;
  }
}

TEST(Trainer, ANonFiniteGradientNamesTheLayerAndSkipsTheStep) {
  // A finite loss whose gradient overflows in float: x = 1e30 in the first layer's input makes
  // dE/dw1 = dz * x = inf while E itself (on the output, scaled down by w2 = 1e-30) stays finite.
  Network<float> net({{.in = 1, .out = 1}, {.in = 1, .out = 1}}, Loss::kMse);
  dense_at(net, 0).weights().value[0] = 1e-30f;
  dense_at(net, 1).weights().value[0] = 1e10f;
  const Dataset d = Dataset::regression(1, std::vector<float>{1e30f}, 1, {0});
  auto opt = make<float>("sgd", 0.1);
  const Network<float> before = net;
  try {
    train(net, *opt, d, nullptr, Scaler(), topts(1, 1));
    FAIL() << "expected a DivergenceError";
  } catch (const DivergenceError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("gradient of dense_1.w is not finite"), std::string::npos) << m;
    EXPECT_NE(m.find("epoch 1, batch 1 of 1"), std::string::npos) << m;
  }
  EXPECT_EQ(dense_at(net, 0).weights().value, dense_at(before, 0).weights().value);
  EXPECT_EQ(dense_at(net, 1).weights().value, dense_at(before, 1).weights().value);
}

TEST(Trainer, AStopRequestEndsTrainingAfterTheCurrentStep) {
  const Dataset d = blobs(2);
  Network<float> net({{.in = 2, .out = 3, .activation = Activation::kSoftmax}}, Loss::kSoftmaxCrossEntropy);
  Network<float> one_step = net;
  auto opt = make<float>("sgd", 0.1);
  std::atomic<bool> stop{true};  // raised before training starts: exactly one step runs
  TrainOptions o = topts(5, 16, 3);
  o.stop = &stop;
  const TrainResult r = train(net, *opt, d, nullptr, Scaler(), o);
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(r.stopped_epoch, 1u);
  EXPECT_EQ(r.stopped_batch, 1u);
  EXPECT_TRUE(r.epochs.empty());
  EXPECT_NE(dense_at(net, 0).weights().value, dense_at(one_step, 0).weights().value);  // one step was taken
}

TEST(Trainer, BadOptionsAreUsageErrors) {
  EXPECT_THROW(topts(0, 1).validate(false), UsageError);
  TrainOptions o = topts(1, 1);
  o.clip_norm = -1;
  EXPECT_THROW(o.validate(false), UsageError);
  o = topts(1, 1);
  o.early_stopping = "val_loss";
  EXPECT_THROW(o.validate(false), UsageError);  // no validation set
  o.early_stopping = "accuracy?";
  EXPECT_THROW(o.validate(true), UsageError);
}

}  // namespace
}  // namespace bp
