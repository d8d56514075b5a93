// Reproducibility promises of docs/reliability.md: the same data, seed and configuration give a
// bit-identical float model at any thread count, and twice in a row at the same count.
#include <gtest/gtest.h>

#include <random>

#include "backprop/backprop.hpp"
#include "backprop/optim/options.hpp"

namespace bp {
namespace {

// 600 samples of 300 features in [0, 1), 10 classes by a fixed random projection: big enough that
// the first layer's products (256 x 300 x 512 = 39 M multiply-adds per batch) are split across
// threads.
Dataset wide_data() {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const std::size_t n = 600, in = 300;
  std::vector<float> f(n * in);
  for (float& v : f) v = u(rng);
  std::vector<std::uint32_t> labels(n);
  for (std::size_t k = 0; k < n; ++k) {
    double s = 0;
    for (std::size_t i = 0; i < in; ++i) s += f[k * in + i] * double((i * 37) % 11);
    labels[k] = static_cast<std::uint32_t>(static_cast<std::size_t>(s) % 10);
  }
  std::vector<std::string> names;
  for (int c = 0; c < 10; ++c) names.push_back(std::to_string(c));
  return Dataset::classification(in, std::move(f), std::move(labels), std::move(names));
}

struct Weights {
  std::vector<std::vector<float>> w;
  bool operator==(const Weights&) const = default;
};

Weights train_at(std::size_t threads, const std::string& optimizer, const Dataset& d) {
  const std::size_t saved = num_threads();
  set_num_threads(threads);
  Network<float> net({{.in = 300, .out = 512, .activation = Activation::kRelu, .dropout = 0.1},
                      {.in = 512, .out = 64, .activation = Activation::kTanh},
                      {.in = 64, .out = 10, .activation = Activation::kSoftmax}},
                     Loss::kSoftmaxCrossEntropy);
  init_network(net, InitOptions{.kind = InitKind::kHeUniform}, 3);
  OptimizerOptions oo;
  oo.name = optimizer;
  oo.lr = optimizer == "adam" ? 0.001 : 0.05;
  oo.momentum = optimizer == "sgd" ? 0.9 : 0.0;
  auto opt = make_optimizer<float>(oo);
  TrainOptions to;
  to.epochs = 2;
  to.batch_size = 256;
  to.seed = 11;
  train(net, *opt, d, nullptr, Scaler(), to);
  set_num_threads(saved);
  Weights r;
  for (const Param<float>* p : net.params()) r.w.emplace_back(p->value.begin(), p->value.end());
  return r;
}

class Reproducibility : public ::testing::TestWithParam<const char*> {};

TEST_P(Reproducibility, FloatTrainingIsBitIdenticalAtOneTwoAndThreeThreads) {
  const Dataset d = wide_data();
  const Weights one = train_at(1, GetParam(), d);
  EXPECT_EQ(one, train_at(1, GetParam(), d)) << "two runs at 1 thread differ";
  EXPECT_EQ(one, train_at(2, GetParam(), d)) << "2 threads differ from 1";
  EXPECT_EQ(one, train_at(3, GetParam(), d)) << "3 threads differ from 1";
}

INSTANTIATE_TEST_SUITE_P(Optimizers, Reproducibility, ::testing::Values("sgd", "adam"));

}  // namespace
}  // namespace bp
