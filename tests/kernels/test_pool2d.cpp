// Pooling kernels (src/kernels/pool2d.cpp): the fast versions (plane-parallel, the 2x2 stride-2
// path) bit-identical to the reference loops at awkward shapes and any thread count; tie and NaN
// rules; finite-difference gradient checks in double; PyTorch's values (tests/reference/).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "testing/cnn_util.hpp"
#include "kernels/pool2d.hpp"
#include "reference/conv_reference.inc"

namespace {

using bp::kernels::Pool2dShape;
using bp::test::random_vec;

Pool2dShape make(std::size_t N, std::size_t C, std::size_t H, std::size_t W, std::size_t KH,
                 std::size_t KW, std::size_t sh, std::size_t sw, std::size_t pt = 0,
                 std::size_t pl = 0, std::size_t pb = 0, std::size_t pr = 0) {
  return {N, C, H, W, KH, KW, sh, sw, pt, pl, pb, pr};
}

std::string describe(const Pool2dShape& s) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "N=%zu C=%zu H=%zu W=%zu k=%zux%zu stride=%zux%zu pad=t%zu,l%zu,b%zu,r%zu",
                s.N, s.C, s.H, s.W, s.KH, s.KW, s.stride_h, s.stride_w, s.pad_top, s.pad_left,
                s.pad_bottom, s.pad_right);
  return buf;
}

std::vector<Pool2dShape> awkward_shapes() {
  return {make(1, 1, 4, 4, 2, 2, 2, 2),           make(2, 3, 7, 9, 2, 2, 2, 2),  // odd: last row/column dropped
          make(2, 3, 7, 8, 3, 3, 2, 2, 1, 1, 1, 1), make(1, 5, 6, 5, 3, 2, 1, 2, 1, 0, 0, 1),
          make(3, 2, 5, 5, 5, 5, 1, 1),           make(1, 2, 5, 6, 1, 1, 2, 2),  // kernel = input; 1x1
          make(4, 32, 28, 28, 2, 2, 2, 2),        make(2, 3, 6, 6, 2, 3, 3, 1, 1, 1, 0, 1)};
}

std::size_t in_size(const Pool2dShape& s) { return s.N * s.C * s.H * s.W; }
std::size_t out_size(const Pool2dShape& s) { return s.N * s.C * s.OH() * s.OW(); }

// Fast against reference, bit for bit, at 1, 2 and 3 threads (pool of 4), float and double.
template <class T>
void check_fast_vs_ref() {
  bp::test::ScopedThreads pool(4);
  const auto shapes = awkward_shapes();
  for (std::size_t t = 0; t < shapes.size(); ++t) {
    const Pool2dShape& s = shapes[t];
    const auto x = random_vec<T>(in_size(s), 1 + unsigned(t));
    const auto dy = random_vec<T>(out_size(s), 2 + unsigned(t));
    std::vector<T> y_ref(out_size(s)), dx_ref(in_size(s));
    std::vector<std::uint32_t> idx_ref(out_size(s));
    bp::kernels::maxpool2d_forward_ref(y_ref.data(), idx_ref.data(), x.data(), s);
    bp::kernels::maxpool2d_backward_ref(dx_ref.data(), dy.data(), idx_ref.data(), s);
    for (std::size_t threads : {std::size_t{1}, std::size_t{2}, std::size_t{3}}) {
      std::vector<T> y(out_size(s)), dx(in_size(s), T(7));
      std::vector<std::uint32_t> idx(out_size(s));
      bp::kernels::maxpool2d_forward(y.data(), idx.data(), x.data(), s, threads);
      bp::kernels::maxpool2d_backward(dx.data(), dy.data(), idx.data(), s, threads);
      EXPECT_EQ(y, y_ref) << "max y " << describe(s) << " threads " << threads;
      EXPECT_EQ(idx, idx_ref) << "max idx " << describe(s) << " threads " << threads;
      EXPECT_EQ(dx, dx_ref) << "max dx " << describe(s) << " threads " << threads;
    }
    for (bool include_pad : {false, true}) {
      std::vector<T> ay_ref(out_size(s)), adx_ref(in_size(s));
      bp::kernels::avgpool2d_forward_ref(ay_ref.data(), x.data(), s, include_pad);
      bp::kernels::avgpool2d_backward_ref(adx_ref.data(), dy.data(), s, include_pad);
      for (std::size_t threads : {std::size_t{1}, std::size_t{2}, std::size_t{3}}) {
        std::vector<T> y(out_size(s)), dx(in_size(s), T(7));
        bp::kernels::avgpool2d_forward(y.data(), x.data(), s, include_pad, threads);
        bp::kernels::avgpool2d_backward(dx.data(), dy.data(), s, include_pad, threads);
        EXPECT_EQ(y, ay_ref) << "avg y " << describe(s) << " include_pad " << include_pad;
        EXPECT_EQ(dx, adx_ref) << "avg dx " << describe(s) << " include_pad " << include_pad;
      }
    }
  }
}

