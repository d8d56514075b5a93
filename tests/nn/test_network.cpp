// Network: backpropagation through any depth checked by finite differences for every activation x
// loss pair, batch reduction, the three gradient-descent modes, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "backprop/backprop.hpp"
#include "nn/dense_at.hpp"

namespace bp {
namespace {

// A network of `depth` layers with widths cycling through {3, 5, 4, 2}, random weights and data.
struct Case {
  Network<double> net;
  Matrix<double> x, t;
};

Case make_case(std::size_t depth, Activation act, Loss loss, std::uint64_t seed) {
  const std::size_t widths[] = {3, 5, 4, 2, 3};
  Case c;
  for (std::size_t l = 0; l < depth; ++l)
    c.net.add({.in = widths[l], .out = widths[l + 1], .activation = act});
  c.net.set_loss(loss);
  init_uniform(c.net, seed, 1.5);
  std::mt19937_64 rng(seed * 7 + 1);
  std::uniform_real_distribution<double> u(-1, 1);
  c.x = Matrix<double>(4, widths[0]);
  for (auto& v : c.x) v = u(rng);
  c.t = Matrix<double>(4, widths[depth]);
  for (std::size_t n = 0; n < 4; ++n) {
    double sum = 0;
    for (auto& v : c.t.row(n)) sum += (v = 0.1 + 0.8 * (u(rng) + 1) / 2);
    if (loss == Loss::kSoftmaxCrossEntropy)
      for (auto& v : c.t.row(n)) v /= sum;
  }
  return c;
}

TEST(Network, GradcheckEveryActivationLossAndDepth) {
  double worst = 0;
  int checked = 0;
  for (Activation act : kAllActivations)
    for (Loss loss : kAllLosses)
      for (std::size_t depth = 1; depth <= 4; ++depth) {
        // The first seed whose net inputs are away from the kinks of ReLU-like activations.
        GradcheckReport r;
        bool ok = false;
        for (std::uint64_t seed = 1; seed < 50 && !ok; ++seed) {
          Case c = make_case(depth, act, loss, seed);
          r = gradcheck(c.net, c.x, c.t);
          ok = true;
          for (const auto& l : r.layers) ok = ok && !l.near_kink;
        }
        ASSERT_TRUE(ok) << activation_name(act) << " depth " << depth << ": no seed away from kinks";
        EXPECT_LE(r.worst(), 1e-6) << activation_name(act) << " / " << loss_name(loss) << " depth " << depth;
        worst = std::max(worst, r.worst());
        ++checked;
      }
  EXPECT_EQ(checked, 8 * 4 * 4);
  RecordProperty("worst_relative_error", std::to_string(worst));
  std::printf("gradcheck over %d networks: worst relative error %.3e\n", checked, worst);
}

TEST(Network, FullBatchGradientIsTheMeanOfPerSampleGradients) {
  Case c = make_case(3, Activation::kTanh, Loss::kHalfSse, 3);
  c.net.zero_grad();
  c.net.forward(c.x);
  c.net.backward(c.x, c.t);
  const Matrix<double> batch_grad = dense_at(c.net, 0).weights().grad;
  Matrix<double> sum(batch_grad.rows(), batch_grad.cols());
  for (std::size_t n = 0; n < c.x.rows(); ++n) {
    Matrix<double> xn(1, c.x.cols()), tn(1, c.t.cols());
    std::copy(c.x.row(n).begin(), c.x.row(n).end(), xn.begin());
    std::copy(c.t.row(n).begin(), c.t.row(n).end(), tn.begin());
    c.net.zero_grad();
    c.net.forward(xn);
    c.net.backward(xn, tn);
    for (std::size_t k = 0; k < sum.size(); ++k) sum[k] += dense_at(c.net, 0).weights().grad[k];
  }
  for (std::size_t k = 0; k < sum.size(); ++k) EXPECT_NEAR(batch_grad[k], sum[k] / 4, 1e-15);
}

TEST(Network, LayersThatDoNotChainNameBothSizes) {
  Network<float> net;
  net.add({.in = 4, .out = 8});
  try {
    net.add({.in = 7, .out = 2});
    FAIL();
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("7 inputs"), std::string::npos) << m;
    EXPECT_NE(m.find("expected 8"), std::string::npos) << m;
  }
}

TEST(Network, InputOfTheWrongWidthIsAUsageError) {
  Network<float> net({{.in = 4, .out = 2}}, Loss::kMse);
  EXPECT_THROW(net.forward(Matrix<float>(1, 3)), UsageError);
  EXPECT_THROW(Network<float>().forward(Matrix<float>(1, 3)), UsageError);
}

TEST(Dropout, OffAtEvaluationInvertedWhileTraining) {
  Network<double> net({{.in = 1, .out = 1000, .activation = Activation::kIdentity, .dropout = 0.25},
                       {.in = 1000, .out = 1}},
                      Loss::kMse);
  for (auto& w : dense_at(net, 0).weights().value) w = 1.0;
  const Matrix<double> x(1, 1, {2.0});
  net.forward(x);
  // Layers: dense_1, dropout_1 (added by the dropout option), dense_2.
  ASSERT_EQ(net.layer(1).kind(), "dropout");
  for (double v : net.output(1)) ASSERT_EQ(v, 2.0);  // evaluation: untouched
  net.set_training(true);
  net.seed_dropout(7);
  net.forward(x);
  std::size_t zeros = 0;
  for (double v : net.output(1)) {
    if (v == 0) {
      ++zeros;
    } else {
      ASSERT_DOUBLE_EQ(v, 2.0 / 0.75);  // kept units scaled by 1/(1-p)
    }
  }
  // Binomial(1000, 0.25): mean 250, sd 13.7; 5 sd either side
  EXPECT_NEAR(double(zeros), 250.0, 70.0);
  // Backward: a dropped unit passes no gradient to its weight.
  net.zero_grad();
  net.backward(x, Matrix<double>(1, 1, {1.0}));
  for (std::size_t o = 0; o < 1000; ++o)
    if (net.output(1)[o] == 0) {
      ASSERT_EQ(dense_at(net, 0).weights().grad[o], 0.0);
    }
}

TEST(Dropout, OutOfRangeOrOnTheOutputLayerIsAUsageError) {
  EXPECT_THROW(Dense<float>({.in = 2, .out = 2, .dropout = 1.0}), UsageError);
  EXPECT_THROW(Dense<float>({.in = 2, .out = 2, .dropout = -0.1}), UsageError);
  Network<float> net({{.in = 2, .out = 2, .dropout = 0.5}}, Loss::kMse);
  EXPECT_THROW(net.forward(Matrix<float>(1, 2)), UsageError);
}

TEST(Sgd, LearningRateMustBePositiveAndFinite) {
  for (double lr : {0.0, -0.5, std::nan(""), HUGE_VAL}) {
    SgdOptions o{.lr = lr};
    EXPECT_THROW(o.validate(), UsageError) << lr;
  }
  FitOptions f;
  f.epochs = 0;
  EXPECT_THROW(f.validate(), UsageError);
}

TEST(Sgd, OnlineMiniBatchAndFullBatchModes) {
  // fit runs the trainer: full batch = one update per epoch with the mean gradient; online = one
  // per sample, in the order BatchOrder (the project's own shuffle) gives each epoch. Its data is
  // a float32 Dataset, so the case's values are made floats first.
  Case c = make_case(2, Activation::kSigmoid, Loss::kHalfSse, 5);
  for (auto* m : {&c.x, &c.t})
    for (double& v : *m) v = static_cast<double>(static_cast<float>(v));
  Network<double> full = c.net, manual = c.net, online = c.net, manual_online = c.net;
  fit(full, c.x, c.t, {.epochs = 3, .batch_size = 0, .lr = 0.3});
  for (int e = 0; e < 3; ++e) sgd_step(manual, c.x, c.t, {.lr = 0.3});
  EXPECT_EQ(dense_at(full, 0).weights().value, dense_at(manual, 0).weights().value);
  fit(online, c.x, c.t, {.epochs = 2, .batch_size = 1, .seed = 4, .lr = 0.3});
  BatchOrder order(c.x.rows(), 4, /*shuffle=*/true);
  for (std::size_t e = 0; e < 2; ++e)
    for (std::size_t n : order.order(e)) {
      Matrix<double> xn(1, c.x.cols()), tn(1, c.t.cols());
      std::copy(c.x.row(n).begin(), c.x.row(n).end(), xn.begin());
      std::copy(c.t.row(n).begin(), c.t.row(n).end(), tn.begin());
      sgd_step(manual_online, xn, tn, {.lr = 0.3});
    }
  EXPECT_EQ(dense_at(online, 1).weights().value, dense_at(manual_online, 1).weights().value);
  // Mini-batch with a short last batch (4 samples, batches of 3) runs and reduces the loss.
  Network<double> mini = c.net;
  const TrainResult r = fit(mini, c.x, c.t, {.epochs = 200, .batch_size = 3, .seed = 9, .lr = 0.5});
  EXPECT_LT(r.epochs.back().loss, r.epochs.front().loss);
}

TEST(Sgd, LayerwiseEqualsSimultaneousForOneLayer) {
  Case c = make_case(1, Activation::kTanh, Loss::kMse, 2);
  Network<double> a = c.net, b = c.net;
  sgd_step(a, c.x, c.t, {.lr = 0.1, .order = UpdateOrder::kSimultaneous});
  sgd_step(b, c.x, c.t, {.lr = 0.1, .order = UpdateOrder::kLayerwise});
  EXPECT_EQ(dense_at(a, 0).weights().value, dense_at(b, 0).weights().value);
}

TEST(Sgd, XorConvergesFromAFixedSeed) {
  Network<double> net({{.in = 2, .out = 2, .activation = Activation::kSigmoid},
                       {.in = 2, .out = 1, .activation = Activation::kSigmoid}},
                      Loss::kHalfSse);
  init_uniform(net, 2, 2.0);  // about 1 init in 4 of a 2-2-1 net lands in a local minimum; seed 2 does not
  const Matrix<double> x(4, 2, {0, 0, 0, 1, 1, 0, 1, 1}), t(4, 1, {0, 1, 1, 0});
  fit(net, x, t, {.epochs = 5000, .batch_size = 1, .seed = 1, .lr = 2.0});
  const auto& y = net.forward(x);
  for (std::size_t n = 0; n < 4; ++n) EXPECT_NEAR(y[n], t[n], 0.1) << "sample " << n;
}

TEST(Sgd, DivergenceNamesEpochAndBatch) {
  Network<double> net({{.in = 1, .out = 1}}, Loss::kMse);
  dense_at(net, 0).weights().value[0] = 1;
  const Matrix<double> x(1, 1, {1e30}), t(1, 1, {0});  // fit's data is float32: 1e30 fits
  try {
    fit(net, x, t, {.epochs = 5, .batch_size = 1, .lr = 1.0});
    FAIL();
  } catch (const DivergenceError& e) {
    EXPECT_NE(std::string(e.what()).find("epoch"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("learning rate"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace bp
