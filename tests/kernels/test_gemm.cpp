// sgemm against sgemm_ref: every transpose combination, awkward shapes (1, primes, one off the
// tile sizes, more than one cache block), alpha/beta, padded leading dimensions, and each
// micro-kernel (AVX-512, AVX2, generic) forced in turn.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "backprop/core/threads.hpp"
#include "kernels/gemm.hpp"

namespace {

using bp::kernels::GemmIsa;

struct Case {
  bool trans_a, trans_b;
  std::size_t M, N, K;
  float alpha, beta;
};

std::string describe(const Case& c) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "op(A)=%s op(B)=%s M=%zu N=%zu K=%zu alpha=%g beta=%g",
                c.trans_a ? "At" : "A", c.trans_b ? "Bt" : "B", c.M, c.N, c.K, double(c.alpha),
                double(c.beta));
  return buf;
}

// Row-major operands with padded rows (ld = width + pad) filled with uniform(-1, 1); the padding
// of C holds a sentinel that must survive.
struct Operands {
  std::size_t lda, ldb, ldc;
  std::vector<float> A, B, C0;
  static constexpr float kSentinel = 12345.0f;
  explicit Operands(const Case& c, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    lda = (c.trans_a ? c.M : c.K) + 3;
    ldb = (c.trans_b ? c.K : c.N) + 2;
    ldc = c.N + 5;
    A.resize((c.trans_a ? c.K : c.M) * lda);
    B.resize((c.trans_b ? c.N : c.K) * ldb);
    C0.assign(c.M * ldc, kSentinel);
    for (float& v : A) v = u(rng);
    for (float& v : B) v = u(rng);
    for (std::size_t i = 0; i < c.M; ++i)
      for (std::size_t j = 0; j < c.N; ++j)
        // beta == 0: C must not be read, so start it at NaN.
        C0[i * ldc + j] = c.beta == 0.0f ? std::numeric_limits<float>::quiet_NaN() : u(rng);
  }
  float a(const Case& c, std::size_t i, std::size_t k) const {
    return c.trans_a ? A[k * lda + i] : A[i * lda + k];
  }
  float b(const Case& c, std::size_t k, std::size_t j) const {
    return c.trans_b ? B[j * ldb + k] : B[k * ldb + j];
  }
};

// Checks `got` against sgemm_ref. Tolerance per element: both results are float sums of K
// products, each within gamma_K = K*eps of the exact sum relative to S = sum_k |a_ik b_kj|
// (Higham, "Accuracy and Stability of Numerical Algorithms", 3.1); the final alpha*acc + beta*c
// adds a few roundings more. So |got - want| <= (2K + 4) * eps * (|alpha| S + |beta c0|).
// This is the worst case; typical errors are ~sqrt(K) times smaller.
void expect_matches_ref(const Case& c, const Operands& op, const std::vector<float>& got) {
  std::vector<float> want = op.C0;
  bp::kernels::sgemm_ref(c.trans_a, c.trans_b, c.M, c.N, c.K, c.alpha, op.A.data(), op.lda,
                         op.B.data(), op.ldb, c.beta, want.data(), op.ldc);
  const double eps = std::numeric_limits<float>::epsilon();
  int failures = 0;
  for (std::size_t i = 0; i < c.M; ++i) {
    for (std::size_t j = 0; j < op.ldc; ++j) {
      const std::size_t idx = i * op.ldc + j;
      if (j >= c.N) {  // padding of C: untouched
        if (got[idx] != Operands::kSentinel && ++failures <= 5)
          ADD_FAILURE() << describe(c) << ": C padding [" << i << "][" << j << "] overwritten with "
                        << got[idx];
        continue;
      }
      double s = 0;
      for (std::size_t k = 0; k < c.K; ++k) s += std::abs(double(op.a(c, i, k)) * op.b(c, k, j));
      const double c0 = c.beta == 0.0f ? 0.0 : std::abs(double(c.beta) * op.C0[idx]);
      const double tol = double(2 * c.K + 4) * eps * (std::abs(double(c.alpha)) * s + c0);
      const double diff = std::abs(double(got[idx]) - double(want[idx]));
      if (!(diff <= tol) && ++failures <= 5)
        ADD_FAILURE() << describe(c) << ": C[" << i << "][" << j << "]: got " << got[idx]
                      << " want " << want[idx] << " (|diff| " << diff << " > tol " << tol << ")";
    }
  }
  if (failures > 5) ADD_FAILURE() << describe(c) << ": " << failures << " mismatches in all";
}

