// Conv2D kernels (src/kernels/conv2d.cpp): the float im2col + sgemm path against the exact result
// (the reference loop in double) within a rounding bound, with each sgemm micro-kernel forced in
// turn, at awkward shapes; bit-identical results for any thread count; finite-difference gradient
// checks in double; a hand-derived lowering; and PyTorch's values (tests/reference/).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "testing/cnn_util.hpp"
#include "kernels/conv2d.hpp"
#include "reference/conv_reference.inc"

namespace {

using bp::kernels::Conv2dShape;
using bp::kernels::GemmIsa;
using bp::test::random_vec;

Conv2dShape make(std::size_t N, std::size_t C, std::size_t H, std::size_t W, std::size_t OC,
                 std::size_t KH, std::size_t KW, std::size_t sh, std::size_t sw, std::size_t pt,
                 std::size_t pl, std::size_t pb, std::size_t pr, std::size_t dh = 1,
                 std::size_t dw = 1) {
  return {N, C, H, W, OC, KH, KW, sh, sw, pt, pl, pb, pr, dh, dw};
}

std::string describe(const Conv2dShape& s) {
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "N=%zu C=%zu H=%zu W=%zu OC=%zu k=%zux%zu stride=%zux%zu pad=t%zu,l%zu,b%zu,r%zu "
                "dil=%zux%zu",
                s.N, s.C, s.H, s.W, s.OC, s.KH, s.KW, s.stride_h, s.stride_w, s.pad_top,
                s.pad_left, s.pad_bottom, s.pad_right, s.dil_h, s.dil_w);
  return buf;
}

// Odd sizes, stride 2 and 3, padding (symmetric, asymmetric 'same' for an even kernel, whole
// output rows in the padding), 1x1 kernels (the pointwise path and strided), batch 1, channels
// not multiples of 8, the kernel as large as the input, dilation, and the target CNN's two layers.
std::vector<Conv2dShape> awkward_shapes() {
  return {make(1, 1, 5, 5, 1, 3, 3, 1, 1, 1, 1, 1, 1),
          make(2, 3, 7, 6, 5, 3, 3, 2, 2, 1, 1, 1, 1),
          make(3, 5, 9, 11, 7, 1, 1, 1, 1, 0, 0, 0, 0),
          make(2, 4, 6, 5, 3, 6, 5, 1, 1, 0, 0, 0, 0),
          make(2, 3, 8, 8, 9, 2, 2, 1, 1, 0, 0, 1, 1),
          make(1, 2, 9, 7, 3, 3, 2, 2, 1, 2, 0, 1, 1, 2, 1),
          make(2, 10, 5, 5, 3, 1, 1, 2, 2, 0, 0, 0, 0),
          make(1, 2, 3, 3, 2, 3, 3, 1, 1, 3, 3, 3, 3),
          make(3, 3, 10, 9, 17, 3, 3, 3, 2, 2, 1, 0, 1),
          make(4, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1),
          make(2, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1)};
}

struct Sizes {
  std::size_t x, w, y;
  explicit Sizes(const Conv2dShape& s)
      : x(s.N * s.C * s.H * s.W), w(s.OC * s.col_rows()), y(s.N * s.OC * s.OH() * s.OW()) {}
};

std::vector<double> to_double(const std::vector<float>& v) { return bp::test::convert<double>(v.data(), v.size()); }
std::vector<double> abs_of(const std::vector<double>& v) {
  std::vector<double> a(v.size());
  for (std::size_t k = 0; k < v.size(); ++k) a[k] = std::abs(v[k]);
  return a;
}

// got (float) against the exact value within (terms + 2) * eps_float * bound, element by element.
void expect_close(const std::vector<float>& got, const std::vector<double>& exact,
                  const std::vector<double>& bound, double terms, const std::string& what) {
  const double eps = std::numeric_limits<float>::epsilon();
  int failures = 0;
  for (std::size_t k = 0; k < got.size(); ++k) {
    const double tol = (terms + 2) * eps * bound[k] + 1e-30;
    const double diff = std::abs(double(got[k]) - exact[k]);
    if (!(diff <= tol) && ++failures <= 5)
      ADD_FAILURE() << what << " [" << k << "]: got " << got[k] << " want " << exact[k]
                    << " (|diff| " << diff << " > tol " << tol << ")";
  }
  if (failures > 5) ADD_FAILURE() << what << ": " << failures << " mismatches in all";
}