TEST(Pool2d, FastMatchesReferenceFloat) { check_fast_vs_ref<float>(); }
TEST(Pool2d, FastMatchesReferenceDouble) { check_fast_vs_ref<double>(); }

// Hand-derived on one 4x4 plane [[1,5,2,2],[3,5,0,2],[9,8,7,7],[9,6,7,7]], 2x2 stride 2:
// maxima 5, 2, 9, 7 at the first occurrence in row-major window order: indices 1, 2, 8, 10.
// Average (no padding, either divisor rule): (1+5+3+5)/4 = 3.5, 6/4 = 1.5, 32/4 = 8, 28/4 = 7.
TEST(Pool2d, HandDerivedTies) {
  const Pool2dShape s = make(1, 1, 4, 4, 2, 2, 2, 2);
  const std::vector<float> x = {1, 5, 2, 2, 3, 5, 0, 2, 9, 8, 7, 7, 9, 6, 7, 7};
  for (bool general : {false, true}) {
    std::vector<float> y(4);
    std::vector<std::uint32_t> idx(4);
    if (general)
      bp::kernels::maxpool2d_forward_ref(y.data(), idx.data(), x.data(), s);
    else
      bp::kernels::maxpool2d_forward(y.data(), idx.data(), x.data(), s);
    EXPECT_EQ(y, (std::vector<float>{5, 2, 9, 7}));
    EXPECT_EQ(idx, (std::vector<std::uint32_t>{1, 2, 8, 10}));
  }
  std::vector<float> ay(4);
  bp::kernels::avgpool2d_forward(ay.data(), x.data(), s, false);
  EXPECT_EQ(ay, (std::vector<float>{3.5f, 1.5f, 8.0f, 7.0f}));
}

// Padding: 3x3 windows, stride 2, padding 1 on a 2x2 plane [[1,2],[3,4]] give one window
// covering rows/columns -1..1: max 4 (index 3); average 10/9 with the padding counted, 10/4 without.
// Backward of the average spreads dy/9 (or dy/4) over the four real elements.
TEST(Pool2d, HandDerivedPadding) {
  const Pool2dShape s = make(1, 1, 2, 2, 3, 3, 2, 2, 1, 1, 1, 1);
  ASSERT_EQ(s.OH(), 1u);
  const std::vector<double> x = {1, 2, 3, 4}, dy = {18};
  std::vector<double> y(1), dx(4);
  std::vector<std::uint32_t> idx(1);
  bp::kernels::maxpool2d_forward(y.data(), idx.data(), x.data(), s);
  EXPECT_EQ(y[0], 4.0);
  EXPECT_EQ(idx[0], 3u);
  bp::kernels::avgpool2d_forward(y.data(), x.data(), s, true);
  EXPECT_EQ(y[0], 10.0 / 9.0);
  bp::kernels::avgpool2d_backward(dx.data(), dy.data(), s, true);
  EXPECT_EQ(dx, (std::vector<double>{2, 2, 2, 2}));
  bp::kernels::avgpool2d_forward(y.data(), x.data(), s, false);
  EXPECT_EQ(y[0], 2.5);
  bp::kernels::avgpool2d_backward(dx.data(), dy.data(), s, false);
  EXPECT_EQ(dx, (std::vector<double>{4.5, 4.5, 4.5, 4.5}));
}