constexpr std::size_t kSizes[] = {1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 255, 300};
constexpr std::size_t kNumSizes = std::size(kSizes);
constexpr std::pair<float, float> kAlphaBeta[] = {{1.0f, 0.0f},  {0.5f, 1.0f}, {1.0f, -0.5f},
                                                  {0.5f, 0.0f},  {1.0f, 1.0f}, {0.5f, -0.5f}};

// (M, N, K) triples: every size in every position (three shifted walks through kSizes), plus
// the W2 shapes and blocks past MC (144), KC (256) and NC (1024).
std::vector<std::tuple<std::size_t, std::size_t, std::size_t>> shapes() {
  std::vector<std::tuple<std::size_t, std::size_t, std::size_t>> s;
  for (std::size_t t = 0; t < kNumSizes; ++t)
    s.emplace_back(kSizes[t], kSizes[(t + 5) % kNumSizes], kSizes[(t + 11) % kNumSizes]);
  s.emplace_back(128, 256, 784);
  s.emplace_back(128, 10, 128);
  s.emplace_back(10, 128, 128);
  s.emplace_back(33, 2100, 5);
  s.emplace_back(300, 17, 600);
  return s;
}

class GemmIsaTest : public ::testing::TestWithParam<GemmIsa> {
 protected:
  void SetUp() override {
    if (!bp::kernels::gemm_isa_supported(GetParam()))
      GTEST_SKIP() << "this CPU (or build) has no " << bp::kernels::gemm_isa_name(GetParam());
  }
};

// One test per transpose combination, so a failure names it.
void run_all_shapes(GemmIsa isa, bool trans_a, bool trans_b) {
  const auto all = shapes();
  for (std::size_t s = 0; s < all.size(); ++s) {
    const auto [M, N, K] = all[s];
    const auto [alpha, beta] = kAlphaBeta[(s + 2 * std::size_t(trans_a) + std::size_t(trans_b)) % std::size(kAlphaBeta)];
    const Case c{trans_a, trans_b, M, N, K, alpha, beta};
    const Operands op(c, static_cast<unsigned>(s + 1));
    std::vector<float> got = op.C0;
    bp::kernels::sgemm_with(isa, trans_a, trans_b, M, N, K, alpha, op.A.data(), op.lda,
                            op.B.data(), op.ldb, beta, got.data(), op.ldc);
    expect_matches_ref(c, op, got);
  }
}

TEST_P(GemmIsaTest, NoTransNoTrans) { run_all_shapes(GetParam(), false, false); }
TEST_P(GemmIsaTest, NoTransTrans) { run_all_shapes(GetParam(), false, true); }
TEST_P(GemmIsaTest, TransNoTrans) { run_all_shapes(GetParam(), true, false); }
TEST_P(GemmIsaTest, TransTrans) { run_all_shapes(GetParam(), true, true); }

// Every alpha/beta pair on one shape with edge tiles in both directions.
TEST_P(GemmIsaTest, AlphaBeta) {
  for (const auto& [alpha, beta] : kAlphaBeta)
    for (bool ta : {false, true}) {
      const Case c{ta, !ta, 65, 33, 17, alpha, beta};
      const Operands op(c, 7);
      std::vector<float> got = op.C0;
      bp::kernels::sgemm_with(GetParam(), ta, !ta, c.M, c.N, c.K, alpha, op.A.data(), op.lda,
                              op.B.data(), op.ldb, beta, got.data(), op.ldc);
      expect_matches_ref(c, op, got);
    }
}

// Sets bp::num_threads() (the size of the pool sgemm runs on) for one scope.
struct ScopedThreads {
  std::size_t saved = bp::num_threads();
  explicit ScopedThreads(std::size_t n) { bp::set_num_threads(n); }
  ~ScopedThreads() { bp::set_num_threads(saved); }
};

