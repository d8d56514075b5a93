// Scaler: hand-computed min-max and standard statistics, constant features, restore checks.
#include "backprop/data/scaler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "testing/data_util.hpp"

namespace bp {
namespace {

// Feature 0: 1, 3, 5 (min 1, max 5, mean 3, population sd sqrt(8/3)); feature 1: constant 7.
Dataset three_rows() {
  return Dataset::regression(2, std::vector<std::uint8_t>{1, 7, 3, 7, 5, 7}, 1, {0, 0, 0});
}

TEST(Scaler, MinMaxHandComputed) {
  Scaler s(ScalerKind::kMinMax);
  s.fit(three_rows());
  EXPECT_EQ(s.offset(), (std::vector<double>{1, 7}));
  EXPECT_EQ(s.scale(), (std::vector<double>{4, 1}));  // constant feature: scale 1
  Matrix<float> x(2, 2, {3, 7, 5, 9});
  s.apply(x);
  // (3-1)/4 = 0.5, (7-7)/1 = 0, (5-1)/4 = 1, (9-7)/1 = 2; exact in float.
  EXPECT_EQ(x, Matrix<float>(2, 2, {0.5f, 0, 1, 2}));
}

TEST(Scaler, StandardHandComputed) {
  Scaler s(ScalerKind::kStandard);
  s.fit(three_rows());
  // mean 3; deviations -2, 0, 2; population variance 8/3.
  EXPECT_DOUBLE_EQ(s.offset()[0], 3.0);
  EXPECT_DOUBLE_EQ(s.scale()[0], std::sqrt(8.0 / 3.0));
  EXPECT_DOUBLE_EQ(s.offset()[1], 7.0);
  EXPECT_DOUBLE_EQ(s.scale()[1], 1.0);
  Matrix<double> x(1, 2, {5, 7});
  s.apply(x);
  // (5-3)/sqrt(8/3) = sqrt(1.5); the division is the only rounding, so 1 ulp of double.
  EXPECT_DOUBLE_EQ(x(0, 0), std::sqrt(1.5));
  EXPECT_DOUBLE_EQ(x(0, 1), 0.0);
}

TEST(Scaler, NoneIsIdentityAndNamesRoundTrip) {
  Scaler s;
  s.fit(three_rows());
  Matrix<float> x(1, 3, {1, 2, 3});  // kNone ignores even a width mismatch
  s.apply(x);
  EXPECT_EQ(x, Matrix<float>(1, 3, {1, 2, 3}));
  for (const auto k : {ScalerKind::kNone, ScalerKind::kMinMax, ScalerKind::kStandard})
    EXPECT_EQ(parse_scaler_kind(scaler_kind_name(k)), k);
  EXPECT_USAGE_ERROR(parse_scaler_kind("zscore"), "'zscore'", "none, minmax or standard");
}

TEST(Scaler, RestoreValidatesAndApplyChecksWidth) {
  const Scaler s(ScalerKind::kStandard, {1.0, 2.0}, {2.0, 4.0});
  Matrix<float> x(1, 2, {3, 10});
  s.apply(x);
  EXPECT_EQ(x, Matrix<float>(1, 2, {1, 2}));
  Matrix<float> wrong(1, 3);
  EXPECT_USAGE_ERROR(s.apply(wrong), "3 columns", "expected 2");
  EXPECT_USAGE_ERROR(Scaler(ScalerKind::kMinMax, {0.0}, {0.0}), "scale[0]", "finite and > 0");
  EXPECT_USAGE_ERROR(Scaler(ScalerKind::kMinMax, {0.0, 1.0}, {1.0}), "2 offsets but 1 scales");
  EXPECT_USAGE_ERROR(Scaler(ScalerKind::kMinMax, {NAN}, {1.0}), "offset[0]");
}


// Scaler::gather must give exactly Dataset::gather + apply: byte and float features, every kind,
// float and double, a fitted and a restored scaler, scattered rows with repeats.
template <class T>
void expect_gather_matches(const Scaler& s, const Dataset& d, const std::vector<std::size_t>& rows,
                           const char* what) {
  Matrix<T> x_want, y_want, x_got(3, 3), y_got;
  d.gather(rows, x_want, y_want);
  s.apply(x_want);
  s.gather(d, rows, x_got, y_got);
  ASSERT_EQ(x_got.rows(), x_want.rows()) << what;
  ASSERT_EQ(x_got.cols(), x_want.cols()) << what;
  EXPECT_EQ(0, std::memcmp(x_got.data(), x_want.data(), x_want.size() * sizeof(T))) << what;
  EXPECT_EQ(y_got, y_want) << what;
}

TEST(Scaler, GatherIsGatherThenApplyBitForBit) {
  const std::size_t N = 200, I = 37;
  std::mt19937_64 rng(3);
  std::vector<std::uint8_t> bytes(N * I);
  for (auto& b : bytes) b = std::uint8_t(rng() % 256);
  std::vector<float> floats(bytes.begin(), bytes.end());
  std::vector<std::uint32_t> labels(N);
  for (auto& l : labels) l = std::uint32_t(rng() % 3);
  const Dataset du8 = Dataset::classification(I, bytes, labels, {"a", "b", "c"});
  const Dataset df32 = Dataset::classification(I, floats, labels, {"a", "b", "c"});
  std::vector<std::size_t> rows(150);
  for (auto& r : rows) r = rng() % N;
  for (const auto kind : {ScalerKind::kNone, ScalerKind::kMinMax, ScalerKind::kStandard}) {
    Scaler s(kind);
    s.fit(du8);
    const Scaler restored(kind, s.offset(), s.scale());
    for (const Scaler* sc : std::vector<const Scaler*>{&s, &restored}) {
      expect_gather_matches<float>(*sc, du8, rows, "u8 float");
      expect_gather_matches<double>(*sc, du8, rows, "u8 double");
      expect_gather_matches<float>(*sc, df32, rows, "f32 float");
      expect_gather_matches<double>(*sc, df32, rows, "f32 double");
    }
  }
  // Offsets that put byte 0 a double ulp above a float halfway point after the division by 3,
  // where the product by 1/3 rounds the other way: the one-pass kernel must divide these.
  const double half = 1.0 + 0x1p-22 + 0x1p-24;
  std::vector<double> offset(I, -std::nextafter(half * 3, INFINITY)), scale(I, 3.0);
  const Scaler tricky(ScalerKind::kStandard, offset, scale);
  expect_gather_matches<float>(tricky, du8, rows, "halfway float");
  expect_gather_matches<double>(tricky, du8, rows, "halfway double");
}

TEST(Scaler, GatherChecksRowsAndWidth) {
  Scaler s(ScalerKind::kMinMax);
  s.fit(three_rows());
  Matrix<float> x, y;
  const std::vector<std::size_t> bad = {0, 3};
  EXPECT_USAGE_ERROR(s.gather(three_rows(), bad, x, y), "row 3 out of range", "3 samples");
  const Dataset wide = Dataset::regression(3, std::vector<std::uint8_t>{1, 2, 3}, 1, {0});
  const std::vector<std::size_t> zero = {0};
  EXPECT_USAGE_ERROR(s.gather(wide, zero, x, y), "3 columns", "expected 2");
}

}  // namespace
}  // namespace bp