// NaN wins the window (PyTorch's `val > max || isnan(val)`: the last NaN), in both max paths.
TEST(Pool2d, NanPropagates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {1, nan, 2, nan};
  for (const Pool2dShape& s : {make(1, 1, 2, 2, 2, 2, 2, 2), make(1, 1, 2, 2, 2, 2, 1, 1)}) {
    std::vector<float> y(1), yr(1);
    std::vector<std::uint32_t> idx(1), idxr(1);
    bp::kernels::maxpool2d_forward(y.data(), idx.data(), x.data(), s);
    bp::kernels::maxpool2d_forward_ref(yr.data(), idxr.data(), x.data(), s);
    EXPECT_TRUE(std::isnan(y[0]) && std::isnan(yr[0]));
    EXPECT_EQ(idx[0], 3u);
    EXPECT_EQ(idxr[0], 3u);
  }
}

// Gradients against finite differences of L = sum r * y in double. Max pooling: the inputs are a
// shuffled ramp with steps of 0.01, so no perturbation (at most 2e-3) changes a window's maximum.
TEST(Pool2d, GradcheckDouble) {
  const auto shapes = awkward_shapes();
  for (std::size_t t = 0; t < shapes.size(); ++t) {
    const Pool2dShape& s = shapes[t];
    if (in_size(s) > 2000) continue;  // the target shape: covered by FastMatchesReference
    std::vector<double> x(in_size(s));
    for (std::size_t k = 0; k < x.size(); ++k) x[k] = 0.01 * double(k) - 1.0;
    std::shuffle(x.begin(), x.end(), std::mt19937(unsigned(t)));
    const auto r = random_vec<double>(out_size(s), 40 + unsigned(t));
    std::vector<double> y(out_size(s)), dx(in_size(s));
    std::vector<std::uint32_t> idx(out_size(s));
    bp::kernels::maxpool2d_forward(y.data(), idx.data(), x.data(), s);
    bp::kernels::maxpool2d_backward(dx.data(), r.data(), idx.data(), s);
    auto max_loss = [&] {
      bp::kernels::maxpool2d_forward(y.data(), idx.data(), x.data(), s);
      return bp::test::dot(r, y);
    };
    EXPECT_LE(bp::test::worst_rel_err(dx, bp::test::numeric_grad(x, max_loss)), 1e-6) << "max " << describe(s);
    for (bool include_pad : {false, true}) {
      bp::kernels::avgpool2d_backward(dx.data(), r.data(), s, include_pad);
      auto avg_loss = [&] {
        bp::kernels::avgpool2d_forward(y.data(), x.data(), s, include_pad);
        return bp::test::dot(r, y);
      };
      EXPECT_LE(bp::test::worst_rel_err(dx, bp::test::numeric_grad(x, avg_loss)), 1e-6)
          << "avg " << describe(s) << " include_pad " << include_pad;
    }
  }
}

// PyTorch's values, indices and input gradients (F.max_pool2d with return_indices, F.avg_pool2d
// with either count_include_pad), in double and float.
template <class T>
void check_torch(double tol) {
  for (const auto& c : bp::ref::kPoolCases) {
    const std::size_t* v = c.shape;
    const Pool2dShape s = make(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]);
    const auto x = bp::test::convert<T>(c.x, in_size(s)), dy = bp::test::convert<T>(c.dy, out_size(s));
    std::vector<T> y(out_size(s)), dx(in_size(s));
    std::vector<std::uint32_t> idx(out_size(s));
    if (c.is_max) {
      bp::kernels::maxpool2d_forward(y.data(), idx.data(), x.data(), s, 2);
      bp::kernels::maxpool2d_backward(dx.data(), dy.data(), idx.data(), s, 2);
      for (std::size_t k = 0; k < idx.size(); ++k) ASSERT_EQ(idx[k], c.idx[k]) << c.label << " idx[" << k << "]";
    } else {
      bp::kernels::avgpool2d_forward(y.data(), x.data(), s, c.count_include_pad, 2);
      bp::kernels::avgpool2d_backward(dx.data(), dy.data(), s, c.count_include_pad, 2);
    }
    for (std::size_t k = 0; k < y.size(); ++k)
      ASSERT_NEAR(double(y[k]), c.y[k], tol) << c.label << " y[" << k << "]";
    for (std::size_t k = 0; k < dx.size(); ++k)
      ASSERT_NEAR(double(dx[k]), c.dx[k], tol) << c.label << " dx[" << k << "]";
  }
}

