// Batch-norm kernels (src/kernels/batchnorm.cpp): a hand-derived case, finite-difference gradient
// checks in double for both modes, bit-identical results at any thread count, and PyTorch's values
// (F.batch_norm in training and eval mode, running statistics included; tests/reference/).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/batchnorm.hpp"
#include "testing/cnn_util.hpp"
#include "reference/conv_reference.inc"

namespace {

using bp::test::random_vec;

struct BnShape {
  std::size_t N, C, HW;
  std::size_t size() const { return N * C * HW; }
  std::string describe() const {
    return "N=" + std::to_string(N) + " C=" + std::to_string(C) + " HW=" + std::to_string(HW);
  }
};

// 1-D (HW = 1) and 2-D inputs, batch 1 with a spatial extent, one channel, channels not a
// multiple of 8.
const BnShape kShapes[] = {{2, 3, 1}, {7, 5, 1}, {1, 5, 7}, {3, 1, 9}, {4, 9, 5}, {2, 3, 12}};

// x = [1, 3] in one channel, eps = 0, momentum = 1: mean 2, biased variance 1, so y = [-1, 1];
// the running mean becomes 2 and the running variance the unbiased 2. With gamma = 3, beta = 0.5:
// y = [-2.5, 3.5]. Backward of dy = [1, 0]: sum dy = 1, sum dy xhat = -1, so
// dx = 3 * 1 * ([1, 0] - 1/2 - [-1, 1] * (-1)/2) = 3 * ([0.5, -0.5] + [-0.5, 0.5]) = [0, 0].
TEST(BatchNorm, HandDerived) {
  const std::vector<double> x = {1, 3}, gamma = {3}, beta = {0.5}, dy = {1, 0};
  std::vector<double> y(2), mean(1), invstd(1), rm = {10}, rv = {10}, dx(2, 9.0), dg = {0}, db = {0};
  bp::kernels::batchnorm_forward_train(y.data(), mean.data(), invstd.data(), rm.data(), rv.data(), x.data(),
                                       gamma.data(), beta.data(), 2, 1, 1, 1.0, 0.0);
  EXPECT_EQ(y, (std::vector<double>{-2.5, 3.5}));
  EXPECT_EQ(mean[0], 2.0);
  EXPECT_EQ(invstd[0], 1.0);
  EXPECT_EQ(rm[0], 2.0);
  EXPECT_EQ(rv[0], 2.0);
  bp::kernels::batchnorm_backward_train(dx.data(), dg.data(), db.data(), dy.data(), x.data(), gamma.data(),
                                        mean.data(), invstd.data(), 2, 1, 1);
  EXPECT_EQ(dx, (std::vector<double>{0, 0}));
  EXPECT_EQ(dg[0], -1.0);
  EXPECT_EQ(db[0], 1.0);
}

double* const kNoStats = nullptr;  // running statistics not tracked

// dx, dgamma, dbeta of both modes against finite differences of L = sum r * y. x is a shuffled
// ramp on [-2, 3): with M = 2 a channel's standard deviation is half the distance of its two
// values, and two random values 0.01 apart would put the stencil's h = 1e-3 on the curve's own scale.
TEST(BatchNorm, GradcheckDouble) {
  for (const BnShape& s : kShapes) {
    std::vector<double> x(s.size());
    for (std::size_t k = 0; k < x.size(); ++k) x[k] = -2.0 + 5.0 * double(k) / double(x.size());
    std::shuffle(x.begin(), x.end(), std::mt19937(unsigned(s.size())));
    auto gamma = random_vec<double>(s.C, 2, 0.5, 2.0), beta = random_vec<double>(s.C, 3);
    const auto rm = random_vec<double>(s.C, 4), rv = random_vec<double>(s.C, 5, 0.5, 2.0);
    const auto r = random_vec<double>(s.size(), 6);
    const double eps = 1e-5;
    std::vector<double> y(s.size()), mean(s.C), invstd(s.C), dx(s.size()), dg(s.C, 0.0), db(s.C, 0.0);
    bp::kernels::batchnorm_forward_train(y.data(), mean.data(), invstd.data(), kNoStats,
                                         kNoStats, x.data(), gamma.data(), beta.data(), s.N, s.C,
                                         s.HW, 0.1, eps);
    bp::kernels::batchnorm_backward_train(dx.data(), dg.data(), db.data(), r.data(), x.data(), gamma.data(),
                                          mean.data(), invstd.data(), s.N, s.C, s.HW);
    auto train_loss = [&] {
      std::vector<double> m(s.C), is(s.C);
      bp::kernels::batchnorm_forward_train(y.data(), m.data(), is.data(), kNoStats, kNoStats,
                                           x.data(), gamma.data(), beta.data(), s.N, s.C, s.HW, 0.1, eps);
      return bp::test::dot(r, y);
    };
    if (s.N * s.HW > 1) {
      EXPECT_LE(bp::test::worst_rel_err(dx, bp::test::numeric_grad(x, train_loss)), 1e-6) << "train dx " << s.describe();
      EXPECT_LE(bp::test::worst_rel_err(dg, bp::test::numeric_grad(gamma, train_loss)), 1e-6) << "train dgamma " << s.describe();
      EXPECT_LE(bp::test::worst_rel_err(db, bp::test::numeric_grad(beta, train_loss)), 1e-6) << "train dbeta " << s.describe();
    }
    std::fill(dg.begin(), dg.end(), 0.0);
    std::fill(db.begin(), db.end(), 0.0);
    bp::kernels::batchnorm_backward_eval(dx.data(), dg.data(), db.data(), r.data(), x.data(), gamma.data(),
                                         rm.data(), rv.data(), s.N, s.C, s.HW, eps);
    auto eval_loss = [&] {
      bp::kernels::batchnorm_forward_eval(y.data(), x.data(), gamma.data(), beta.data(), rm.data(), rv.data(),
                                          s.N, s.C, s.HW, eps);
      return bp::test::dot(r, y);
    };
    EXPECT_LE(bp::test::worst_rel_err(dx, bp::test::numeric_grad(x, eval_loss)), 1e-6) << "eval dx " << s.describe();
    EXPECT_LE(bp::test::worst_rel_err(dg, bp::test::numeric_grad(gamma, eval_loss)), 1e-6) << "eval dgamma " << s.describe();
    EXPECT_LE(bp::test::worst_rel_err(db, bp::test::numeric_grad(beta, eval_loss)), 1e-6) << "eval dbeta " << s.describe();
  }
}

// Every kernel at 2 and 3 threads gives the bits of 1 thread (pool of 4), float.
TEST(BatchNorm, ThreadsBitIdentical) {
  bp::test::ScopedThreads pool(4);
  for (const BnShape& s : kShapes) {
    const auto x = random_vec<float>(s.size(), 1, -2.0, 3.0), dy = random_vec<float>(s.size(), 2);
    const auto gamma = random_vec<float>(s.C, 3, 0.5, 2.0), beta = random_vec<float>(s.C, 4);
    auto run = [&](std::size_t threads) {
      std::vector<float> y(s.size()), mean(s.C), invstd(s.C), rm(s.C, 0.5f), rv(s.C, 2.0f);
      std::vector<float> dx(s.size()), dg(s.C, 1.0f), db(s.C, -1.0f), ye(s.size()), dxe(s.size());
      bp::kernels::batchnorm_forward_train(y.data(), mean.data(), invstd.data(), rm.data(), rv.data(), x.data(),
                                           gamma.data(), beta.data(), s.N, s.C, s.HW, 0.1f, 1e-5f, threads);
      bp::kernels::batchnorm_backward_train(dx.data(), dg.data(), db.data(), dy.data(), x.data(), gamma.data(),
                                            mean.data(), invstd.data(), s.N, s.C, s.HW, threads);
      bp::kernels::batchnorm_forward_eval(ye.data(), x.data(), gamma.data(), beta.data(), rm.data(), rv.data(),
                                          s.N, s.C, s.HW, 1e-5f, threads);
      bp::kernels::batchnorm_backward_eval(dxe.data(), dg.data(), db.data(), dy.data(), x.data(), gamma.data(),
                                           rm.data(), rv.data(), s.N, s.C, s.HW, 1e-5f, threads);
      return std::vector<std::vector<float>>{y, mean, invstd, rm, rv, dx, dg, db, ye, dxe};
    };
    const auto one = run(1);
    for (std::size_t threads : {std::size_t{2}, std::size_t{3}}) {
      const auto many = run(threads);
      for (std::size_t k = 0; k < one.size(); ++k)
        EXPECT_TRUE(bp::test::same_bits(one[k], many[k])) << "output " << k << " at " << threads << " threads, "
                                                          << s.describe();
    }
  }
}

template <class T>
void expect_all_near(const std::vector<T>& got, const double* want, double tol, const std::string& what) {
  for (std::size_t k = 0; k < got.size(); ++k)
    ASSERT_NEAR(double(got[k]), want[k], tol * (1 + std::abs(want[k]))) << what << "[" << k << "]";
}

// F.batch_norm's outputs, input and parameter gradients and updated running statistics, in
// training and eval mode, with and without affine parameters.
template <class T>
void check_torch(double tol) {
  for (const auto& c : bp::ref::kBnCases) {
    const std::size_t n = c.N * c.C * c.HW;
    const std::string l = c.label;
    const auto x = bp::test::convert<T>(c.x, n), dy = bp::test::convert<T>(c.dy, n);
    const auto gamma = c.gamma ? bp::test::convert<T>(c.gamma, c.C) : std::vector<T>();
    const auto beta = c.beta ? bp::test::convert<T>(c.beta, c.C) : std::vector<T>();
    const T* g = c.gamma ? gamma.data() : nullptr;
    const T* b = c.beta ? beta.data() : nullptr;
    auto rm = bp::test::convert<T>(c.rm, c.C), rv = bp::test::convert<T>(c.rv, c.C);
    const auto rm0 = rm, rv0 = rv;
    std::vector<T> y(n), mean(c.C), invstd(c.C), dx(n), dg(c.C, T(0)), db(c.C, T(0));
    bp::kernels::batchnorm_forward_train(y.data(), mean.data(), invstd.data(), rm.data(), rv.data(), x.data(), g, b,
                                         c.N, c.C, c.HW, T(c.momentum), T(c.eps), 2);
    bp::kernels::batchnorm_backward_train(dx.data(), c.gamma ? dg.data() : nullptr, c.beta ? db.data() : nullptr,
                                          dy.data(), x.data(), g, mean.data(), invstd.data(), c.N, c.C, c.HW, 2);
    expect_all_near(y, c.train_y, tol, l + " train y");
    expect_all_near(rm, c.train_rm, tol, l + " running_mean");
    expect_all_near(rv, c.train_rv, tol, l + " running_var");
    expect_all_near(dx, c.train_dx, tol, l + " train dx");
    if (c.gamma) expect_all_near(dg, c.train_dgamma, tol, l + " train dgamma");
    if (c.beta) expect_all_near(db, c.train_dbeta, tol, l + " train dbeta");
    std::fill(dg.begin(), dg.end(), T(0));
    std::fill(db.begin(), db.end(), T(0));
    bp::kernels::batchnorm_forward_eval(y.data(), x.data(), g, b, rm0.data(), rv0.data(), c.N, c.C, c.HW, T(c.eps), 2);
    bp::kernels::batchnorm_backward_eval(dx.data(), c.gamma ? dg.data() : nullptr, c.beta ? db.data() : nullptr,
                                         dy.data(), x.data(), g, rm0.data(), rv0.data(), c.N, c.C, c.HW, T(c.eps), 2);
    expect_all_near(y, c.eval_y, tol, l + " eval y");
    expect_all_near(dx, c.eval_dx, tol, l + " eval dx");
    if (c.gamma) expect_all_near(dg, c.eval_dgamma, tol, l + " eval dgamma");
    if (c.beta) expect_all_near(db, c.eval_dbeta, tol, l + " eval dbeta");
  }
}

TEST(BatchNorm, MatchesTorchDouble) { check_torch<double>(1e-12); }
TEST(BatchNorm, MatchesTorchFloat) { check_torch<float>(2e-5); }

}  // namespace
