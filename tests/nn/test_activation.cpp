// Activation kernels: hand-computed values, derivatives against finite differences, and stability
// for net inputs up to +-1e4 in float and double.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "backprop/nn/activation.hpp"
#include "backprop/core/error.hpp"
#include "kernels/activation.hpp"

namespace bp {
namespace {

TEST(Activation, NamesRoundTrip) {
  for (Activation a : kAllActivations) EXPECT_EQ(parse_activation(activation_name(a)), a);
  EXPECT_EQ(parse_activation("linear"), Activation::kIdentity);
}

TEST(Activation, UnknownNameIsAUsageErrorListingTheNames) {
  try {
    parse_activation("sigmod");
    FAIL() << "no exception";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'sigmod'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("sigmoid"), std::string::npos);
  }
}

TEST(Activation, HandComputedValues) {
  // sigmoid(0.3775) = 0.593269992 (the seed's H1_final); tanh(0.5) = 0.46211715726;
  // softplus(1) = log(1 + e) = 1.31326168752; elu(-1) = e^-1 - 1 = -0.63212055883;
  // leaky-relu(-2) = -0.02
  const double z[] = {0.3775, 0.5, 1.0, -1.0, -2.0};
  double a = 0;
  kernels::activation_forward(&a, &z[0], 1, 1, Activation::kSigmoid, 0.0);
  EXPECT_NEAR(a, 0.593269992, 5e-10);
  kernels::activation_forward(&a, &z[1], 1, 1, Activation::kTanh, 0.0);
  EXPECT_NEAR(a, 0.46211715726, 5e-12);
  kernels::activation_forward(&a, &z[2], 1, 1, Activation::kSoftplus, 0.0);
  EXPECT_NEAR(a, 1.31326168752, 5e-12);
  kernels::activation_forward(&a, &z[3], 1, 1, Activation::kElu, 1.0);
  EXPECT_NEAR(a, -0.63212055883, 5e-12);
  kernels::activation_forward(&a, &z[4], 1, 1, Activation::kLeakyRelu, 0.01);
  EXPECT_DOUBLE_EQ(a, -0.02);
  kernels::activation_forward(&a, &z[4], 1, 1, Activation::kRelu, 0.0);
  EXPECT_EQ(a, 0.0);
}

TEST(Activation, SoftmaxHandComputed) {
  // softmax(0, ln 2, ln 5) = (1, 2, 5) / 8
  const double z[] = {0.0, std::log(2.0), std::log(5.0)};
  double a[3];
  kernels::activation_forward(a, z, 1, 3, Activation::kSoftmax, 0.0);
  EXPECT_NEAR(a[0], 0.125, 1e-15);
  EXPECT_NEAR(a[1], 0.25, 1e-15);
  EXPECT_NEAR(a[2], 0.625, 1e-15);
}

// Backward of every activation against central differences of forward, in double.
TEST(Activation, BackwardMatchesFiniteDifferences) {
  const std::vector<double> z = {-1.7, -0.4, 0.3, 1.2, 2.5, -0.9};  // away from the kink at 0
  const std::vector<double> da = {0.3, -1.1, 0.7, 0.2, -0.5, 0.9};
  const std::size_t N = 2, O = 3;
  for (Activation act : kAllActivations) {
    const double alpha = act == Activation::kElu ? 0.7 : activation_default_alpha(act);
    std::vector<double> a(6), dz(6);
    kernels::activation_forward(a.data(), z.data(), N, O, act, alpha);
    kernels::activation_backward(dz.data(), da.data(), z.data(), a.data(), N, O, act, alpha);
    for (std::size_t k = 0; k < 6; ++k) {
      // d/dz_k of L = sum da . f(z)
      const double h = 1e-5;
      std::vector<double> zp = z, zm = z, ap(6), am(6);
      zp[k] += h;
      zm[k] -= h;
      kernels::activation_forward(ap.data(), zp.data(), N, O, act, alpha);
      kernels::activation_forward(am.data(), zm.data(), N, O, act, alpha);
      double num = 0;
      for (std::size_t j = 0; j < 6; ++j) num += da[j] * (ap[j] - am[j]) / (2 * h);
      // central difference error O(h^2 f''') ~ 1e-10, rounding ~ 1e-16 / 1e-5 ~ 1e-11
      EXPECT_NEAR(dz[k], num, 1e-8) << activation_name(act) << " k=" << k;
    }
  }
}

template <class T>
void expect_stable_at_extremes() {
  const T big = T(1e4);
  const T z[] = {-big, big};
  for (Activation act : kAllActivations) {
    T a[2], dz[2];
    const T da[2] = {T(1), T(1)};
    const T alpha = static_cast<T>(activation_default_alpha(act));
    kernels::activation_forward(a, z, act == Activation::kSoftmax ? 1 : 2,
                                act == Activation::kSoftmax ? 2 : 1, act, alpha);
    kernels::activation_backward(dz, da, z, a, act == Activation::kSoftmax ? 1 : 2,
                                 act == Activation::kSoftmax ? 2 : 1, act, alpha);
    for (int k = 0; k < 2; ++k) {
      EXPECT_TRUE(std::isfinite(a[k])) << activation_name(act) << " a[" << k << "]";
      EXPECT_TRUE(std::isfinite(dz[k])) << activation_name(act) << " dz[" << k << "]";
    }
  }
  T s[2];
  kernels::activation_forward(s, z, 2, 1, Activation::kSigmoid, T(0));
  EXPECT_EQ(s[0], T(0));
  EXPECT_EQ(s[1], T(1));
  kernels::activation_forward(s, z, 1, 2, Activation::kSoftmax, T(0));
  EXPECT_EQ(s[0], T(0));
  EXPECT_EQ(s[1], T(1));
  kernels::activation_forward(s, z, 2, 1, Activation::kSoftplus, T(0));
  EXPECT_EQ(s[0], T(0));
  EXPECT_EQ(s[1], big);
}

TEST(Activation, StableAtPlusMinus1e4Float) { expect_stable_at_extremes<float>(); }
TEST(Activation, StableAtPlusMinus1e4Double) { expect_stable_at_extremes<double>(); }

}  // namespace
}  // namespace bp