TEST(Pool2d, MatchesTorchDouble) { check_torch<double>(1e-14); }
TEST(Pool2d, MatchesTorchFloat) { check_torch<float>(1e-6); }

// The 2x2 stride-2 path forced to each implementation (PoolIsa::kGeneric, kAvx512) against the
// reference, bit for bit: widths that fill 16-window chunks exactly, leave a tail, or have an odd
// last column; odd heights; values drawn from {-1, 0, 1, 2} so that windows tie; NaNs and -0
// sprinkled in (a NaN wins its window, dx of a -0 gradient is +0); threads 1 and 2.
class PoolIsaTest : public ::testing::TestWithParam<bp::kernels::PoolIsa> {
 protected:
  void SetUp() override {
    if (!bp::kernels::pool_isa_supported(GetParam())) GTEST_SKIP() << "this CPU (or build) lacks the path";
  }
};

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST_P(PoolIsaTest, Max2x2MatchesReferenceBitForBit) {
  bp::test::ScopedThreads pool(2);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> pick(-1, 2);
  for (std::size_t W : {2u, 3u, 4u, 5u, 14u, 15u, 28u, 31u, 32u, 33u, 34u, 35u, 64u, 66u, 67u}) {
    for (std::size_t H : {2u, 3u, 5u, 6u}) {
      const Pool2dShape s = make(2, 3, H, W, 2, 2, 2, 2);
      std::vector<float> x(in_size(s)), dy(out_size(s));
      for (float& v : x) v = float(pick(rng));
      for (float& v : dy) v = float(pick(rng)) * 0.5f;
      for (std::size_t k = 0; k < x.size(); k += 37) x[k] = nan;
      for (std::size_t k = 5; k < dy.size(); k += 11) dy[k] = -0.0f;
      std::vector<float> y_ref(out_size(s)), dx_ref(in_size(s));
      std::vector<std::uint32_t> idx_ref(out_size(s));
      bp::kernels::maxpool2d_forward_ref(y_ref.data(), idx_ref.data(), x.data(), s);
      bp::kernels::maxpool2d_backward_ref(dx_ref.data(), dy.data(), idx_ref.data(), s);
      for (std::size_t threads : {std::size_t{1}, std::size_t{2}}) {
        std::vector<float> y(out_size(s), 7.0f), dx(in_size(s), 7.0f);
        std::vector<std::uint32_t> idx(out_size(s), 7u);
        bp::kernels::maxpool2d_forward(y.data(), idx.data(), x.data(), s, threads, GetParam());
        bp::kernels::maxpool2d_backward(dx.data(), dy.data(), idx.data(), s, threads, GetParam());
        EXPECT_TRUE(same_bits(y, y_ref)) << "y " << describe(s) << " threads " << threads;
        EXPECT_EQ(idx, idx_ref) << "idx " << describe(s) << " threads " << threads;
        EXPECT_TRUE(same_bits(dx, dx_ref)) << "dx " << describe(s) << " threads " << threads;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, PoolIsaTest,
                         ::testing::Values(bp::kernels::PoolIsa::kGeneric, bp::kernels::PoolIsa::kAvx512),
                         [](const ::testing::TestParamInfo<bp::kernels::PoolIsa>& p) {
                           return p.param == bp::kernels::PoolIsa::kGeneric ? std::string("Generic")
                                                                            : std::string("Avx512");
                         });

}  // namespace
