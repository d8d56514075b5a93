// Losses: hand-computed values, gradients against finite differences, batch reduction, fusion with
// the output activation, and stability for logits up to +-1e4 in float and double.
#include <gtest/gtest.h>

#include <cmath>

#include "backprop/core/error.hpp"
#include "backprop/nn/loss.hpp"
#include "kernels/activation.hpp"

namespace bp {
namespace {

template <class T>
Matrix<T> activate(const Matrix<T>& z, Activation act) {
  Matrix<T> a(z.rows(), z.cols());
  kernels::activation_forward(a.data(), z.data(), z.rows(), z.cols(), act,
                              static_cast<T>(activation_default_alpha(act)));
  return a;
}

TEST(Loss, NamesRoundTrip) {
  for (Loss l : kAllLosses) EXPECT_EQ(parse_loss(loss_name(l)), l);
  EXPECT_THROW(parse_loss("hinge"), UsageError);
}

TEST(Loss, HalfSseIsTheSeedsEtotalAveragedOverSamples) {
  // Sample 1: 1/2 (0.01 - 0.75)^2 + 1/2 (0.99 - 0.77)^2 = 0.27380 + 0.02420 = 0.298
  // Sample 2: 1/2 (1 - 0)^2 + 0 = 0.5.   Batch: (0.298 + 0.5) / 2 = 0.399
  const Matrix<double> y(2, 2, {0.75, 0.77, 0.0, 1.0}), t(2, 2, {0.01, 0.99, 1.0, 1.0});
  EXPECT_NEAR(loss_forward(Loss::kHalfSse, Activation::kIdentity, y, y, t), 0.399, 1e-15);
  // MSE: (0.74^2 + 0.22^2 + 1 + 0) / 4 = (0.5476 + 0.0484 + 1) / 4 = 0.399
  EXPECT_NEAR(loss_forward(Loss::kMse, Activation::kIdentity, y, y, t), 0.399, 1e-15);
  Matrix<double> dz;
  loss_backward(Loss::kHalfSse, Activation::kIdentity, 0.0, y, y, t, dz);
  // dE/dy = (y - t) / N
  EXPECT_NEAR(dz[0], (0.75 - 0.01) / 2, 1e-15);
  EXPECT_NEAR(dz[2], (0.0 - 1.0) / 2, 1e-15);
  loss_backward(Loss::kMse, Activation::kIdentity, 0.0, y, y, t, dz);
  EXPECT_NEAR(dz[0], 2 * (0.75 - 0.01) / 4, 1e-15);  // 2 (y - t) / (N O)
}

TEST(Loss, CrossEntropyHandComputed) {
  // logits (0, ln 2, ln 5): softmax = (1, 2, 5)/8; target class 2: E = -ln(5/8) = 0.47000362924
  const Matrix<double> z(1, 3, {0.0, std::log(2.0), std::log(5.0)}), t(1, 3, {0, 0, 1});
  EXPECT_NEAR(loss_forward(Loss::kSoftmaxCrossEntropy, Activation::kIdentity, z, z, t), 0.47000362924573558,
              1e-15);
  // Fused with a softmax output: the same value from the net input.
  const Matrix<double> a = activate(z, Activation::kSoftmax);
  EXPECT_NEAR(loss_forward(Loss::kSoftmaxCrossEntropy, Activation::kSoftmax, z, a, t), 0.47000362924573558,
              1e-15);
  Matrix<double> dz;
  loss_backward(Loss::kSoftmaxCrossEntropy, Activation::kSoftmax, 0.0, z, a, t, dz);
  EXPECT_NEAR(dz[0], 0.125, 1e-15);   // p - t
  EXPECT_NEAR(dz[1], 0.25, 1e-15);
  EXPECT_NEAR(dz[2], -0.375, 1e-15);
}

TEST(Loss, BinaryCrossEntropyHandComputed) {
  // z = 0: -ln(1/2) = 0.69314718056 whatever t; z = ln 3, t = 1: -ln(3/4) = 0.28768207245
  const Matrix<double> z(1, 2, {0.0, std::log(3.0)}), t(1, 2, {0.3, 1.0});
  EXPECT_NEAR(loss_forward(Loss::kBinaryCrossEntropy, Activation::kIdentity, z, z, t),
              (0.69314718055994531 + 0.28768207245178090) / 2, 1e-15);
  Matrix<double> dz;
  loss_backward(Loss::kBinaryCrossEntropy, Activation::kIdentity, 0.0, z, z, t, dz);
  EXPECT_NEAR(dz[0], (0.5 - 0.3) / 2, 1e-15);  // (sigmoid(z) - t) / (N O)
  EXPECT_NEAR(dz[1], (0.75 - 1.0) / 2, 1e-15);
}

// Every loss with every output activation: dE/dz against central differences of E(z).
TEST(Loss, BackwardMatchesFiniteDifferences) {
  const Matrix<double> z0(2, 3, {0.4, -1.3, 0.8, 2.1, 0.2, -0.6});
  const Matrix<double> t(2, 3, {0.1, 0.7, 0.2, 0.5, 0.25, 0.25});  // rows sum to 1, in (0, 1)
  for (Loss loss : kAllLosses) {
    for (Activation act : kAllActivations) {
      auto E = [&](const Matrix<double>& z) {
        return loss_forward(loss, act, z, activate(z, act), t);
      };
      Matrix<double> dz;
      loss_backward(loss, act, activation_default_alpha(act), z0, activate(z0, act), t, dz);
      for (std::size_t k = 0; k < z0.size(); ++k) {
        Matrix<double> zp = z0, zm = z0;
        const double h = 1e-5;
        zp[k] += h;
        zm[k] -= h;
        const double num = (E(zp) - E(zm)) / (2 * h);
        // O(h^2) truncation ~1e-10 and rounding ~1e-11; leaky/relu inputs are away from 0.
        EXPECT_NEAR(dz[k], num, 1e-8) << loss_name(loss) << " / " << activation_name(act) << " k=" << k;
      }
    }
  }
}

template <class T>
void expect_finite_and_exact_at_extremes() {
  const T big = T(1e4);
  // A confident right answer costs ~0; a confident wrong one costs ~big; gradients stay bounded.
  const Matrix<T> z(2, 2, {big, -big, -big, big}), t(2, 2, {T(1), T(0), T(1), T(0)});
  for (Activation act : {Activation::kIdentity, Activation::kSoftmax}) {
    const Matrix<T> a = activate(z, act);
    const T e = loss_forward(Loss::kSoftmaxCrossEntropy, act, z, a, t);
    EXPECT_TRUE(std::isfinite(e));
    EXPECT_NEAR(double(e), 2e4 / 2, 1e-3 * 1e4);  // sample 1: 0, sample 2: 2e4; mean 1e4
    Matrix<T> dz;
    loss_backward(Loss::kSoftmaxCrossEntropy, act, T(0), z, a, t, dz);
    for (T g : dz) EXPECT_TRUE(std::isfinite(g) && std::abs(g) <= T(1));
  }
  for (Activation act : {Activation::kIdentity, Activation::kSigmoid}) {
    const Matrix<T> a = activate(z, act);
    const T e = loss_forward(Loss::kBinaryCrossEntropy, act, z, a, t);
    EXPECT_TRUE(std::isfinite(e));
    // elements: (big, t=1) 0; (-big, t=0) 0; (-big, t=1) big; (big, t=0) big -> mean big/2
    EXPECT_NEAR(double(e), 5e3, 1e-3 * 1e4);
    Matrix<T> dz;
    loss_backward(Loss::kBinaryCrossEntropy, act, T(0), z, a, t, dz);
    for (T g : dz) EXPECT_TRUE(std::isfinite(g) && std::abs(g) <= T(1));
  }
}

TEST(Loss, CrossEntropiesFiniteAt1e4Float) { expect_finite_and_exact_at_extremes<float>(); }
TEST(Loss, CrossEntropiesFiniteAt1e4Double) { expect_finite_and_exact_at_extremes<double>(); }

TEST(Loss, TargetOfTheWrongShapeIsAUsageError) {
  const Matrix<double> y(1, 2, {0.5, 0.5}), t(1, 3, {0, 0, 1});
  try {
    loss_forward(Loss::kMse, Activation::kIdentity, y, y, t);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("1x3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("1x2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace bp