// sgemm_bias against sgemm_bias_ref (within the rounding bound), and bit-identical to the path it
// replaces: the bias written into C, then sgemm with beta = 1. Shapes with edge tiles, one K
// block and several (K > 256), and the W2 forward products.
TEST_P(GemmIsaTest, BiasInStore) {
  const std::tuple<std::size_t, std::size_t, std::size_t> shapes_mnk[] = {
      {1, 1, 1}, {3, 17, 5}, {13, 33, 300}, {128, 256, 784}, {128, 10, 128}, {97, 65, 513}, {5, 3, 0}};
  for (bool ta : {false, true})
    for (const auto& [M, N, K] : shapes_mnk) {
      const Case c{ta, true, M, N, K, 1.0f, 1.0f};  // beta = 1: C0 holds the broadcast bias below
      Operands op(c, 11);
      std::mt19937 rng(5);
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      std::vector<float> bias(N);
      for (float& b : bias) b = u(rng);
      for (std::size_t i = 0; i < M; ++i)
        for (std::size_t j = 0; j < N; ++j) op.C0[i * op.ldc + j] = bias[j];
      std::vector<float> old_path = op.C0;
      bp::kernels::sgemm_with(GetParam(), ta, true, M, N, K, 1.0f, op.A.data(), op.lda, op.B.data(),
                              op.ldb, 1.0f, old_path.data(), op.ldc);
      std::vector<float> got(op.C0.size(), Operands::kSentinel);
      for (std::size_t i = 0; i < M; ++i)  // C is not read: start from NaN
        for (std::size_t j = 0; j < N; ++j) got[i * op.ldc + j] = std::numeric_limits<float>::quiet_NaN();
      bp::kernels::sgemm_bias_with(GetParam(), ta, true, M, N, K, op.A.data(), op.lda, op.B.data(),
                                   op.ldb, bias.data(), got.data(), op.ldc);
      expect_matches_ref(c, op, got);  // the reference with beta = 1 on the broadcast bias
      std::vector<float> ref(op.C0.size(), Operands::kSentinel);
      bp::kernels::sgemm_bias_ref(ta, true, M, N, K, op.A.data(), op.lda, op.B.data(), op.ldb,
                                  bias.data(), ref.data(), op.ldc);
      expect_matches_ref(c, op, ref);
      for (std::size_t k = 0; k < got.size(); ++k)
        ASSERT_EQ(got[k], old_path[k]) << describe(c) << " at C[" << k / op.ldc << "][" << k % op.ldc << "]";
    }
}

// Threads split C in whole tiles, so the result is bit-identical to one thread, with the pool
// larger than, equal to and smaller than the number of parts asked for.
TEST_P(GemmIsaTest, ThreadsBitIdentical) {
  for (std::size_t pool : {std::size_t{1}, std::size_t{2}, std::size_t{4}}) {
    ScopedThreads scoped(pool);
    for (const auto& [M, N, K] : {std::tuple<std::size_t, std::size_t, std::size_t>{128, 784, 256},
                                  {300, 10, 129}, {7, 2100, 33}}) {
      const Case c{false, true, M, N, K, 1.0f, 0.5f};
      const Operands op(c, 3);
      std::vector<float> one = op.C0;
      bp::kernels::sgemm_with(GetParam(), false, true, M, N, K, 1.0f, op.A.data(), op.lda,
                              op.B.data(), op.ldb, 0.5f, one.data(), op.ldc, 1);
      for (std::size_t threads : {std::size_t{2}, std::size_t{3}}) {
        std::vector<float> many = op.C0;
        bp::kernels::sgemm_with(GetParam(), false, true, M, N, K, 1.0f, op.A.data(), op.lda,
                                op.B.data(), op.ldb, 0.5f, many.data(), op.ldc, threads);
        for (std::size_t k = 0; k < one.size(); ++k)
          ASSERT_EQ(one[k], many[k]) << describe(c) << " threads=" << threads << " pool=" << pool
                                     << " at C[" << k / op.ldc << "][" << k % op.ldc << "]";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Gemm, GemmIsaTest,
                         ::testing::Values(GemmIsa::kAvx512, GemmIsa::kAvx2, GemmIsa::kGeneric),
                         [](const ::testing::TestParamInfo<GemmIsa>& p) {
                           return std::string(bp::kernels::gemm_isa_name(p.param));
                         });

// K == 0 and alpha == 0: C = beta*C, and A, B are not read (null here).
TEST(Gemm, EmptySum) {
  std::vector<float> c = {1, 2, 3, 4};
  bp::kernels::sgemm(false, false, 2, 2, 0, 1.0f, nullptr, 1, nullptr, 2, -0.5f, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{-0.5f, -1.0f, -1.5f, -2.0f}));
  bp::kernels::sgemm(false, false, 2, 2, 3, 0.0f, nullptr, 3, nullptr, 2, 0.0f, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{0, 0, 0, 0}));
}

// Hand-computed: A = [[1,2],[3,4]], B = [[5,6],[7,8]]; A·B = [[19,22],[43,50]];
// Aᵀ·B = [[1*5+3*7, 1*6+3*8],[2*5+4*7, 2*6+4*8]] = [[26,30],[38,44]].
TEST(Gemm, HandComputed) {
  const std::vector<float> a = {1, 2, 3, 4}, b = {5, 6, 7, 8};
  std::vector<float> c(4);
  bp::kernels::sgemm(false, false, 2, 2, 2, 1.0f, a.data(), 2, b.data(), 2, 0.0f, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{19, 22, 43, 50}));
  bp::kernels::sgemm(true, false, 2, 2, 2, 1.0f, a.data(), 2, b.data(), 2, 0.0f, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{26, 30, 38, 44}));
}

}  // namespace
