// Batch preparation kernels (src/kernels/scale.cpp) against their references, bit for bit, with
// each instruction set forced in turn: awkward widths (tails of the 8-wide loop), byte data as
// Fashion-MNIST has it, random offsets and scales, and the values where multiplying by 1/scale
// would round differently from dividing (exact halfway points between two floats, subnormal,
// infinite and NaN results, scales whose reciprocal is not a normal double).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "backprop/core/threads.hpp"
#include "kernels/scale.hpp"

namespace {

using bp::kernels::ScaleIsa;

std::string isa_name(ScaleIsa isa) { return isa == ScaleIsa::kAvx512 ? "avx512" : "generic"; }

class ScaleIsaTest : public ::testing::TestWithParam<ScaleIsa> {
 protected:
  void SetUp() override {
    if (!bp::kernels::scale_isa_supported(GetParam()))
      GTEST_SKIP() << "this CPU (or build) has no " << isa_name(GetParam());
  }
};

template <class T>
bool same_bits(T a, T b) {
  return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

// x (N, I) through scale_columns and scale_columns_ref; every element must match exactly.
template <class T>
void expect_same(ScaleIsa isa, const std::vector<T>& x0, std::size_t N, std::size_t I,
                 const std::vector<double>& offset, const std::vector<double>& scale,
                 const std::string& what) {
  std::vector<T> want = x0, got = x0;
  bp::kernels::scale_columns_ref(want.data(), N, I, offset.data(), scale.data());
  bp::kernels::scale_columns(got.data(), N, I, offset.data(), scale.data(), isa);
  int failures = 0;
  for (std::size_t k = 0; k < want.size(); ++k)
    if (!same_bits(got[k], want[k]) && ++failures <= 5)
      ADD_FAILURE() << what << " N=" << N << " I=" << I << ": x[" << k / I << "][" << k % I
                    << "] = " << double(x0[k]) << ", offset " << offset[k % I] << ", scale "
                    << scale[k % I] << ": got " << double(got[k]) << " want " << double(want[k]);
  if (failures > 5) ADD_FAILURE() << what << ": " << failures << " mismatches in all";
}

TEST_P(ScaleIsaTest, BytesMinMaxEveryValue) {
  // Every byte value in every column, scale = max - min for several (min, max) as minmax fits.
  const std::size_t I = 37, N = 256;
  std::vector<double> offset(I), scale(I);
  for (std::size_t i = 0; i < I; ++i) {
    offset[i] = double(i % 5);
    scale[i] = double(255 - 7 * i) - offset[i];
  }
  std::vector<float> x(N * I);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t i = 0; i < I; ++i) x[n * I + i] = float((n + 3 * i) % 256);
  expect_same(GetParam(), x, N, I, offset, scale, "bytes");
  for (std::size_t s = 1; s <= 255; ++s) {  // every integer scale, offset 0, all bytes
    std::vector<double> o1(1, 0.0), s1(1, double(s));
    std::vector<float> col(256);
    for (std::size_t v = 0; v < 256; ++v) col[v] = float(v);
    expect_same(GetParam(), col, 256, 1, o1, s1, "scale " + std::to_string(s));
  }
}

TEST_P(ScaleIsaTest, RandomShapesAndValues) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  for (std::size_t I : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{8}, std::size_t{9}, std::size_t{15}, std::size_t{16}, std::size_t{17}, std::size_t{784}}) {
    for (std::size_t N : {std::size_t{1}, std::size_t{2}, std::size_t{5}, std::size_t{128}}) {
      std::vector<double> offset(I), scale(I);
      for (std::size_t i = 0; i < I; ++i) {
        offset[i] = 100 * u(rng);
        scale[i] = std::exp2(20 * u(rng)) * (1.5 + u(rng));
      }
      std::vector<float> xf(N * I);
      std::vector<double> xd(N * I);
      for (std::size_t k = 0; k < xf.size(); ++k) xd[k] = xf[k] = float(1000 * u(rng));
      expect_same(GetParam(), xf, N, I, offset, scale, "float");
      expect_same(GetParam(), xd, N, I, offset, scale, "double");
    }
  }
}

