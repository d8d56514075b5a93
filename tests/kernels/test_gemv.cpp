// The batch-1 kernels (src/kernels/gemv.cpp) against their reference loops: awkward widths (1,
// primes, one off the vector widths 8 and 16, W2's 784), row counts that are not multiples of the
// 4-row passes, each instruction set forced in turn; and the reference loops against the dense
// kernels' references, bit for bit, since the exact double path relies on that.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/dense.hpp"
#include "kernels/gemv.hpp"

namespace {

using bp::kernels::GemmIsa;

constexpr std::size_t kWidths[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 255, 257, 784};
constexpr std::size_t kRows[] = {1, 3, 4, 5, 9, 17, 33};
constexpr GemmIsa kIsas[] = {GemmIsa::kAvx512, GemmIsa::kAvx2, GemmIsa::kGeneric};
constexpr float kEps = std::numeric_limits<float>::epsilon();

std::vector<float> uniform(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

std::string where(GemmIsa isa, std::size_t I, std::size_t O) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "isa=%s I=%zu O=%zu", bp::kernels::gemm_isa_name(isa), I, O);
  return buf;
}

// |got - want| <= tol, where tol = 2 · (terms + 1) · eps_float · mag: a sum of `terms` products
// computed in another order (and with FMA) differs from the in-order float sum by at most about
// terms · eps · sum |products| (Higham, "Accuracy and Stability of Numerical Algorithms", 3.1);
// the factor 2 covers both sides' rounding.
void expect_near_sum(const char* name, std::size_t k, float got, float want, std::size_t terms,
                     double mag, const std::string& ctx) {
  const double tol = 2.0 * double(terms + 1) * double(kEps) * mag;
  EXPECT_LE(std::abs(double(got) - double(want)), tol)
      << name << "[" << k << "]: got " << got << " want " << want << " (|diff| "
      << std::abs(double(got) - double(want)) << " > tol " << tol << "), " << ctx;
}

TEST(Gemv, ForwardMatchesReference) {
  for (GemmIsa isa : kIsas) {
    if (!bp::kernels::gemm_isa_supported(isa)) continue;
    for (std::size_t I : kWidths)
      for (std::size_t O : kRows)
        for (bool with_bias : {true, false}) {
          // w starts `off` floats into its buffer: the kernels peel a head up to the vector
          // alignment of w, so the head lengths 0, 1 and 3 floats all run.
          const std::size_t off = (I + O + (with_bias ? 1 : 0)) % 4;
          const auto w_buf = uniform(O * I + off, 1), x = uniform(I, 2), b = uniform(O, 3);
          const std::vector<float> w(w_buf.begin() + static_cast<std::ptrdiff_t>(off), w_buf.end());
          const float* bias = with_bias ? b.data() : nullptr;
          std::vector<float> got(O, std::nanf("")), want(O);
          bp::kernels::gemv_forward_with(isa, got.data(), x.data(), w_buf.data() + off, bias, I, O);
          bp::kernels::gemv_forward_ref(want.data(), x.data(), w.data(), bias, I, O);
          for (std::size_t o = 0; o < O; ++o) {
            double mag = with_bias ? std::abs(b[o]) : 0.0;
            for (std::size_t i = 0; i < I; ++i) mag += std::abs(double(w[o * I + i]) * x[i]);
            expect_near_sum("z", o, got[o], want[o], I, mag, where(isa, I, O));
          }
        }
  }
}

TEST(Gemv, BackwardInputMatchesReference) {
  for (GemmIsa isa : kIsas) {
    if (!bp::kernels::gemm_isa_supported(isa)) continue;
    for (std::size_t I : kWidths)
      for (std::size_t O : kRows) {
        const auto w = uniform(O * I, 4), dz = uniform(O, 5);
        std::vector<float> got(I, std::nanf("")), want(I);  // overwritten, never read
        bp::kernels::gemv_backward_input_with(isa, got.data(), dz.data(), w.data(), I, O);
        bp::kernels::gemv_backward_input_ref(want.data(), dz.data(), w.data(), I, O);
        for (std::size_t i = 0; i < I; ++i) {
          double mag = 0;
          for (std::size_t o = 0; o < O; ++o) mag += std::abs(double(dz[o]) * w[o * I + i]);
          expect_near_sum("dx", i, got[i], want[i], O, mag, where(isa, I, O));
        }
      }
  }
}

TEST(Gemv, GerAccumulatesLikeReference) {
  for (GemmIsa isa : kIsas) {
    if (!bp::kernels::gemm_isa_supported(isa)) continue;
    for (std::size_t I : kWidths)
      for (std::size_t O : kRows) {
        const auto dz = uniform(O, 6), x = uniform(I, 7), dw0 = uniform(O * I, 8);
        std::vector<float> got = dw0, want = dw0;
        bp::kernels::ger_with(isa, got.data(), dz.data(), x.data(), I, O);
        bp::kernels::ger_ref(want.data(), dz.data(), x.data(), I, O);
        // One product and one add per element: FMA rounds once where the reference rounds twice.
        for (std::size_t k = 0; k < O * I; ++k)
          expect_near_sum("dw", k, got[k], want[k], 1,
                          std::abs(dw0[k]) + std::abs(double(dz[k / I]) * x[k % I]),
                          where(isa, I, O));
      }
  }
}

