// Initialization: names and options, reproducibility, sample moments against each scheme's
// formula, bounds, Nguyen–Widrow norms, explicit values, frozen parameters, the portable log/exp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "backprop/nn/init.hpp"
#include "nn/dense_at.hpp"

namespace bp {
namespace {

constexpr InitKind kRandomKinds[] = {
    InitKind::kXavierUniform, InitKind::kXavierNormal, InitKind::kHeUniform,
    InitKind::kHeNormal,      InitKind::kLecunUniform, InitKind::kLecunNormal,
    InitKind::kWidrowNguyen,  InitKind::kUniform};

template <class T>
Network<T> make_net(std::vector<std::size_t> widths, Activation act = Activation::kTanh) {
  Network<T> net;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l)
    net.add({.in = widths[l], .out = widths[l + 1], .activation = act});
  return net;
}

template <class T>
std::vector<T> all_values(const Network<T>& net) {
  std::vector<T> v;
  for (const Param<T>* p : net.params()) v.insert(v.end(), p->value.begin(), p->value.end());
  return v;
}

TEST(Init, NamesRoundTripAndAliases) {
  for (InitKind k : kAllInitKinds) EXPECT_EQ(parse_init(init_name(k)), k) << init_name(k);
  EXPECT_EQ(parse_init("glorot_uniform"), InitKind::kXavierUniform);
  EXPECT_EQ(parse_init("glorot-normal"), InitKind::kXavierNormal);
  EXPECT_EQ(parse_init("kaiming-uniform"), InitKind::kHeUniform);
  EXPECT_EQ(parse_init("kaiming_normal"), InitKind::kHeNormal);
  EXPECT_EQ(parse_init("nguyen-widrow"), InitKind::kWidrowNguyen);
  EXPECT_EQ(parse_init("he_normal"), InitKind::kHeNormal);
}

TEST(Init, UnknownNameListsEveryName) {
  try {
    parse_init("xavier");
    FAIL() << "no exception";
  } catch (const UsageError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'xavier'"), std::string::npos) << msg;
    for (InitKind k : kAllInitKinds)
      EXPECT_NE(msg.find(std::string(init_name(k))), std::string::npos) << msg;
  }
}

TEST(Init, ValidateRejectsBadOptions) {
  EXPECT_NO_THROW(InitOptions{}.validate());
  EXPECT_THROW((InitOptions{.gain = 0}).validate(), UsageError);
  EXPECT_THROW((InitOptions{.gain = -1}).validate(), UsageError);
  EXPECT_THROW((InitOptions{.gain = std::nan("")}).validate(), UsageError);
  EXPECT_THROW((InitOptions{.kind = InitKind::kUniform, .range = 0}).validate(), UsageError);
  EXPECT_THROW((InitOptions{.bias = INFINITY}).validate(), UsageError);
  EXPECT_THROW((InitOptions{.values = {1.0}}).validate(), UsageError);  // values, not explicit
  EXPECT_THROW((InitOptions{.kind = InitKind::kExplicit, .gain = 2, .values = {1.0}}).validate(),
               UsageError);
  EXPECT_THROW((InitOptions{.kind = InitKind::kExplicit, .values = {1.0, NAN}}).validate(),
               UsageError);
}

template <class T>
void check_reproducible() {
  for (InitKind k : kRandomKinds) {
    auto a = make_net<T>({7, 5, 3}), b = make_net<T>({7, 5, 3}), c = make_net<T>({7, 5, 3});
    init_network(a, {.kind = k}, 42);
    init_network(b, {.kind = k}, 42);
    init_network(c, {.kind = k}, 43);
    EXPECT_EQ(all_values(a), all_values(b)) << init_name(k);  // bit-identical
    // Different seeds: every weight matrix differs (biases are constant except Nguyen–Widrow's).
    for (std::size_t l = 0; l < 2; ++l)
      EXPECT_NE(dense_at(a, l).weights().value, dense_at(c, l).weights().value)
          << init_name(k) << " layer " << l;
  }
}
TEST(Init, SameSeedSameBitsDifferentSeedDifferent) {
  check_reproducible<float>();
  check_reproducible<double>();
}

// Pinned values: a regression guard for the promise that a seed gives the same weights in every
// build (any change to the engine, the seeding or the transforms shows up here). These are not a
// correctness reference; the moment tests below are. Values printed with %.17g from this code.
TEST(Init, PinnedValuesForSeed42) {
  auto net = make_net<double>({4, 3});
  init_network(net, {.kind = InitKind::kXavierUniform}, 42);
  const Matrix<double> w = dense_at(net, 0).weights().value;
  init_network(net, {.kind = InitKind::kHeNormal}, 42);
  const Matrix<double> v = dense_at(net, 0).weights().value;
  EXPECT_EQ(w[0], 0.41055053291312416);
  EXPECT_EQ(w[1], 0.29687631322837316);
  EXPECT_EQ(w[11], 0.067475803692387037);
  EXPECT_EQ(v[0], 0.88979992406289365);
  EXPECT_EQ(v[1], 0.64342997947728109);
  EXPECT_EQ(v[11], -0.053142117565953502);
}

TEST(Init, EngineIsTheStandardMt19937_64) {
  // [rand.predef]: the 10000th output of a default-constructed mt19937_64 is 9981545732273789042.
  std::mt19937_64 eng;
  eng.discard(9999);
  EXPECT_EQ(eng(), 9981545732273789042ULL);
}

TEST(Init, PortableLogAndExpMatchTheLibrary) {
  // Both are accurate to a few ulp; 4 eps relative (plus an absolute 4 eps near ln 1 = 0) leaves
  // room for the library's own error (glibc's log and exp are within 1 ulp).
  const double eps = std::numeric_limits<double>::epsilon();
  std::mt19937_64 eng(1);
  for (int k = 0; k < 20000; ++k) {
    const double x = std::ldexp(1.0 + static_cast<double>(eng() >> 11) * 0x1.0p-53,
                                static_cast<int>(eng() % 200) - 100);
    EXPECT_NEAR(detail::portable_log(x), std::log(x), 4 * eps * (1 + std::abs(std::log(x)))) << x;
    const double y = static_cast<double>(static_cast<std::int64_t>(eng() % 140000) - 70000) / 100.7;
    EXPECT_NEAR(detail::portable_exp(y), std::exp(y), 4 * eps * std::exp(y)) << y;
  }
  EXPECT_EQ(detail::portable_log(1.0), 0.0);
  EXPECT_EQ(detail::portable_exp(0.0), 1.0);
}

// Sample moments of a 300 -> 400 layer (n = 120,000 weights, I = 300, O = 400) against the
// formula's variance sigma². Tolerances are 5 standard errors (two-sided miss probability
// 6e-7 per check for a correct sampler; the seeds are fixed, so the test is deterministic):
//   mean:      SE = sigma / sqrt(n)
//   variance:  SE(s²) = sigma² sqrt((kurtosis - 1) / n), kurtosis 3 (normal) or 9/5 (uniform),
//              i.e. 0.41% (normal) or 0.26% (uniform) of sigma² here
//   normal:    P(|w| < sigma) = 0.682689..., SE = sqrt(p (1 - p) / n) = 0.13 percentage points
//   uniform:   every |w| <= a, and max |w| > a (1 - 1e-4) (missed with odds (1 - 1e-4)^n < 1e-5)
struct Expect {
  InitKind kind;
  double var;  // formula variance sigma²
  bool normal;
};

template <class T>
void check_moments(double gain) {
  const double I = 300, O = 400;
  const Expect cases[] = {
      {InitKind::kXavierUniform, gain * gain * 2 / (I + O), false},
      {InitKind::kXavierNormal, gain * gain * 2 / (I + O), true},
      {InitKind::kHeUniform, gain * gain * 2 / I, false},
      {InitKind::kHeNormal, gain * gain * 2 / I, true},
      {InitKind::kLecunUniform, gain * gain / I, false},
      {InitKind::kLecunNormal, gain * gain / I, true},
      {InitKind::kUniform, gain * gain * 0.25 * 0.25 / 3, false},      // range 0.25
      {InitKind::kWidrowNguyen, 0.25 / 3, false},  // output layer: U[-0.5, 0.5], gain not applied
  };
  for (const Expect& c : cases) {
    auto net = make_net<T>({300, 400});
    init_network(net, {.kind = c.kind, .gain = gain, .range = 0.25, .bias = 0.125}, 7);
    const auto& w = dense_at(net, 0).weights().value;
    const double n = static_cast<double>(w.size());
    double sum = 0, sum2 = 0, max_abs = 0, inside = 0;
    for (T v : w) sum += static_cast<double>(v);
    const double mean = sum / n, sigma = std::sqrt(c.var);
    for (T v : w) {
      const double d = static_cast<double>(v) - mean;
      sum2 += d * d;
      max_abs = std::max(max_abs, std::abs(static_cast<double>(v)));
      inside += std::abs(static_cast<double>(v)) < sigma ? 1 : 0;
    }
    const double var = sum2 / (n - 1);
    const std::string name = std::string(init_name(c.kind)) + " gain " + std::to_string(gain);
    EXPECT_LT(std::abs(mean), 5 * sigma / std::sqrt(n)) << name;
    const double kurt = c.normal ? 3.0 : 1.8;
    EXPECT_LT(std::abs(var / c.var - 1), 5 * std::sqrt((kurt - 1) / n)) << name << " var " << var
                                                                        << " want " << c.var;
    if (c.normal) {
      const double p = 0.6826894921370859;
      EXPECT_LT(std::abs(inside / n - p), 5 * std::sqrt(p * (1 - p) / n)) << name;
    } else {
      const double a = std::sqrt(3 * c.var);
      EXPECT_LE(max_abs, static_cast<double>(static_cast<T>(a))) << name;  // a, rounded to T
      EXPECT_GT(max_abs, a * (1 - 1e-4)) << name;
    }
    for (T b : dense_at(net, 0).bias().value) ASSERT_EQ(b, T(0.125)) << name;  // the constant bias
  }
}
TEST(Init, SampleMomentsMatchFormulas) {
  check_moments<double>(1.0);
  check_moments<float>(1.0);
  check_moments<double>(1.7);
}

template <class T>
void check_widrow_nguyen(double gain, double tol) {
  // 5 -> 8 -> 6 -> 2: hidden layers (I=5, H=8) and (I=8, H=6), then the output layer.
  auto net = make_net<T>({5, 8, 6, 2});
  init_network(net, {.kind = InitKind::kWidrowNguyen, .gain = gain, .bias = 0.25}, 11);
  for (std::size_t l = 0; l < 2; ++l) {
    const auto& layer = dense_at(net, l);
    const double I = static_cast<double>(layer.in()), H = static_cast<double>(layer.out());
    const double beta = gain * 0.7 * std::pow(H, 1 / I);
    for (std::size_t o = 0; o < layer.out(); ++o) {
      double norm2 = 0;
      for (T v : layer.weights().value.row(o))
        norm2 += static_cast<double>(v) * static_cast<double>(v);
      EXPECT_NEAR(std::sqrt(norm2), beta, tol * beta) << "layer " << l << " neuron " << o;
    }
    for (T b : layer.bias().value) {
      EXPECT_LE(std::abs(static_cast<double>(b)), beta * (1 + tol)) << "layer " << l;
      EXPECT_NE(b, T(0.25));  // drawn by the method, not the constant
    }
  }
  for (T v : dense_at(net, 2).weights().value) EXPECT_LE(std::abs(static_cast<double>(v)), 0.5);
  for (T b : dense_at(net, 2).bias().value) EXPECT_EQ(b, T(0.25));
}
TEST(Init, WidrowNguyenNormsEqualBeta) {
  // double: the norm is a sum of 8 rounded squares, a sqrt and a scale (about 12 eps), and beta
  // goes through portable exp/log against std::pow (a few eps): 1e-13 is ample.
  check_widrow_nguyen<double>(1.0, 1e-13);
  check_widrow_nguyen<double>(2.0, 1e-13);
  // float: each weight is rounded to float (relative 2^-24), so the norm moves by up to 2^-24.
  check_widrow_nguyen<float>(1.0, 2 * std::numeric_limits<float>::epsilon());
}

TEST(Init, ExplicitValuesSetExactly) {
  // 2 -> 2 -> 1: w0 (2x2), b0 (2), w1 (1x2), b1 (1): 9 parameters.
  auto net = make_net<float>({2, 2, 1});
  const std::vector<double> values = {1, 2, 3, 4, 0.5, -0.5, 0.25, -0.25, 8};
  init_network(net, {.kind = InitKind::kExplicit, .values = values}, 0);
  const std::vector<float> want = {1, 2, 3, 4, 0.5f, -0.5f, 0.25f, -0.25f, 8};
  EXPECT_EQ(all_values(net), want);
}

TEST(Init, ExplicitWrongCountNamesBothCountsAndWritesNothing) {
  auto net = make_net<double>({2, 2, 1});
  try {
    init_network(net, {.kind = InitKind::kExplicit, .values = {1, 2, 3, 4, 5}}, 0);
    FAIL() << "no exception";
  } catch (const UsageError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("5 values"), std::string::npos) << msg;
    EXPECT_NE(msg.find("9 parameters"), std::string::npos) << msg;
  }
  for (double v : all_values(net)) EXPECT_EQ(v, 0.0);
}

