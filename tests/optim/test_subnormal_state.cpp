// Decaying optimizer state is stored as 0 once it falls below the smallest normal value
// (kernels/subnormal.hpp), in SGD's velocity and Adam's two moments: after the gradient stops,
// each buffer shrinks by its factor per step; the step at which it leaves the normal range is
// derived by hand below, and the state is read back through save_state.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "backprop/nn/dense.hpp"
#include "backprop/optim/options.hpp"

namespace bp {
namespace {

// The per-element buffers of a one-element parameter, from save_state's record: header (name,
// version, lr, has-state, tensor count, tensor sizes), then each buffer as (size, values...).
std::vector<double> buffers_of(const Optimizer<float>& opt) {
  std::vector<double> rec;
  opt.save_state(rec);
  std::vector<double> out;
  std::size_t k = 4;
  const auto tensors = static_cast<std::size_t>(rec.at(k++));
  k += tensors;
  const auto buffers = static_cast<std::size_t>(rec.at(k++));
  for (std::size_t b = 0; b < buffers; ++b) {
    EXPECT_EQ(rec.at(k++), 1.0);
    out.push_back(rec.at(k++));
  }
  return out;
}

struct OneWeight {
  Param<float> p{"w", Matrix<float>(1, 1, {1.0f}), Matrix<float>(1, 1, {0.0f})};
  std::vector<Param<float>*> list{&p};
};

TEST(SubnormalState, SgdVelocityBecomesZeroBelowTheSmallestNormal) {
  OptimizerOptions o;
  o.name = "sgd";
  o.lr = 0.5;
  o.momentum = 0.5;
  auto opt = make_optimizer<float>(o);
  OneWeight w;
  w.p.grad[0] = std::ldexp(1.0f, -120);  // first step: b = g = 2^-120
  opt->step(w.list);
  w.p.grad[0] = 0.0f;
  // Then b = 0.5 b: 2^-121 ... 2^-126 (= FLT_MIN, kept) after 6 more steps, 0 after the 7th,
  // where torch would hold the subnormal 2^-127.
  for (int step = 1; step <= 7; ++step) {
    opt->step(w.list);
    const double want = step < 7 ? std::ldexp(1.0, -120 - step) : 0.0;
    EXPECT_EQ(buffers_of(*opt).at(0), want) << "step " << step;
  }
  EXPECT_EQ(w.p.value[0], 1.0f);  // moved by 2^-121 at most: below half an ulp of 1
}

TEST(SubnormalState, AdamMomentsBecomeZeroBelowTheSmallestNormal) {
  OptimizerOptions o;
  o.name = "adam";
  o.lr = 0.001;
  o.beta1 = 0.5;
  o.beta2 = 0.5;
  auto opt = make_optimizer<float>(o);
  OneWeight w;
  // g = 2^-63: m = 0.5 g = 2^-64; g^2 = 2^-126 is normal, v = 0.5 g^2 = 2^-127 is not: stored
  // as 0 (torch keeps the subnormal).
  w.p.grad[0] = std::ldexp(1.0f, -63);
  opt->step(w.list);
  auto b = buffers_of(*opt);
  EXPECT_EQ(b.at(0), std::ldexp(1.0, -64));
  EXPECT_EQ(b.at(1), 0.0);
  w.p.grad[0] = 0.0f;
  // m halves each step: 2^-126 after 62 more steps, 0 after the 63rd.
  for (int step = 1; step <= 63; ++step) {
    opt->step(w.list);
    b = buffers_of(*opt);
    EXPECT_EQ(b.at(0), step < 63 ? std::ldexp(1.0, -64 - step) : 0.0) << "step " << step;
    EXPECT_EQ(b.at(1), 0.0) << "step " << step;
  }
}

}  // namespace
}  // namespace bp