TEST(Gemv, FusedSgdUpdateMatchesReferenceAndUsesTheOldWeightsForDx) {
  const float lr = 0.37f;
  for (GemmIsa isa : kIsas) {
    if (!bp::kernels::gemm_isa_supported(isa)) continue;
    for (std::size_t I : kWidths)
      for (std::size_t O : kRows)
        for (bool with_dx : {true, false}) {
          const auto w0 = uniform(O * I, 9), dz = uniform(O, 10), x = uniform(I, 11);
          const std::size_t off = (I + O + (with_dx ? 1 : 0)) % 4;  // as in the forward test
          std::vector<float> w_buf(off, -7.0f), w_want = w0, dx_got(I, std::nanf("")), dx_want(I);
          w_buf.insert(w_buf.end(), w0.begin(), w0.end());
          w_buf.push_back(-7.0f);  // a sentinel past the end: the masked tail must not write it
          bp::kernels::gemv_sgd_update_with(isa, with_dx ? dx_got.data() : nullptr,
                                            w_buf.data() + off, dz.data(), x.data(), lr, I, O);
          const std::vector<float> w_got(w_buf.begin() + static_cast<std::ptrdiff_t>(off),
                                         w_buf.end() - 1);
          EXPECT_EQ(w_buf.back(), -7.0f) << where(isa, I, O);
          for (std::size_t k = 0; k < off; ++k) EXPECT_EQ(w_buf[k], -7.0f) << where(isa, I, O);
          // The unfused meaning: dx from the old weights, then w -= lr · dz xᵀ.
          bp::kernels::gemv_backward_input_ref(dx_want.data(), dz.data(), w0.data(), I, O);
          for (std::size_t o = 0; o < O; ++o)
            for (std::size_t i = 0; i < I; ++i) w_want[o * I + i] -= lr * (dz[o] * x[i]);
          for (std::size_t k = 0; k < O * I; ++k)
            expect_near_sum("w", k, w_got[k], w_want[k], 2,
                            std::abs(w0[k]) + std::abs(double(lr) * dz[k / I] * x[k % I]),
                            where(isa, I, O));
          if (!with_dx) continue;
          for (std::size_t i = 0; i < I; ++i) {
            double mag = 0;
            for (std::size_t o = 0; o < O; ++o) mag += std::abs(double(dz[o]) * w0[o * I + i]);
            expect_near_sum("dx", i, dx_got[i], dx_want[i], O, mag, where(isa, I, O));
          }
        }
  }
}

// The exact double path (sgd_step at batch 1, the seed) runs the gemv references where the
// general path runs the dense references: they must agree to the bit.
TEST(Gemv, ReferencesEqualTheDenseReferencesBitForBit) {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> u(-1, 1);
  for (std::size_t I : {std::size_t{1}, std::size_t{2}, std::size_t{5}, std::size_t{17}})
    for (std::size_t O : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{8}}) {
      std::vector<double> w(O * I), x(I), b(O), dz(O);
      for (auto* v : {&w, &x, &b, &dz})
        for (double& e : *v) e = u(rng);
      std::vector<double> z1(O), z2(O);
      bp::kernels::gemv_forward_ref(z1.data(), x.data(), w.data(), b.data(), I, O);
      bp::kernels::dense_forward_ref(z2.data(), x.data(), w.data(), b.data(), 1, I, O);
      EXPECT_EQ(z1, z2) << "forward I=" << I << " O=" << O;
      std::vector<double> dx1(I), dx2(I), dw(O * I, 0.0), db(O, 0.0);
      bp::kernels::gemv_backward_input_ref(dx1.data(), dz.data(), w.data(), I, O);
      bp::kernels::dense_backward_ref(dx2.data(), dw.data(), db.data(), dz.data(), x.data(),
                                      w.data(), 1, I, O);
      EXPECT_EQ(dx1, dx2) << "dx I=" << I << " O=" << O;
      // Fused update == zeroed gradient, dense_backward_ref, then w -= lr · dw.
      const double lr = 0.5;
      std::vector<double> w_fused = w, w_plain = w, dx3(I);
      bp::kernels::gemv_sgd_update_ref(dx3.data(), w_fused.data(), dz.data(), x.data(), lr, I, O);
      for (std::size_t k = 0; k < O * I; ++k) w_plain[k] -= lr * dw[k];
      EXPECT_EQ(w_fused, w_plain) << "update I=" << I << " O=" << O;
      EXPECT_EQ(dx3, dx2) << "fused dx I=" << I << " O=" << O;
    }
}

}  // namespace