TEST_P(ScaleIsaTest, HalfwayAndExtremeValues) {
  // x = 0 and offset = -m*3 make the exact quotient (0 - offset) / 3 = m: a halfway point between
  // two floats (m has 25 significant bits), or a few double ulps either side of one. 1/3 is not
  // exact, so the product alone would round some of these the wrong way.
  std::vector<double> offset, scale;
  std::mt19937_64 rng(3);
  for (int t = 0; t < 64; ++t) {
    const double f = std::ldexp(double((rng() >> 40) | (1u << 23)), -23 + int(rng() % 40) - 20);
    const double half = f + std::ldexp(1.0, std::ilogb(f) - 24);  // f + ulp_float(f) / 2
    for (int d = -3; d <= 3; ++d) {  // half * 3 is exact (27 bits); then d double ulps away
      double v = half * 3;
      for (int k = 0; k < std::abs(d); ++k) v = std::nextafter(v, d < 0 ? 0.0 : INFINITY);
      offset.push_back(-v);
      scale.push_back(3.0);
    }
  }
  // Results outside the normal float range, and scales with no normal reciprocal.
  for (double o : {-1e-40, -1e-45, 1e-310, -3e38, -4e38, -1e300, 0.0, -0.0}) {
    offset.push_back(o);
    scale.push_back(1.0);
  }
  for (double s : {1e-310, 1e305, 0x1p-1000, 0x1p1000, 1e-300}) {
    offset.push_back(-1.0);
    scale.push_back(s);
  }
  const std::size_t I = offset.size();
  std::vector<float> x(2 * I, 0.0f);
  for (std::size_t i = 0; i < I; ++i) x[I + i] = i % 3 == 0 ? -0.0f : i % 3 == 1 ? 1.0f : 0.5f;
  expect_same(GetParam(), x, 2, I, offset, scale, "halfway/extreme");
  // NaN and infinities in x.
  std::vector<float> odd = {std::numeric_limits<float>::quiet_NaN(), INFINITY, -INFINITY, 0.0f};
  std::vector<double> o4(4, 0.5), s4(4, 3.0);
  expect_same(GetParam(), odd, 1, 4, o4, s4, "nan/inf");
}

TEST_P(ScaleIsaTest, BytesToReal) {
  std::vector<std::uint8_t> src(1000);
  for (std::size_t k = 0; k < src.size(); ++k) src[k] = std::uint8_t(k * 37 % 256);
  for (std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{17}, std::size_t{63}, std::size_t{64}, std::size_t{65}, std::size_t{784}, std::size_t{1000}}) {
    std::vector<float> want(count), got(count, -1.0f);
    bp::kernels::u8_to_real_ref(want.data(), src.data(), count);
    bp::kernels::u8_to_real(got.data(), src.data(), count, GetParam());
    EXPECT_EQ(got, want) << "count " << count;
    std::vector<double> wd(count), gd(count, -1.0);
    bp::kernels::u8_to_real_ref(wd.data(), src.data(), count);
    bp::kernels::u8_to_real(gd.data(), src.data(), count, GetParam());
    EXPECT_EQ(gd, wd) << "count " << count;
  }
}

// Rows are split across threads: the same bits with any pool size.
TEST_P(ScaleIsaTest, ThreadsBitIdentical) {
  const std::size_t saved = bp::num_threads();
  const std::size_t N = 300, I = 784;
  std::vector<double> offset(I, 3.0), scale(I, 251.0);
  std::vector<float> x0(N * I);
  for (std::size_t k = 0; k < x0.size(); ++k) x0[k] = float(k % 256);
  std::vector<float> one = x0;
  bp::set_num_threads(1);
  bp::kernels::scale_columns(one.data(), N, I, offset.data(), scale.data(), GetParam());
  for (std::size_t t : {std::size_t{2}, std::size_t{3}, std::size_t{4}}) {
    bp::set_num_threads(t);
    std::vector<float> many = x0;
    bp::kernels::scale_columns(many.data(), N, I, offset.data(), scale.data(), GetParam());
    EXPECT_EQ(many, one) << t << " threads";
  }
  bp::set_num_threads(saved);
}

