// The fused SGD step against the general path, bit for bit: the kernel (sgemm_sgd: dw = dzᵀx
// with the update in sgemm's epilogue) against { zeroed C, sgemm with beta = 1, sgd_update_ref },
// and Network::backward_sgd against { zero_grad, backward, Optimizer::step } over several steps,
// for SGD without momentum, with momentum and dampening, and Nesterov, on awkward shapes and at
// several thread counts.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "backprop/backprop.hpp"
#include "backprop/optim/options.hpp"
#include "kernels/gemm.hpp"
#include "kernels/sgd_update.hpp"
#include "nn/dense_at.hpp"
#include "nn/fused/fused_sgd.hpp"

namespace bp {
namespace {

// Restores the thread count when a test ends.
struct ThreadsGuard {
  std::size_t saved = num_threads();
  ~ThreadsGuard() { set_num_threads(saved); }
};

std::vector<float> randoms(std::size_t n, std::uint32_t seed, float scale = 1.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = u(gen);
  return v;
}

// First index where a and b differ in bits, or -1.
long first_difference(const float* a, const float* b, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k)
    if (std::memcmp(a + k, b + k, sizeof(float)) != 0) return long(k);
  return -1;
}

struct Shape {
  std::size_t M, N, K;
};

TEST(FusedSgdKernel, SgemmSgdMatchesProductThenUpdate) {
  ThreadsGuard guard;
  const Shape shapes[] = {{1, 1, 1},    {13, 37, 5},  {12, 32, 128}, {25, 70, 257},
                          {256, 784, 128}, {10, 128, 96}, {7, 300, 600}, {145, 33, 3}};
  const kernels::GemmIsa isas[] = {kernels::GemmIsa::kAvx512, kernels::GemmIsa::kAvx2,
                                   kernels::GemmIsa::kGeneric};
  struct Rule {
    bool momentum, nesterov, first;
    float dampening;
  };
  const Rule rules[] = {{false, false, false, 0}, {true, false, true, 0}, {true, false, false, 0},
                        {true, false, false, 0.25f}, {true, true, false, 0}};
  for (const Shape& s : shapes)
    for (kernels::GemmIsa isa : isas) {
      if (!kernels::gemm_isa_supported(isa)) continue;
      for (const Rule& rl : rules)
        for (std::size_t threads : {1u, 2u, 3u}) {
          set_num_threads(threads);
          // dw (M, N) = dzᵀ x: dz is (K, M), x is (K, N).
          const auto dz = randoms(s.K * s.M, 1), x = randoms(s.K * s.N, 2);
          const auto w0 = randoms(s.M * s.N, 3), v0 = randoms(s.M * s.N, 4, 0.1f);
          const kernels::SgdRule<float> rule{0.05f, 0.0f, rl.momentum ? 0.9f : 0.0f,
                                             1.0f - rl.dampening, rl.nesterov};
          // The general path.
          std::vector<float> g(s.M * s.N, 0.0f), w_ref = w0, v_ref = v0;
          kernels::sgemm_with(isa, true, false, s.M, s.N, s.K, 1.0f, dz.data(), s.M, x.data(), s.N,
                              1.0f, g.data(), s.N, threads);
          kernels::sgd_update_ref(w_ref.data(), g.data(), rl.momentum ? v_ref.data() : nullptr,
                                  rl.first, rule, g.size());
          // The fused kernel; its scratch starts as NaN to show that it is not read unwritten.
          std::vector<float> scratch(s.M * s.N, std::numeric_limits<float>::quiet_NaN());
          std::vector<float> w = w0, v = v0;
          kernels::sgemm_sgd_with(isa, true, false, s.M, s.N, s.K, dz.data(), s.M, x.data(), s.N,
                                  scratch.data(), s.N, w.data(), rl.momentum ? v.data() : nullptr,
                                  s.N, rl.first, rule, threads);
          const auto where = ::testing::Message()
                             << "isa " << kernels::gemm_isa_name(isa) << ", M " << s.M << " N "
                             << s.N << " K " << s.K << ", momentum " << rl.momentum
                             << " nesterov " << rl.nesterov << " first " << rl.first
                             << " dampening " << rl.dampening << ", threads " << threads;
          EXPECT_EQ(first_difference(w.data(), w_ref.data(), w.size()), -1) << where;
          EXPECT_EQ(first_difference(v.data(), v_ref.data(), v.size()), -1) << where;
        }
    }
}

// A momentum buffer whose gradient is zero decays by 0.9 a step: 2^-120 (normal) reaches the
// subnormals at step 40 (0.9^40 < 2^-6 < 0.9^39) and is then stored as +0 by every path
// (flush_subnormal in kernels/sgd_update.hpp), where torch.optim.SGD would keep it subnormal,
// stuck at 2^-149 for good. The weight of magnitude 1 never moves.
TEST(FusedSgdKernel, VelocityBelowTheSmallestNormalIsStoredAsZero) {
  ThreadsGuard guard;
  const kernels::SgdRule<float> rule{0.5f, 0.0f, 0.9f, 1.0f, false};
  const std::size_t M = 3, N = 37, K = 4;  // 37: a masked row end in the AVX-512 epilogue
  const std::vector<float> dz(K * M, 0.0f), x = randoms(K * N, 8);
  std::vector<float> scratch(M * N), v_fused(M * N, std::ldexp(1.0f, -120)), w_fused(M * N, 1.0f);
  std::vector<float> v_ref = v_fused, w_ref = w_fused, v_vec = v_fused, w_vec = w_fused;
  const std::vector<float> g(M * N, 0.0f);
  float expect = std::ldexp(1.0f, -120);
  for (int step = 1; step <= 80; ++step) {
    expect = expect * 0.9f + 1.0f * 0.0f;  // the rule by hand, then the flush
    if (std::fabs(expect) < std::numeric_limits<float>::min()) expect = 0.0f;
    kernels::sgd_update_ref(w_ref.data(), g.data(), v_ref.data(), false, rule, g.size());
    kernels::sgd_update(w_vec.data(), g.data(), v_vec.data(), false, rule, g.size());
    kernels::sgemm_sgd(true, false, M, N, K, dz.data(), M, x.data(), N, scratch.data(), N,
                       w_fused.data(), v_fused.data(), N, false, rule);
    for (const auto* v : {&v_ref, &v_vec, &v_fused})
      ASSERT_EQ(first_difference(v->data(), std::vector<float>(M * N, expect).data(), M * N), -1)
          << "step " << step << ": expected " << expect;
    EXPECT_EQ(expect == 0.0f, step >= 40) << "step " << step;
  }
  for (const auto* w : {&w_ref, &w_vec, &w_fused})
    EXPECT_EQ(first_difference(w->data(), std::vector<float>(M * N, 1.0f).data(), M * N), -1);
  // double: the same rule against DBL_MIN.
  std::vector<double> wd(5, 1.0), vd(5, std::ldexp(1.0, -1020)), gd(5, 0.0);
  const kernels::SgdRule<double> rd{0.5, 0.0, 0.5, 1.0, false};
  for (int step = 0; step < 2; ++step) kernels::sgd_update(wd.data(), gd.data(), vd.data(), false, rd, 5);
  EXPECT_EQ(vd, std::vector<double>(5, std::ldexp(1.0, -1022)));  // 2^-1022 = DBL_MIN: kept
  kernels::sgd_update(wd.data(), gd.data(), vd.data(), false, rd, 5);
  EXPECT_EQ(vd, std::vector<double>(5, 0.0));
}

TEST(FusedSgdKernel, SgdUpdateMatchesReference) {
  ThreadsGuard guard;
  for (std::size_t threads : {1u, 2u})
    for (std::size_t n : {1u, 63u, 100000u}) {
      set_num_threads(threads);
      const auto g = randoms(n, 5), w0 = randoms(n, 6), v0 = randoms(n, 7);
      for (bool nesterov : {false, true}) {
        const kernels::SgdRule<float> rule{0.1f, 0.0f, 0.9f, 1.0f, nesterov};
        auto w = w0, v = v0, w_ref = w0, v_ref = v0;
        kernels::sgd_update(w.data(), g.data(), v.data(), false, rule, n);
        kernels::sgd_update_ref(w_ref.data(), g.data(), v_ref.data(), false, rule, n);
        EXPECT_EQ(first_difference(w.data(), w_ref.data(), n), -1) << n << " " << threads;
        EXPECT_EQ(first_difference(v.data(), v_ref.data(), n), -1) << n << " " << threads;
      }
    }
}

std::vector<Param<float>*> params_of(Network<float>& net) {
  return {net.params().begin(), net.params().end()};
}

struct NetCase {
  std::vector<std::size_t> sizes;
  std::size_t batch;
  double momentum, dampening;
  bool nesterov;
  double dropout;
  bool freeze_first_bias;
};

// Trains two copies of one network for several steps, one with backward_sgd and one with
// zero_grad + backward + step, and compares weights and optimizer state bit for bit.
void expect_same_training(const NetCase& c, std::size_t threads) {
  set_num_threads(threads);
  std::vector<DenseOptions> layers;
  for (std::size_t l = 0; l + 1 < c.sizes.size(); ++l) {
    const bool last = l + 2 == c.sizes.size();
    layers.push_back({.in = c.sizes[l],
                      .out = c.sizes[l + 1],
                      .activation = last ? Activation::kSoftmax : Activation::kRelu,
                      .train_bias = !(l == 0 && c.freeze_first_bias),
                      .dropout = last ? 0.0 : c.dropout});
  }
  Network<float> fused(layers, Loss::kSoftmaxCrossEntropy);
  std::vector<Dense<float>*> dense;  // with dropout, a Dropout layer follows each hidden one
  for (std::size_t l = 0; l < fused.depth(); ++l)
    if (auto* d = fused.layer(l).as<Dense<float>>()) dense.push_back(d);
  for (std::size_t l = 0; l < dense.size(); ++l) {
    auto& w = dense[l]->weights().value;
    const auto r = randoms(w.size(), std::uint32_t(10 + l), 0.3f);
    std::copy(r.begin(), r.end(), w.data());
    auto& b = dense[l]->bias().value;
    const auto rb = randoms(b.size(), std::uint32_t(20 + l), 0.1f);
    std::copy(rb.begin(), rb.end(), b.data());
  }
  Network<float> general = fused;
  OptimizerOptions o;
  o.name = "sgd";
  o.lr = 0.05;
  o.momentum = c.momentum;
  o.dampening = c.dampening;
  o.nesterov = c.nesterov;
  auto opt_fused = make_optimizer<float>(o), opt_general = make_optimizer<float>(o);
  auto ps_fused = params_of(fused), ps_general = params_of(general);
  std::vector<SgdStep<float>> steps(ps_fused.size());
  const std::size_t I = c.sizes.front(), K = c.sizes.back();
  fused.set_training(true);
  general.set_training(true);
  for (std::size_t step = 0; step < 4; ++step) {
    Matrix<float> x(c.batch, I), y(c.batch, K);
    const auto xr = randoms(x.size(), std::uint32_t(100 + step));
    std::copy(xr.begin(), xr.end(), x.data());
    for (std::size_t n = 0; n < c.batch; ++n) y(n, (n * 7 + step) % K) = 1.0f;

    fused.seed_dropout(step);
    fused.forward(x);
    ASSERT_TRUE(opt_fused->plan_fused_sgd(ps_fused, steps));
    ASSERT_TRUE(fused::backward_sgd<float>(fused, x, y, steps));
    opt_fused->commit_fused_sgd(ps_fused);

    general.seed_dropout(step);
    general.zero_grad();
    general.forward(x);
    general.backward(x, y);
    opt_general->step_with_loss(ps_general, general.loss_value(y));

    for (std::size_t k = 0; k < ps_fused.size(); ++k) {
      const auto& a = ps_fused[k]->value;
      const auto& b = ps_general[k]->value;
      ASSERT_EQ(first_difference(a.data(), b.data(), a.size()), -1)
          << "parameter " << k << " after step " << step + 1 << ", threads " << threads
          << ", batch " << c.batch << ", momentum " << c.momentum << ", nesterov " << c.nesterov;
    }
    std::vector<double> sa, sb;
    opt_fused->save_state(sa);
    opt_general->save_state(sb);
    ASSERT_EQ(sa, sb) << "optimizer state after step " << step + 1;
  }
}

TEST(FusedSgdNetwork, MatchesGeneralPathBitForBit) {
  ThreadsGuard guard;
  const NetCase cases[] = {
      {{784, 256, 128, 10}, 128, 0.9, 0, false, 0, false},   // W2
      {{37, 29, 13, 5}, 19, 0.0, 0, false, 0, false},        // small products: reference loops
      {{300, 70, 9}, 300, 0.9, 0, true, 0, false},           // K > 256: partial sums in scratch
      {{61, 45, 33, 7}, 50, 0.8, 0.3, false, 0.25, true},    // dampening, dropout, frozen bias
      {{40, 30, 10}, 1, 0.9, 0, false, 0, false},            // batch 1 (reference loops)
      // Not here: batch 1 with I * O >= 4096, whose gemv kernels split each row at the weights'
      // first 64-byte boundary, so two copies of one network at different addresses may
      // round differently (the fused path runs the same kernels as the general one there).
  };
  for (const NetCase& c : cases)
    for (std::size_t threads : {1u, 2u, 3u}) expect_same_training(c, threads);
}

TEST(FusedSgdNetwork, PlainSgdOnlyAndRefusesNonFiniteGradients) {
  OptimizerOptions adam;
  adam.name = "adam";
  adam.lr = 0.001;
  Network<float> net({{.in = 1, .out = 1}, {.in = 1, .out = 1}}, Loss::kMse);
  auto ps = params_of(net);
  std::vector<SgdStep<float>> steps(ps.size());
  EXPECT_FALSE(make_optimizer<float>(adam)->plan_fused_sgd(ps, steps));
  OptimizerOptions wd;
  wd.weight_decay = 0.01;
  wd.lr = 0.1;
  EXPECT_FALSE(make_optimizer<float>(wd)->plan_fused_sgd(ps, steps));

  // dE/dw1 = dz * x overflows although every input to it is finite: refused before any change.
  dense_at(net, 0).weights().value[0] = 1e-30f;
  dense_at(net, 1).weights().value[0] = 1e10f;
  const Network<float> before = net;
  OptimizerOptions sgd;
  sgd.lr = 0.1;
  auto opt = make_optimizer<float>(sgd);
  ASSERT_TRUE(opt->plan_fused_sgd(ps, steps));
  Matrix<float> x(1, 1), t(1, 1);
  x[0] = 1e30f;
  net.forward(x);
  EXPECT_FALSE(fused::backward_sgd<float>(net, x, t, steps));
  EXPECT_EQ(dense_at(net, 0).weights().value, dense_at(before, 0).weights().value);
  EXPECT_EQ(dense_at(net, 1).weights().value, dense_at(before, 1).weights().value);
  EXPECT_THROW(fused::backward_sgd<float>(net, x, t, std::span(steps).first(1)), UsageError);
}

}  // namespace
}  // namespace bp