TEST(Init, FrozenParametersKeepTheirValuesAndDoNotShiftOthers) {
  Network<double> frozen;
  frozen.add({.in = 3, .out = 4, .train_weights = false});
  frozen.add({.in = 4, .out = 2, .train_bias = false});
  dense_at(frozen, 0).weights().value.fill(7);
  dense_at(frozen, 1).bias().value.fill(-3);
  auto free_net = make_net<double>({3, 4, 2});
  for (InitKind k : kRandomKinds) {
    init_network(frozen, {.kind = k, .bias = 0.5}, 5);
    init_network(free_net, {.kind = k, .bias = 0.5}, 5);
    for (double v : dense_at(frozen, 0).weights().value) EXPECT_EQ(v, 7.0) << init_name(k);
    for (double v : dense_at(frozen, 1).bias().value) EXPECT_EQ(v, -3.0) << init_name(k);
    // Each tensor has its own stream: the trainable ones match the all-trainable network.
    EXPECT_EQ(dense_at(frozen, 0).bias().value, dense_at(free_net, 0).bias().value) << init_name(k);
    EXPECT_EQ(dense_at(frozen, 1).weights().value, dense_at(free_net, 1).weights().value) << init_name(k);
  }
  // Explicit: frozen entries are skipped but still counted (3*4 + 4 + 4*2 + 2 = 26 values).
  std::vector<double> values(26, 1.5);
  init_network(frozen, {.kind = InitKind::kExplicit, .values = values}, 0);
  for (double v : dense_at(frozen, 0).weights().value) EXPECT_EQ(v, 7.0);
  for (double v : dense_at(frozen, 0).bias().value) EXPECT_EQ(v, 1.5);
  for (double v : dense_at(frozen, 1).bias().value) EXPECT_EQ(v, -3.0);
}

TEST(Init, LegacyInitUniformStillWorks) {
  auto net = make_net<double>({4, 9});
  init_uniform(net, 3, 2.0);
  for (double v : dense_at(net, 0).weights().value) EXPECT_LE(std::abs(v), 2.0 / 2);  // 2 / sqrt(4)
}

}  // namespace
}  // namespace bp