// ---- gather_scale_u8: byte rows gathered and scaled in one pass ---------------------------------

// Offsets and scales for I byte features: random ones, and (cycling through them) ones that put
// a byte's exact quotient on or a few double ulps from a float halfway point, so that multiplying
// by 1/scale rounds differently from dividing and the plan must send the feature to the division.
void byte_columns(std::size_t I, std::mt19937_64& rng, std::vector<double>& offset,
                  std::vector<double>& scale) {
  std::uniform_real_distribution<double> u(-1, 1);
  offset.resize(I);
  scale.resize(I);
  for (std::size_t i = 0; i < I; ++i) {
    switch (i % 4) {
      case 0:  // minmax-like: small integer offset, integer scale
        offset[i] = double(rng() % 20);
        scale[i] = double(1 + rng() % 255);
        break;
      case 1:  // standard-like
        offset[i] = 128 * (1 + u(rng));
        scale[i] = 80 * (1.05 + u(rng));
        break;
      case 2: {  // (u - offset) / 3 near a halfway point for u = 0..255 (offset = -3 * half)
        const double f = std::ldexp(double((rng() >> 40) | (1u << 23)), -23 + int(rng() % 16));
        const double half = f + std::ldexp(1.0, std::ilogb(f) - 24);
        double v = half * 3;
        for (int k = 0; k < int(rng() % 3); ++k) v = std::nextafter(v, INFINITY);
        offset[i] = -v;
        scale[i] = 3.0;
        break;
      }
      default:  // extreme scales (reciprocal not normal, results subnormal or huge as floats)
        offset[i] = -1.0;
        scale[i] = std::vector<double>{1e-310, 1e305, 0x1p-1000, 0x1p1000, 1e-40, 1e40}[rng() % 6];
        break;
    }
  }
}

template <class T>
void expect_same_gather(ScaleIsa isa, const std::vector<std::uint8_t>& src, std::size_t I,
                        const std::vector<std::size_t>& rows, const std::vector<double>& offset,
                        const std::vector<double>& scale, const std::string& what) {
  const auto plan = bp::kernels::plan_byte_scaling(offset.data(), scale.data(), I);
  std::vector<T> want(rows.size() * I), got(rows.size() * I, T(-7));
  bp::kernels::gather_scale_u8_ref(want.data(), src.data(), rows.data(), rows.size(), I,
                                   offset.data(), scale.data());
  bp::kernels::gather_scale_u8(got.data(), src.data(), rows.data(), rows.size(), I, offset.data(),
                               scale.data(), plan, isa);
  int failures = 0;
  for (std::size_t k = 0; k < want.size(); ++k)
    if (!same_bits(got[k], want[k]) && ++failures <= 5)
      ADD_FAILURE() << what << " I=" << I << " nb=" << rows.size() << ": x[" << k / I << "]["
                    << k % I << "] byte " << int(src[rows[k / I] * I + k % I]) << ", offset "
                    << offset[k % I] << ", scale " << scale[k % I] << ": got " << double(got[k])
                    << " want " << double(want[k]);
  if (failures > 5) ADD_FAILURE() << what << ": " << failures << " mismatches in all";
}

TEST_P(ScaleIsaTest, GatherScaleBytesMatchesGatherThenScale) {
  std::mt19937_64 rng(11);
  for (std::size_t I : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{8}, std::size_t{9}, std::size_t{16}, std::size_t{17}, std::size_t{63}, std::size_t{784}}) {
    const std::size_t N = 300;
    std::vector<std::uint8_t> src(N * I);
    for (std::size_t k = 0; k < src.size(); ++k) src[k] = std::uint8_t(k % 7 == 0 ? 255 : rng() % 256);
    std::vector<double> offset, scale;
    byte_columns(I, rng, offset, scale);
    for (std::size_t nb : {std::size_t{1}, std::size_t{2}, std::size_t{5}, std::size_t{128}, std::size_t{257}}) {
      std::vector<std::size_t> rows(nb);
      for (auto& r : rows) r = rng() % N;  // scattered, with repeats
      expect_same_gather<float>(GetParam(), src, I, rows, offset, scale, "float");
      expect_same_gather<double>(GetParam(), src, I, rows, offset, scale, "double");
    }
  }
}