class ConvIsaTest : public ::testing::TestWithParam<GemmIsa> {
 protected:
  void SetUp() override {
    if (!bp::kernels::gemm_isa_supported(GetParam()))
      GTEST_SKIP() << "this CPU (or build) has no " << bp::kernels::gemm_isa_name(GetParam());
  }
};

TEST_P(ConvIsaTest, ForwardMatchesExact) {
  const auto shapes = awkward_shapes();
  for (std::size_t t = 0; t < shapes.size(); ++t) {
    const Conv2dShape& s = shapes[t];
    const Sizes n(s);
    const bool with_bias = t % 3 != 1;
    const auto x = random_vec<float>(n.x, 1 + unsigned(t)), w = random_vec<float>(n.w, 50 + unsigned(t));
    const auto b = random_vec<float>(s.OC, 99 + unsigned(t));
    std::vector<float> y(n.y, std::numeric_limits<float>::quiet_NaN());
    std::vector<float> scratch(bp::kernels::conv2d_scratch_size<float>(s, 1));
    bp::kernels::conv2d_forward(y.data(), x.data(), w.data(), with_bias ? b.data() : nullptr, s,
                                scratch.data(), 1, GetParam());
    const auto xd = to_double(x), wd = to_double(w), bd = to_double(b);
    std::vector<double> exact(n.y), bound(n.y);
    bp::kernels::conv2d_forward_ref(exact.data(), xd.data(), wd.data(), with_bias ? bd.data() : nullptr, s);
    const auto xa = abs_of(xd), wa = abs_of(wd), ba = abs_of(bd);
    bp::kernels::conv2d_forward_ref(bound.data(), xa.data(), wa.data(), with_bias ? ba.data() : nullptr, s);
    expect_close(y, exact, bound, double(s.col_rows()), "forward " + describe(s));
    // The float reference obeys the same bound (so both agree with each other too).
    std::vector<float> ref(n.y);
    bp::kernels::conv2d_forward_ref(ref.data(), x.data(), w.data(), with_bias ? b.data() : nullptr, s);
    expect_close(ref, exact, bound, double(s.col_rows()), "forward_ref " + describe(s));
  }
}

TEST_P(ConvIsaTest, BackwardMatchesExact) {
  const auto shapes = awkward_shapes();
  for (std::size_t t = 0; t < shapes.size(); ++t) {
    const Conv2dShape& s = shapes[t];
    const Sizes n(s);
    const auto x = random_vec<float>(n.x, 3 + unsigned(t)), w = random_vec<float>(n.w, 60 + unsigned(t));
    const auto dy = random_vec<float>(n.y, 120 + unsigned(t));
    const auto dw0 = random_vec<float>(n.w, 7 + unsigned(t)), db0 = random_vec<float>(s.OC, 8 + unsigned(t));
    std::vector<float> dx(n.x, std::numeric_limits<float>::quiet_NaN()), dw = dw0, db = db0;
    std::vector<float> scratch(bp::kernels::conv2d_scratch_size<float>(s, 1));
    bp::kernels::conv2d_backward(dx.data(), dw.data(), db.data(), dy.data(), x.data(), w.data(), s,
                                 scratch.data(), 1, GetParam());
    const auto xd = to_double(x), wd = to_double(w), dyd = to_double(dy);
    std::vector<double> edx(n.x), edw = to_double(dw0), edb = to_double(db0);
    bp::kernels::conv2d_backward_ref(edx.data(), edw.data(), edb.data(), dyd.data(), xd.data(), wd.data(), s);
    const auto xa = abs_of(xd), wa = abs_of(wd), dya = abs_of(dyd);
    std::vector<double> bdx(n.x), bdw = abs_of(to_double(dw0)), bdb = abs_of(to_double(db0));
    bp::kernels::conv2d_backward_ref(bdx.data(), bdw.data(), bdb.data(), dya.data(), xa.data(), wa.data(), s);
    const double per_weight = double(s.N * s.OH() * s.OW()), per_input = double(s.OC * s.KH * s.KW);
    expect_close(dx, edx, bdx, 2 * per_input, "dx " + describe(s));
    expect_close(dw, edw, bdw, 2 * per_weight, "dw " + describe(s));
    expect_close(db, edb, bdb, 2 * per_weight, "db " + describe(s));
  }
}

