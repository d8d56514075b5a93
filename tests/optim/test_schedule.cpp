// Learning-rate schedules against torch.optim.lr_scheduler (tests/reference/optim_reference.inc)
// and hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <string_view>

#include "backprop/core/error.hpp"
#include "backprop/optim/schedule.hpp"
#include "reference/optim_reference.inc"

namespace bp {
namespace {

// PyTorch's StepLR/ExponentialLR multiply the previous lr by gamma (chained) and we take
// base * gamma^k: same value up to ~k ulps, hence 1e-13 relative.
constexpr double kRtol = 1e-13;

TEST(Schedule, StepMatchesTorch) {
  const StepSchedule s{0.1, 3, 0.5};
  s.validate();
  for (std::size_t e = 0; e < std::size(ref::kStepLr); ++e)
    EXPECT_NEAR(s.lr_at(e), ref::kStepLr[e], kRtol * ref::kStepLr[e]) << "epoch " << e;
}

TEST(Schedule, ExponentialMatchesTorch) {
  const ExponentialSchedule s{0.1, 0.9};
  for (std::size_t e = 0; e < std::size(ref::kExponentialLr); ++e)
    EXPECT_NEAR(s.lr_at(e), ref::kExponentialLr[e], kRtol * ref::kExponentialLr[e]) << "epoch " << e;
}

// W = 3, S = 10, base 0.1, min 0.01.
// Hand values: e = 1: 0.1 * 1/3 = 0.0333...; e = 3: peak 0.1;
// e = 5: progress 2/7, cos(2pi/7) = 0.62349, 0.01 + 0.09 * 0.5 * 1.62349 = 0.083057;
// e >= 10: 0.01.
TEST(Schedule, CosineWarmupMatchesTorchLambdaLrAndHand) {
  const CosineWarmupSchedule s{0.1, 3, 10, 0.01};
  s.validate();
  for (std::size_t e = 0; e < std::size(ref::kCosineWarmupLr); ++e)
    EXPECT_NEAR(s.lr_at(e), ref::kCosineWarmupLr[e], 1e-15 + kRtol * ref::kCosineWarmupLr[e])
        << "epoch " << e;
  EXPECT_EQ(s.lr_at(0), 0.0);
  EXPECT_NEAR(s.lr_at(1), 0.1 / 3, 1e-16);
  EXPECT_EQ(s.lr_at(3), 0.1);
  EXPECT_NEAR(s.lr_at(5), 0.083057, 1e-6);
  EXPECT_EQ(s.lr_at(10), 0.01);
  EXPECT_EQ(s.lr_at(1000), 0.01);
  const CosineWarmupSchedule no_warmup{0.2, 0, 4, 0};  // 0.2, 0.2*(1+cos(pi/4))/2 = 0.170711, ...
  EXPECT_EQ(no_warmup.lr_at(0), 0.2);
  EXPECT_NEAR(no_warmup.lr_at(1), 0.170711, 1e-6);
  EXPECT_NEAR(no_warmup.lr_at(2), 0.1, 1e-15);
}

PlateauOptions plateau_options(const ref::PlateauRefCase& c) {
  PlateauOptions o;
  for (const ref::RefOption& kv : c.options) {
    if (kv.key == nullptr) break;
    const std::string_view k = kv.key;
    if (k == "maximize") o.maximize = kv.value != 0;
    else if (k == "factor") o.factor = kv.value;
    else if (k == "patience") o.patience = static_cast<std::size_t>(kv.value);
    else if (k == "threshold") o.threshold = kv.value;
    else if (k == "threshold_relative") o.threshold_relative = kv.value != 0;
    else if (k == "cooldown") o.cooldown = static_cast<std::size_t>(kv.value);
    else if (k == "min_lr") o.min_lr = kv.value;
    else if (k == "eps") o.eps = kv.value;
    else ADD_FAILURE() << c.label << ": unknown option " << k;
  }
  return o;
}

// Same arithmetic in the same order as PyTorch (lr * factor, max with min_lr), so exact.
TEST(Schedule, ReduceOnPlateauMatchesTorch) {
  for (const ref::PlateauRefCase& c : ref::kPlateauCases) {
    ReduceOnPlateau s(0.1, plateau_options(c));
    for (std::size_t e = 0; e < c.epochs; ++e)
      EXPECT_EQ(s.step(c.metrics[e]), c.lr_after[e]) << c.label << " epoch " << e;
  }
}

// Saving in the middle and resuming in a fresh object continues the same sequence.
TEST(Schedule, ReduceOnPlateauStateRoundTrip) {
  for (const ref::PlateauRefCase& c : ref::kPlateauCases) {
    ReduceOnPlateau first(0.1, plateau_options(c));
    for (std::size_t e = 0; e < 7; ++e) first.step(c.metrics[e]);
    std::vector<double> state;
    first.save_state(state);
    ReduceOnPlateau second(0.5, plateau_options(c));
    EXPECT_EQ(second.load_state(state), 5u);
    for (std::size_t e = 7; e < c.epochs; ++e)
      EXPECT_EQ(second.step(c.metrics[e]), c.lr_after[e]) << c.label << " epoch " << e;
  }
  ReduceOnPlateau s(0.1, {});
  EXPECT_THROW(s.load_state(std::vector<double>{0.1, 1.0, 0.5, 0, 0}), DataError);
  EXPECT_THROW(s.load_state(std::vector<double>{0.1, 1.0}), DataError);
}

TEST(Schedule, ValidateNamesTheField) {
  EXPECT_THROW((StepSchedule{0.1, 0, 0.5}.validate()), UsageError);
  EXPECT_THROW((ExponentialSchedule{-0.1, 0.5}.validate()), UsageError);
  EXPECT_THROW((CosineWarmupSchedule{0.1, 10, 10, 0}.validate()), UsageError);
  EXPECT_THROW((CosineWarmupSchedule{0.1, 0, 10, 0.2}.validate()), UsageError);
  PlateauOptions o;
  o.factor = 1.0;
  try {
    ReduceOnPlateau s(0.1, o);
    ADD_FAILURE() << "factor 1 accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("factor = 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ReduceOnPlateau(0.0, {}), UsageError);
  // Messages name the schedule and the field as a user knows them, never a class.
  try {
    CosineWarmupSchedule{0.1, 10, 10, 0}.validate();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("cosine schedule: warmup_steps = 10"), std::string::npos) << e.what();
  }
  try {
    StepSchedule{0.1, 0, 0.5}.validate();
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()).find("Schedule"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace bp