TEST(ByteScalingPlan, DividesExactlyTheFeaturesWhereTheProductRoundsDifferently) {
  // Feature 0: 1/255 is not exact, yet every byte's product rounds to the quotient's float.
  // Feature 1: the quotient of byte 0 lies a hair above a float halfway point (3 * half is exact;
  // one double ulp more), so it rounds up; the product by 1/3 falls on or below the halfway
  // point and rounds down. Feature 2: a power-of-two scale, exact in both.
  const double half = 1.0 + 0x1p-22 + 0x1p-24;  // halfway between two floats
  const double d1 = std::nextafter(half * 3, INFINITY);
  std::vector<double> offset = {0.0, -d1, 5.0}, scale = {255.0, 3.0, 64.0};
  const auto plan = bp::kernels::plan_byte_scaling(offset.data(), scale.data(), 3);
  const double d = 0.0 - offset[1];
  ASSERT_NE(static_cast<float>(d * (1.0 / 3.0)), static_cast<float>(d / 3.0))
      << "the test's premise: the product rounds away from the quotient";
  EXPECT_EQ(plan.divide_float, std::vector<std::uint8_t>{0b010});
  for (int u = 0; u < 256; ++u)  // feature 0's claim, checked independently
    EXPECT_EQ(static_cast<float>(double(u) * (1.0 / 255.0)), static_cast<float>(double(u) / 255.0)) << u;
  EXPECT_EQ(plan.inv, (std::vector<double>{1.0 / 255.0, 1.0 / 3.0, 1.0 / 64.0}));
  // 1/255 as a double product is not the quotient for every byte: the double plan divides it.
  EXPECT_EQ(plan.divide_double[0] & 1, 1);
  EXPECT_EQ(plan.divide_double[0] & 4, 0);
}

// Rows are split across threads: the same bits with any pool size.
TEST_P(ScaleIsaTest, GatherScaleBytesThreadsBitIdentical) {
  const std::size_t saved = bp::num_threads();
  const std::size_t N = 1000, I = 784, nb = 300;
  std::mt19937_64 rng(5);
  std::vector<std::uint8_t> src(N * I);
  for (auto& b : src) b = std::uint8_t(rng() % 256);
  std::vector<double> offset, scale;
  byte_columns(I, rng, offset, scale);
  std::vector<std::size_t> rows(nb);
  for (auto& r : rows) r = rng() % N;
  const auto plan = bp::kernels::plan_byte_scaling(offset.data(), scale.data(), I);
  std::vector<float> one(nb * I);
  bp::set_num_threads(1);
  bp::kernels::gather_scale_u8(one.data(), src.data(), rows.data(), nb, I, offset.data(),
                               scale.data(), plan, GetParam());
  for (std::size_t t : {std::size_t{2}, std::size_t{3}, std::size_t{4}}) {
    bp::set_num_threads(t);
    std::vector<float> many(nb * I);
    bp::kernels::gather_scale_u8(many.data(), src.data(), rows.data(), nb, I, offset.data(),
                                 scale.data(), plan, GetParam());
    EXPECT_EQ(0, std::memcmp(many.data(), one.data(), one.size() * sizeof(float))) << t << " threads";
  }
  bp::set_num_threads(saved);
}

INSTANTIATE_TEST_SUITE_P(Scale, ScaleIsaTest, ::testing::Values(ScaleIsa::kAvx512, ScaleIsa::kGeneric),
                         [](const ::testing::TestParamInfo<ScaleIsa>& p) { return isa_name(p.param); });

}  // namespace
