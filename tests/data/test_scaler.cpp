// Scaler: hand-computed min-max and standard statistics, constant features, restore checks.
#include "backprop/data/scaler.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "data/data_test_util.hpp"

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

}  // namespace
}  // namespace bp
