// Dense kernels: hand-computed values, and the BLAS path against the reference loops on awkward
// shapes (1, 3, 17, primes, sizes straddling the BLAS threshold).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "backprop/nn/dense.hpp"
#include "backprop/core/error.hpp"
#include "kernels/dense.hpp"

namespace bp {
namespace {

TEST(DenseKernel, ForwardHandComputed) {
  // w = [[1,2],[3,4],[5,6]] (O=3, I=2), bias = [0.5,-1,0], x = [[1,-1]]
  // z = [1-2+0.5, 3-4-1, 5-6+0] = [-0.5, -2, -1]
  const double w[] = {1, 2, 3, 4, 5, 6}, b[] = {0.5, -1, 0}, x[] = {1, -1};
  double z[3];
  kernels::dense_forward(z, x, w, b, 1, 2, 3);
  EXPECT_EQ(z[0], -0.5);
  EXPECT_EQ(z[1], -2.0);
  EXPECT_EQ(z[2], -1.0);
}

TEST(DenseKernel, BackwardHandComputed) {
  // dz = [[1, 0, -1]], x = [[1, -1]]: dw = dzᵀ x = [[1,-1],[0,0],[-1,1]], db = [1,0,-1],
  // dx = dz w = [1*1 + 0*3 - 1*5, 1*2 + 0*4 - 1*6] = [-4, -4]
  const double w[] = {1, 2, 3, 4, 5, 6}, x[] = {1, -1}, dz[] = {1, 0, -1};
  double dw[6] = {}, db[3] = {}, dx[2];
  kernels::dense_backward(dx, dw, db, dz, x, w, 1, 2, 3);
  const double want_dw[] = {1, -1, 0, 0, -1, 1};
  for (int k = 0; k < 6; ++k) EXPECT_EQ(dw[k], want_dw[k]);
  EXPECT_EQ(db[0], 1.0);
  EXPECT_EQ(db[2], -1.0);
  EXPECT_EQ(dx[0], -4.0);
  EXPECT_EQ(dx[1], -4.0);
}

template <class T>
void compare_fast_and_reference(std::size_t N, std::size_t I, std::size_t O) {
  std::mt19937_64 rng(N * 1000003 + I * 1009 + O);
  std::uniform_real_distribution<double> u(-1, 1);
  auto fill = [&](std::vector<T>& v) { for (auto& e : v) e = static_cast<T>(u(rng)); };
  std::vector<T> x(N * I), w(O * I), b(O), dz(N * O);
  fill(x), fill(w), fill(b), fill(dz);
  std::vector<T> z1(N * O), z2(N * O);
  kernels::dense_forward(z1.data(), x.data(), w.data(), b.data(), N, I, O);
  kernels::dense_forward_ref(z2.data(), x.data(), w.data(), b.data(), N, I, O);
  std::vector<T> dw1(O * I, T(0.5)), dw2(O * I, T(0.5)), db1(O, T(1)), db2(O, T(1)), dx1(N * I), dx2(N * I);
  kernels::dense_backward(dx1.data(), dw1.data(), db1.data(), dz.data(), x.data(), w.data(), N, I, O);
  kernels::dense_backward_ref(dx2.data(), dw2.data(), db2.data(), dz.data(), x.data(), w.data(), N, I, O);
  // Sums of K products of values in [-1, 1] in another order: |diff| <= K * eps * 2 (rounding of
  // each partial sum, both sides), and we allow a factor 4 on top of that.
  const double eps = std::numeric_limits<T>::epsilon();
  auto check = [&](const std::vector<T>& a, const std::vector<T>& b2, std::size_t K, const char* name) {
    for (std::size_t k = 0; k < a.size(); ++k)
      ASSERT_NEAR(double(a[k]), double(b2[k]), 8 * double(K + 1) * eps)
          << name << "[" << k << "] N=" << N << " I=" << I << " O=" << O;
  };
  check(z1, z2, I, "z");
  check(dw1, dw2, N, "dw");
  check(db1, db2, N, "db");
  check(dx1, dx2, O, "dx");
}

TEST(DenseKernel, BlasMatchesReferenceOnAwkwardShapes) {
  const std::size_t sizes[] = {1, 3, 17, 31, 64, 127};
  for (std::size_t N : sizes)
    for (std::size_t I : sizes)
      for (std::size_t O : {std::size_t{1}, std::size_t{10}, std::size_t{33}}) {
        compare_fast_and_reference<float>(N, I, O);
        compare_fast_and_reference<double>(N, I, O);
      }
}

TEST(DenseLayer, ZeroWidthIsAUsageError) {
  EXPECT_THROW(Dense<float>({.in = 0, .out = 3}), UsageError);
  EXPECT_THROW(Dense<float>({.in = 3, .out = 0}), UsageError);
}

TEST(DenseLayer, InputOfTheWrongWidthNamesBothWidths) {
  Dense<double> d({.in = 3, .out = 2});
  Matrix<double> x(4, 5), a;
  try {
    d.forward(x, a, {});
    FAIL();
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("5"), std::string::npos) << m;
    EXPECT_NE(m.find("expected 3"), std::string::npos) << m;
  }
}

TEST(DenseLayer, FrozenBiasGetsNoGradient) {
  Dense<double> d({.in = 2, .out = 2, .activation = Activation::kSigmoid, .train_bias = false});
  const Matrix<double> x(1, 2, {0.05, 0.1}), dz(1, 2, {1.0, 2.0});
  d.backward_z(x, dz, nullptr);
  EXPECT_EQ(d.bias().grad[0], 0.0);
  EXPECT_EQ(d.weights().grad[0], 0.05);  // dz_0 * x_0
}

}  // namespace
}  // namespace bp
