// iRPROP+ has no PyTorch counterpart: its steps are derived by hand below (Igel & Huesken 2000,
// fig. 1), and set against iRPROP- on the same problem.
#include <gtest/gtest.h>

#include "backprop/core/error.hpp"
#include "backprop/optim/options.hpp"

namespace bp {
namespace {

// E(a, b) = (a - 1)^2 + b^2, so dE/da = 2 (a - 1), dE/db = 2 b. Start a = 0, b = 0.3,
// Delta_0 = lr = 0.4, eta+ = 1.2, eta- = 0.5.
struct TwoWeights {
  Param<double> p{"p", Matrix<double>(1, 2, {0.0, 0.3}), Matrix<double>(1, 2), true};
  std::vector<Param<double>*> list{&p};
  double a() const { return p.value[0]; }
  double b() const { return p.value[1]; }
  double loss_and_grad() {
    p.grad[0] = 2 * (a() - 1);
    p.grad[1] = 2 * b();
    return (a() - 1) * (a() - 1) + b() * b();
  }
};

OptimizerOptions rprop(const char* name) {
  OptimizerOptions o;
  o.name = name;
  o.lr = 0.4;
  return o;
}

constexpr double kTol = 1e-15;  // a few ulps of O(1) values: sums and products of exact decimals

// step 1: E = 1 + 0.09 = 1.09. g = (-2, 0.6), g' = 0 -> third case for both:
//         a = 0 + 0.4 = 0.4,  b = 0.3 - 0.4 = -0.1.                       E' = 1.09
// step 2: E = 0.36 + 0.01 = 0.37. a: g = -1.2, same sign -> Delta = 0.48, a = 0.88.
//         b: g = -0.2, sign change -> Delta = 0.2; E = 0.37 < E' = 1.09, so no revert:
//         b = -0.1, g'_b = 0.                                              E' = 0.37
// step 3: E = 0.0144 + 0.01 = 0.0244. a: g = -0.24, same sign -> Delta = 0.576, a = 1.456.
//         b: g = -0.2, g' = 0 -> third case, b = -0.1 + 0.2 = 0.1.         E' = 0.0244
// step 4: E = 0.456^2 + 0.01 = 0.217936 > E' = 0.0244: the error rose.
//         a: g = 0.912, sign change -> Delta = 0.288, revert: a = 1.456 - 0.576 = 0.88.
//         b: g = 0.2, sign change -> Delta = 0.1, revert: b = 0.1 - 0.2 = -0.1. E' = 0.217936
// step 5: E = 0.0244. a: g = -0.24, g' = 0 -> a = 0.88 + 0.288 = 1.168.
//         b: g = -0.2, g' = 0 -> b = -0.1 + 0.1 = 0.
TEST(RpropPlus, HandDerivedSteps) {
  const double want_a[5] = {0.4, 0.88, 1.456, 0.88, 1.168};
  const double want_b[5] = {-0.1, -0.1, 0.1, -0.1, 0.0};
  const double want_e[5] = {1.09, 0.37, 0.0244, 0.217936, 0.0244};
  TwoWeights w;
  auto opt = make_optimizer<double>(rprop("irprop+"));
  EXPECT_TRUE(opt->needs_loss());
  const Closure<double> closure = [&] { return w.loss_and_grad(); };
  for (int s = 0; s < 5; ++s) {
    const std::optional<double> e = opt->step(w.list, &closure);
    EXPECT_NEAR(*e, want_e[s], kTol) << "E before step " << s + 1;
    EXPECT_NEAR(w.a(), want_a[s], kTol) << "a after step " << s + 1;
    EXPECT_NEAR(w.b(), want_b[s], kTol) << "b after step " << s + 1;
  }
}

// The caller may pass E(t) itself (it already ran forward and backward): same steps.
TEST(RpropPlus, LossArgumentEqualsClosure) {
  TwoWeights w;
  auto opt = make_optimizer<double>(rprop("irprop+"));
  const double want_a[5] = {0.4, 0.88, 1.456, 0.88, 1.168};
  for (int s = 0; s < 5; ++s) {
    const double e = w.loss_and_grad();
    opt->step_with_loss(w.list, e);
    EXPECT_NEAR(w.a(), want_a[s], kTol) << "a after step " << s + 1;
  }
}

// iRPROP- (torch.optim.Rprop) on the same problem: identical through step 3, but at step 4 it
// only halves the step sizes and stays: a = 1.456, b = 0.1.
TEST(RpropPlus, MinusVariantDoesNotRevert) {
  TwoWeights w;
  auto opt = make_optimizer<double>(rprop("irprop-"));
  EXPECT_FALSE(opt->needs_loss());
  for (int s = 0; s < 4; ++s) {
    w.loss_and_grad();
    opt->step(w.list);
  }
  EXPECT_NEAR(w.a(), 1.456, kTol);
  EXPECT_NEAR(w.b(), 0.1, kTol);
}

TEST(RpropPlus, NeedsTheLoss) {
  TwoWeights w;
  auto opt = make_optimizer<double>(rprop("irprop+"));
  w.loss_and_grad();
  EXPECT_THROW(opt->step(w.list), UsageError);
}

}  // namespace
}  // namespace bp