// Forward and backward at 2 and 3 threads give the bits of 1 thread: batches larger and smaller
// than the thread count (batch 1: the threads go to sgemm), with a pool of 4.
TEST_P(ConvIsaTest, ThreadsBitIdentical) {
  bp::test::ScopedThreads pool(4);
  for (const Conv2dShape& s : {make(5, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1),
                               make(1, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1),
                               make(3, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1),
                               make(4, 16, 7, 7, 24, 1, 1, 1, 1, 0, 0, 0, 0),
                               make(3, 5, 9, 11, 7, 3, 2, 2, 1, 1, 0, 1, 1)}) {
    const Sizes n(s);
    const auto x = random_vec<float>(n.x, 1), w = random_vec<float>(n.w, 2), b = random_vec<float>(s.OC, 3);
    const auto dy = random_vec<float>(n.y, 4);
    auto run = [&](std::size_t threads) {
      std::vector<float> scratch(bp::kernels::conv2d_scratch_size<float>(s, threads));
      std::vector<float> y(n.y), dx(n.x), dw(n.w, 0.5f), db(s.OC, 0.25f);
      bp::kernels::conv2d_forward(y.data(), x.data(), w.data(), b.data(), s, scratch.data(), threads, GetParam());
      bp::kernels::conv2d_backward(dx.data(), dw.data(), db.data(), dy.data(), x.data(), w.data(), s,
                                   scratch.data(), threads, GetParam());
      return std::vector<std::vector<float>>{y, dx, dw, db};
    };
    const auto one = run(1);
    for (std::size_t threads : {std::size_t{2}, std::size_t{3}}) {
      const auto many = run(threads);
      const char* names[] = {"y", "dx", "dw", "db"};
      for (std::size_t k = 0; k < one.size(); ++k)
        EXPECT_TRUE(bp::test::same_bits(one[k], many[k]))
            << names[k] << " differs at " << threads << " threads: " << describe(s);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Conv2d, ConvIsaTest,
                         ::testing::Values(GemmIsa::kAvx512, GemmIsa::kAvx2, GemmIsa::kGeneric),
                         [](const ::testing::TestParamInfo<GemmIsa>& p) {
                           return std::string(bp::kernels::gemm_isa_name(p.param));
                         });

// The lowering forced to each implementation (LowerIsa::kGeneric, kAvx512) gives the same bits:
// every awkward shape (the strided and dilated ones take the portable loop either way), and
// stride-1 rows wider than one 16-column chunk with padding on either side or none.
TEST(Conv2d, LoweringPathsBitIdentical) {
  using bp::kernels::LowerIsa;
  if (!bp::kernels::lower_isa_supported(LowerIsa::kAvx512)) GTEST_SKIP() << "no AVX-512 here";
  auto shapes = awkward_shapes();
  for (std::size_t W : {15u, 16u, 17u, 31u, 33u, 40u})
    for (std::size_t p : {0u, 1u, 2u}) shapes.push_back(make(1, 2, 5, W, 3, 3, 5, 1, 1, p, p, 2 - p / 2, p));
  for (std::size_t t = 0; t < shapes.size(); ++t) {
    const Conv2dShape& s = shapes[t];
    const std::size_t in = s.C * s.H * s.W, lowered = s.col_rows() * s.OH() * s.OW();
    auto x = random_vec<float>(in, 70 + unsigned(t));
    x[0] = -0.0f;
    const auto dcol = random_vec<float>(lowered, 80 + unsigned(t));
    std::vector<float> col_g(lowered, 7.0f), col_v(lowered, -7.0f), dx_g(in, 7.0f), dx_v(in, -7.0f);
    bp::kernels::im2col(col_g.data(), x.data(), s, LowerIsa::kGeneric);
    bp::kernels::im2col(col_v.data(), x.data(), s, LowerIsa::kAvx512);
    bp::kernels::col2im(dx_g.data(), dcol.data(), s, LowerIsa::kGeneric);
    bp::kernels::col2im(dx_v.data(), dcol.data(), s, LowerIsa::kAvx512);
    EXPECT_TRUE(bp::test::same_bits(col_g, col_v)) << "im2col " << describe(s);
    EXPECT_TRUE(bp::test::same_bits(dx_g, dx_v)) << "col2im " << describe(s);
  }
}

// Every backward output against finite differences of L = sum r * y in double.
TEST(Conv2d, GradcheckDouble) {
  const std::vector<Conv2dShape> shapes = {
      make(1, 1, 5, 5, 1, 3, 3, 1, 1, 1, 1, 1, 1),     make(2, 3, 7, 6, 5, 3, 3, 2, 2, 1, 1, 1, 1),
      make(2, 3, 4, 5, 3, 1, 1, 1, 1, 0, 0, 0, 0),     make(2, 2, 4, 3, 3, 4, 3, 1, 1, 0, 0, 0, 0),
      make(1, 2, 6, 6, 3, 2, 2, 1, 1, 0, 0, 1, 1),     make(1, 2, 9, 7, 3, 3, 2, 2, 1, 2, 0, 1, 1, 2, 1),
      make(2, 3, 5, 5, 2, 1, 1, 2, 2, 0, 0, 0, 0),     make(1, 2, 3, 3, 2, 3, 3, 1, 1, 3, 3, 3, 3)};
  for (std::size_t t = 0; t < shapes.size(); ++t) {
    const Conv2dShape& s = shapes[t];
    const Sizes n(s);
    auto x = random_vec<double>(n.x, 11 + unsigned(t)), w = random_vec<double>(n.w, 12 + unsigned(t));
    auto b = random_vec<double>(s.OC, 13 + unsigned(t));
    const auto r = random_vec<double>(n.y, 14 + unsigned(t));
    std::vector<double> dx(n.x), dw(n.w, 0.0), db(s.OC, 0.0), y(n.y);
    bp::kernels::conv2d_backward<double>(dx.data(), dw.data(), db.data(), r.data(), x.data(), w.data(), s,
                                         nullptr, 1);
    auto loss = [&] {
      bp::kernels::conv2d_forward<double>(y.data(), x.data(), w.data(), b.data(), s, nullptr, 1);
      return bp::test::dot(r, y);
    };
    EXPECT_LE(bp::test::worst_rel_err(dx, bp::test::numeric_grad(x, loss)), 1e-6) << "dx " << describe(s);
    EXPECT_LE(bp::test::worst_rel_err(dw, bp::test::numeric_grad(w, loss)), 1e-6) << "dw " << describe(s);
    EXPECT_LE(bp::test::worst_rel_err(db, bp::test::numeric_grad(b, loss)), 1e-6) << "db " << describe(s);
  }
}

// Hand-derived: x = [[1, 2], [3, 4]], a 2x2 kernel with padding 1 on every side gives a 3x3
// output; row (c=0, i=0, j=0) of the lowered matrix holds xpad[oh][ow] = [0 0 0; 0 1 2; 0 3 4] and
// row (0, 1, 1) holds xpad[oh+1][ow+1] = [1 2 0; 3 4 0; 0 0 0]. col2im of all ones counts how
// many windows see each input element: 4 each.
TEST(Conv2d, LoweringHandDerived) {
  const Conv2dShape s = make(1, 1, 2, 2, 1, 2, 2, 1, 1, 1, 1, 1, 1);
  const std::vector<float> x = {1, 2, 3, 4};
  std::vector<float> col(4 * 9, -1.0f);
  bp::kernels::im2col(col.data(), x.data(), s);
  EXPECT_EQ(std::vector<float>(col.begin(), col.begin() + 9), (std::vector<float>{0, 0, 0, 0, 1, 2, 0, 3, 4}));
  EXPECT_EQ(std::vector<float>(col.begin() + 27, col.end()), (std::vector<float>{1, 2, 0, 3, 4, 0, 0, 0, 0}));
  std::vector<float> ones(4 * 9, 1.0f), dx(4, -1.0f);
  bp::kernels::col2im(dx.data(), ones.data(), s);
  EXPECT_EQ(dx, (std::vector<float>{4, 4, 4, 4}));
  // 3 lowered matrices (4 x 9) and the weight gradient's 4 accumulators (4 x 1).
  EXPECT_EQ(bp::kernels::conv2d_scratch_size<float>(s, 3), 3u * 4 * 9 + 4u * 4 * 1);
  EXPECT_EQ(bp::kernels::conv2d_scratch_size<double>(s, 3), 0u);
}

// Output sizes: PyTorch's formula floor((H + pads - dil (K - 1) - 1) / stride) + 1, and 0 when the
// kernel does not fit.
TEST(Conv2d, OutputSize) {
  EXPECT_EQ(make(1, 1, 28, 28, 1, 3, 3, 1, 1, 1, 1, 1, 1).OH(), 28u);
  EXPECT_EQ(make(1, 1, 7, 6, 1, 3, 3, 2, 2, 1, 1, 1, 1).OH(), 4u);
  EXPECT_EQ(make(1, 1, 9, 7, 1, 3, 2, 2, 1, 2, 0, 1, 1, 2, 1).OH(), 4u);  // (9+3-5)/2+1
  EXPECT_EQ(make(1, 1, 9, 7, 1, 3, 2, 2, 1, 2, 0, 1, 1, 2, 1).OW(), 7u);  // (7+1-2)/1+1
  EXPECT_EQ(make(1, 1, 2, 2, 1, 3, 3, 1, 1, 0, 0, 0, 0).OH(), 0u);
}

Conv2dShape ref_shape(const bp::ref::ConvRefCase& c) {
  const std::size_t* v = c.shape;
  return make(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]);
}

// PyTorch's forward values and gradients: the double kernels to 1e-12, the float fast path to
// float rounding.
TEST(Conv2d, MatchesTorch) {
  for (const auto& c : bp::ref::kConvCases) {
    const Conv2dShape s = ref_shape(c);
    const Sizes n(s);
    ASSERT_EQ(s.OH(), c.OH) << c.label;
    ASSERT_EQ(s.OW(), c.OW) << c.label;
    std::vector<double> y(n.y), dx(n.x), dw(n.w, 0.0), db(s.OC, 0.0);
    bp::kernels::conv2d_forward<double>(y.data(), c.x, c.w, c.b, s, nullptr, 1);
    bp::kernels::conv2d_backward<double>(dx.data(), dw.data(), c.b ? db.data() : nullptr, c.dy, c.x, c.w,
                                         s, nullptr, 1);
    auto expect_near_all = [&](const std::vector<double>& got, const double* want, double tol, const char* what) {
      for (std::size_t k = 0; k < got.size(); ++k)
        ASSERT_NEAR(got[k], want[k], tol * (1 + std::abs(want[k]))) << c.label << " " << what << "[" << k << "]";
    };
    expect_near_all(y, c.y, 1e-12, "y");
    expect_near_all(dx, c.dx, 1e-12, "dx");
    expect_near_all(dw, c.dw, 1e-12, "dw");
    if (c.b) expect_near_all(db, c.db, 1e-12, "db");

    const auto xf = bp::test::convert<float>(c.x, n.x), wf = bp::test::convert<float>(c.w, n.w);
    const auto dyf = bp::test::convert<float>(c.dy, n.y);
    const auto bf = c.b ? bp::test::convert<float>(c.b, s.OC) : std::vector<float>(s.OC);
    std::vector<float> scratch(bp::kernels::conv2d_scratch_size<float>(s, 2));
    std::vector<float> yf(n.y), dxf(n.x), dwf(n.w, 0.0f), dbf(s.OC, 0.0f);
    bp::kernels::conv2d_forward(yf.data(), xf.data(), wf.data(), c.b ? bf.data() : nullptr, s, scratch.data(), 2);
    bp::kernels::conv2d_backward(dxf.data(), dwf.data(), dbf.data(), dyf.data(), xf.data(), wf.data(), s,
                                 scratch.data(), 2);
    expect_near_all(to_double(yf), c.y, 1e-5, "float y");
    expect_near_all(to_double(dxf), c.dx, 1e-5, "float dx");
    expect_near_all(to_double(dwf), c.dw, 1e-5, "float dw");
    if (c.b) expect_near_all(to_double(dbf), c.db, 1e-5, "float db");
  }
}

}  // namespace
