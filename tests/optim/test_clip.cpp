// Gradient clipping against hand-computed values (torch.nn.utils.clip_grad_norm_ semantics).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "backprop/core/error.hpp"
#include "backprop/optim/clip.hpp"

namespace bp {
namespace {

// grads: tensor 1 = (3, 0), tensor 2 = (0, -4) and a frozen tensor (100) that is ignored.
struct Grads {
  Param<double> p1{"p1", Matrix<double>(1, 2), Matrix<double>(1, 2, {3.0, 0.0}), true};
  Param<double> p2{"p2", Matrix<double>(2, 1), Matrix<double>(2, 1, {0.0, -4.0}), true};
  Param<double> frozen{"frozen", Matrix<double>(1, 1), Matrix<double>(1, 1, {100.0}), false};
  std::vector<Param<double>*> list{&p1, &frozen, &p2};
};

TEST(Clip, NormScalesAllTensorsTogether) {
  // Total L2 norm sqrt(9 + 16) = 5; max_norm 2.5 -> coef = 2.5 / (5 + 1e-6).
  Grads g;
  EXPECT_DOUBLE_EQ(clip_grad_norm<double>(g.list, 2.5), 5.0);
  const double coef = 2.5 / (5 + 1e-6);
  EXPECT_DOUBLE_EQ(g.p1.grad[0], 3 * coef);  // 1.4999997
  EXPECT_DOUBLE_EQ(g.p2.grad[1], -4 * coef);
  EXPECT_EQ(g.p1.grad[1], 0.0);
  EXPECT_EQ(g.frozen.grad[0], 100.0);
}

TEST(Clip, NormBelowTheLimitLeavesGradsAlone) {
  Grads g;
  EXPECT_DOUBLE_EQ(clip_grad_norm<double>(g.list, 5.0), 5.0);  // coef 5/(5+1e-6) < 1: clipped
  EXPECT_LT(g.p1.grad[0], 3.0);
  Grads h;
  EXPECT_DOUBLE_EQ(clip_grad_norm<double>(h.list, 10.0), 5.0);
  EXPECT_EQ(h.p1.grad[0], 3.0);
  EXPECT_EQ(h.p2.grad[1], -4.0);
}

TEST(Clip, OtherNorms) {
  // L1: 3 + 4 = 7; max 3.5 -> coef 3.5 / (7 + 1e-6).   Infinity: max(3, 4) = 4.
  Grads g;
  EXPECT_DOUBLE_EQ(clip_grad_norm<double>(g.list, 3.5, 1.0), 7.0);
  EXPECT_DOUBLE_EQ(g.p2.grad[1], -4 * (3.5 / (7 + 1e-6)));
  Grads h;
  EXPECT_DOUBLE_EQ(clip_grad_norm<double>(h.list, 2.0, std::numeric_limits<double>::infinity()), 4.0);
  EXPECT_DOUBLE_EQ(h.p1.grad[0], 3 * (2.0 / (4 + 1e-6)));
}

TEST(Clip, ValueClampsEachElement) {
  Grads g;
  clip_grad_value<double>(g.list, 3.5);
  EXPECT_EQ(g.p1.grad[0], 3.0);
  EXPECT_EQ(g.p2.grad[1], -3.5);
  EXPECT_EQ(g.frozen.grad[0], 100.0);
}

TEST(Clip, FloatGrads) {
  Param<float> p{"p", Matrix<float>(1, 2), Matrix<float>(1, 2, {3.0f, -4.0f}), true};
  std::vector<Param<float>*> list{&p};
  EXPECT_DOUBLE_EQ(clip_grad_norm<float>(list, 1.0), 5.0);
  EXPECT_FLOAT_EQ(p.grad[0], 0.6f);
  EXPECT_FLOAT_EQ(p.grad[1], -0.8f);
}

TEST(Clip, BadArgumentsAreUsageErrors) {
  Grads g;
  EXPECT_THROW(clip_grad_norm<double>(g.list, -1.0), UsageError);
  EXPECT_THROW(clip_grad_norm<double>(g.list, std::nan("")), UsageError);
  EXPECT_THROW(clip_grad_norm<double>(g.list, 1.0, 0.5), UsageError);
  EXPECT_THROW(clip_grad_value<double>(g.list, -0.1), UsageError);
}

}  // namespace
}  // namespace bp
