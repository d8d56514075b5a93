// sgd_step at batch 1 (Network::sgd_step_fused): the same update as the general path, which is
// written out here as sgd_step's other branch does it (zero_grad, forward, loss, backward, then
// w -= lr·grad for every trainable Param). Bit for bit in double, for every activation and loss,
// frozen weights and biases; up to rounding in float on layers wide enough for the SIMD kernels.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "backprop/backprop.hpp"
#include "nn/dense_at.hpp"
#include "nn/fused/fused_sgd.hpp"

namespace bp {
namespace {

template <class T>
T general_step(Network<T>& net, const Matrix<T>& x, const Matrix<T>& t, T lr) {
  net.zero_grad();
  net.forward(x);
  const T e = net.loss_value(t);
  net.backward(x, t);
  for (Param<T>* p : net.params())
      if (p->trainable)
        for (std::size_t k = 0; k < p->value.size(); ++k) p->value[k] -= lr * p->grad[k];
  return e;
}

template <class T>
Network<T> make_net(const std::vector<std::size_t>& widths, Activation hidden, Activation out_act,
                    Loss loss, std::uint64_t seed) {
  Network<T> net;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l)
    net.add({.in = widths[l], .out = widths[l + 1],
             .activation = l + 2 == widths.size() ? out_act : hidden,
             .train_weights = l != 1,  // layer 2 (when there is one) frozen
             .train_bias = l != 0});   // layer 1's bias frozen, as in the seed
  net.set_loss(loss);
  // init_uniform leaves frozen parameters alone (at 0): give every parameter a value.
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  for (Param<T>* p : net.params())
      for (auto& v : p->value) v = static_cast<T>(u(rng));
  return net;
}

template <class T>
void random_sample(Matrix<T>& x, Matrix<T>& t, Loss loss, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  for (auto& v : x) v = static_cast<T>(u(rng));
  T sum = 0;
  for (auto& v : t) sum += (v = static_cast<T>(0.1 + 0.4 * (u(rng) + 1)));
  if (loss == Loss::kSoftmaxCrossEntropy)
    for (auto& v : t) v /= sum;
}

TEST(SgdOnline, FusedStepEqualsTheGeneralPathBitForBitInDouble) {
  const std::vector<std::size_t> widths = {3, 5, 4, 2};
  for (Activation act : kAllActivations)
    for (Loss loss : kAllLosses)
      for (Activation out_act : {act, Activation::kSigmoid, Activation::kSoftmax}) {
        Network<double> fused = make_net<double>(widths, act, out_act, loss, 5);
        Network<double> plain = fused;
        std::mt19937_64 rng(9);
        Matrix<double> x(1, 3), t(1, 2);
        for (int step = 0; step < 20; ++step) {
          random_sample(x, t, loss, rng);
          const double e_fused = sgd_step(fused, x, t, {.lr = 0.3});
          const double e_plain = general_step(plain, x, t, 0.3);
          ASSERT_EQ(e_fused, e_plain) << activation_name(act) << "/" << activation_name(out_act)
                                      << "/" << loss_name(loss) << " step " << step;
        }
        for (std::size_t l = 0; l < fused.depth(); ++l) {
          EXPECT_EQ(dense_at(fused, l).weights().value, dense_at(plain, l).weights().value) << l;
          EXPECT_EQ(dense_at(fused, l).bias().value, dense_at(plain, l).bias().value) << l;
          EXPECT_EQ(dense_at(fused, l).z(), dense_at(plain, l).z()) << l;
          EXPECT_EQ(fused.output(l), plain.output(l)) << l;
          EXPECT_EQ(dense_at(fused, l).dz(), dense_at(plain, l).dz()) << l;
        }
      }
}

// Two layers of at most 4 x 4 with an inline activation and half-SSE or MSE take tiny2_step
// (src/nn/fused/online_sgd.cpp: the sizes compiled in, everything in registers): every shape, every pair
// of those activations, both losses, each layer's weights and bias frozen in turn; bit for bit
// against the general path, in double and in float. ELU (not inline) takes the general fused
// loop and must agree as well.
template <class T>
void check_tiny_two_layer() {
  const Activation acts[] = {Activation::kIdentity, Activation::kSigmoid, Activation::kTanh,
                             Activation::kRelu, Activation::kElu};
  int shape = 0;
  for (std::size_t I = 1; I <= 4; ++I)
    for (std::size_t H = 1; H <= 4; ++H)
      for (std::size_t O = 1; O <= 4; ++O, ++shape)
        for (Activation a0 : acts)
          for (Activation a1 : acts)
            for (Loss loss : {Loss::kHalfSse, Loss::kMse}) {
              Network<T> fused({{.in = I, .out = H, .activation = a0,
                                 .train_weights = shape % 4 != 1, .train_bias = shape % 4 != 2},
                                {.in = H, .out = O, .activation = a1,
                                 .train_weights = shape % 4 != 3, .train_bias = shape % 4 != 0}},
                               loss);
              std::mt19937_64 rng(static_cast<std::uint64_t>(shape));
              std::uniform_real_distribution<double> u(-1, 1);
              for (Param<T>* p : fused.params())
                  for (auto& v : p->value) v = static_cast<T>(u(rng));
              Network<T> plain = fused;
              Matrix<T> x(1, I), t(1, O);
              for (int step = 0; step < 8; ++step) {
                random_sample(x, t, loss, rng);
                const T e_fused = sgd_step(fused, x, t, {.lr = 0.1});
                const T e_plain = general_step(plain, x, t, T(0.1));
                ASSERT_EQ(e_fused, e_plain) << I << "-" << H << "-" << O << " "
                                            << activation_name(a0) << "/" << activation_name(a1)
                                            << "/" << loss_name(loss) << " step " << step;
              }
              for (std::size_t l = 0; l < 2; ++l) {
                ASSERT_EQ(dense_at(fused, l).weights().value, dense_at(plain, l).weights().value) << l;
                ASSERT_EQ(dense_at(fused, l).bias().value, dense_at(plain, l).bias().value) << l;
                ASSERT_EQ(dense_at(fused, l).z(), dense_at(plain, l).z()) << l;
                ASSERT_EQ(fused.output(l), plain.output(l)) << l;
                ASSERT_EQ(dense_at(fused, l).dz(), dense_at(plain, l).dz()) << l;
              }
            }
}

TEST(SgdOnline, TinyTwoLayerStepEqualsTheGeneralPathBitForBit) {
  check_tiny_two_layer<double>();
  check_tiny_two_layer<float>();
}

TEST(SgdOnline, FusedStepEqualsTheGeneralPathUpToRoundingInFloat) {
  // Widths off the vector sizes so every kernel's tails run. After 10 steps of lr 0.05 the
  // weights (|w| <= 1) differ by the kernels' FMA rounding only: a few float ulps per step,
  // summed over up to 257 terms; 2e-5 absolute is ~170 ulps of 1.
  const std::vector<std::size_t> widths = {257, 33, 17, 10};
  for (Loss loss : {Loss::kHalfSse, Loss::kSoftmaxCrossEntropy}) {
    const Activation out_act =
        loss == Loss::kHalfSse ? Activation::kIdentity : Activation::kSoftmax;
    Network<float> fused = make_net<float>(widths, Activation::kTanh, out_act, loss, 6);
    Network<float> plain = fused;
    std::mt19937_64 rng(10);
    Matrix<float> x(1, 257), t(1, 10);
    for (int step = 0; step < 10; ++step) {
      random_sample(x, t, loss, rng);
      const float e_fused = sgd_step(fused, x, t, {.lr = 0.05});
      const float e_plain = general_step(plain, x, t, 0.05f);
      EXPECT_NEAR(e_fused, e_plain, 1e-4f * (1 + std::abs(e_plain))) << step;
    }
    for (std::size_t l = 0; l < fused.depth(); ++l)
      for (std::size_t k = 0; k < dense_at(fused, l).weights().value.size(); ++k)
        ASSERT_NEAR(dense_at(fused, l).weights().value[k], dense_at(plain, l).weights().value[k], 2e-5f)
            << loss_name(loss) << " layer " << l << " w[" << k << "]";
  }
}

TEST(SgdOnline, GeneralPathWhenTheFusedOneDoesNotApply) {
  // Dropout while training, a batch of 2, and layerwise order all take the general path, which
  // leaves the step's gradients in grad.
  Network<double> net({{.in = 3, .out = 4, .activation = Activation::kTanh}, {.in = 4, .out = 2}},
                      Loss::kHalfSse);
  init_uniform(net, 7, 1.0);
  const Matrix<double> x(1, 3, {0.1, -0.2, 0.3}), t(1, 2, {0.5, -0.5});
  double e = 0;
  Network<double> dropped({{.in = 3, .out = 4, .activation = Activation::kTanh, .dropout = 0.5},
                           {.in = 4, .out = 2}},
                          Loss::kHalfSse);
  dropped.set_training(true);
  EXPECT_FALSE(fused::online_sgd_step<double>(dropped, x, t, 0.1, e));
  EXPECT_FALSE(fused::online_sgd_step<double>(net, Matrix<double>(2, 3), Matrix<double>(2, 2), 0.1, e));
  EXPECT_FALSE(fused::online_sgd_step<double>(net, Matrix<double>(1, 4), t, 0.1, e));  // wrong width: forward throws
  EXPECT_THROW(sgd_step(net, Matrix<double>(1, 4), t, {.lr = 0.1}), UsageError);
  sgd_step(net, x, t, {.lr = 0.1, .order = UpdateOrder::kLayerwise});
  double norm = 0;
  for (double g : dense_at(net, 0).weights().grad) norm += std::abs(g);
  EXPECT_GT(norm, 0);
}

TEST(SgdOnline, SeedNetworkReachesTheSeedsErrorAfter10000Updates) {
  // docs/seed-errata.md: E_total after 10,000 simultaneous updates, to the printed 12 digits.
  Network<double> net = seed_network();
  const Matrix<double> x = seed_input(), t = seed_target();
  for (int k = 0; k < 10000; ++k) sgd_step(net, x, t, {.lr = kSeedLearningRate});
  net.forward(x);
  EXPECT_NEAR(net.loss_value(t), 3.51018778298e-05, 1e-16);
}

}  // namespace
}  // namespace bp
