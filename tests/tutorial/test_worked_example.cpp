// Every number the seed (docs/tutorial/worked-example.txt) prints, pinned at its printed
// precision against the program's computation (bp::seed_values(), which runs the seed network
// through Network::forward/backward and sgd_step), and, for the errata, both what the equations
// give and what reproduces the printed value, pinned to 10 significant digits against the
// independent reference tests/reference/seed_reference.py (Python decimal at 50 digits, none of
// our code). Write-up: docs/seed-errata.md.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "backprop/tutorial/worked_example.hpp"
#include "backprop/tutorial/errata.hpp"
#include "backprop/tutorial/gradient_step.hpp"

namespace bp {
namespace {

using S = SeedStatus;

struct Expected {
  const char* id;
  const char* printed;      // copied character for character from the seed
  SeedStatus status;
  const char* equations;    // seed_reference.py: the equations at full precision, 10 significant digits
  const char* reproduction; // seed_reference.py: the computation that gives the printed value ("" if none)
};

// Generated from the output of `python3 tests/reference/seed_reference.py` (eq10= and rep10=
// columns), in the order the seed prints the numbers.
const Expected kExpected[] = {
    {"given.x1", "0.05", S::kMatches, "5.000000000e-2", ""},
    {"given.x2", "0.10", S::kMatches, "1.000000000e-1", ""},
    {"given.w1", "0.15", S::kMatches, "1.500000000e-1", ""},
    {"given.w5", "0.40", S::kMatches, "4.000000000e-1", ""},
    {"given.w2", "0.20", S::kMatches, "2.000000000e-1", ""},
    {"given.w6", "0.45", S::kMatches, "4.500000000e-1", ""},
    {"given.w3", "0.25", S::kMatches, "2.500000000e-1", ""},
    {"given.w7", "0.50", S::kMatches, "5.000000000e-1", ""},
    {"given.w4", "0.30", S::kMatches, "3.000000000e-1", ""},
    {"given.w8", "0.55", S::kMatches, "5.500000000e-1", ""},
    {"given.b1", "0.35", S::kMatches, "3.500000000e-1", ""},
    {"given.b2", "0.60", S::kMatches, "6.000000000e-1", ""},
    {"given.T1", "0.01", S::kMatches, "1.000000000e-2", ""},
    {"given.T2", "0.99", S::kMatches, "9.900000000e-1", ""},
    {"fwd.H1", "0.3775", S::kMatches, "3.775000000e-1", ""},
    {"fwd.H1_final", "0.593269992", S::kMatches, "5.932699921e-1", ""},
    {"fwd.H2", "0.3925", S::kMatches, "3.925000000e-1", ""},
    {"fwd.H2_final", "0.596884378", S::kMatches, "5.968843783e-1", ""},
    {"fwd.y1", "1.10590597", S::kMatches, "1.105905967e+0", ""},
    {"fwd.y1_final", "0.75136507", S::kMatches, "7.513650696e-1", ""},
    {"fwd.y2", "1.2249214", S::kMatches, "1.224921404e+0", ""},
    {"fwd.y2_final", "0.772928465", S::kMatches, "7.729284653e-1", ""},
    {"fwd.E1", "0.274811084", S::kRounding, "2.748110832e-1", "2.748110835e-1"},
    {"fwd.E2", "0.0235600257", S::kRounding, "2.356002558e-2", "2.356002565e-2"},
    {"fwd.E_total", "0.29837111", S::kMatches, "2.983711088e-1", ""},
    {"eq4.dE_dy1_final", "0.74136507", S::kMatches, "7.413650696e-1", ""},
    {"eq8.dy1_final_dy1", "0.186815602", S::kMatches, "1.868156018e-1", ""},
    {"eq10.dy1_dw5", "0.596884378", S::kSlip, "5.932699921e-1", "5.968843783e-1"},
    {"eq11.dE_dw5", "0.0821670407", S::kRounding, "8.216704056e-2", "8.216704068e-2"},
    {"eq12.eta", "0.5", S::kMatches, "5.000000000e-1", ""},
    {"eq12.w5_new", "0.35891648", S::kMatches, "3.589164797e-1", ""},
    {"list.w5_new", "0.35891648", S::kMatches, "3.589164797e-1", ""},
    {"list.w6_new", "408666186", S::kSlip, "4.086661861e-1", "4.086661861e-1"},
    {"list.w7_new", "0.511301270", S::kMatches, "5.113012702e-1", ""},
    {"list.w8_new", "0.561370121", S::kMatches, "5.613701211e-1", ""},
    {"eq20.dE1_dy1", "0.138498562", S::kMatches, "1.384985616e-1", ""},
    {"eq25.dy2_final_dy2", "0.175510053", S::kMatches, "1.755100528e-1", ""},
    {"eq26.dE2_dy2", "-0.0380982366126414", S::kRounding, "-3.809823652e-2", "-3.809823661e-2"},
    {"eq27.dE1_dH1_final", "0.0553994248", S::kRounding, "5.539942465e-2", "5.539942480e-2"},
    {"eq28.dE2_dH1_final", "-0.0190491183063207", S::kRounding, "-1.904911826e-2", "-1.904911831e-2"},
    {"eq29.dE_dH1_final", "0.0364908241736793", S::kSlip, "3.635030639e-2", "3.649082417e-2"},
    {"eq31.dH1_final_dH1", "0.2413007085923199", S::kRounding, "2.413007086e-1", "2.413007086e-1"},
    {"eq33.dH1_dw1", "0.05", S::kMatches, "5.000000000e-2", ""},
    {"eq34.dE_dw1", "0.000438568", S::kMatches, "4.385677345e-4", ""},
    {"eq35.eta", "0.5", S::kMatches, "5.000000000e-1", ""},
    {"eq35.w1_new", "0.149780716", S::kMatches, "1.497807161e-1", ""},
    {"list.w1_new", "0.149780716", S::kMatches, "1.497807161e-1", ""},
    {"list.w2_new", "0.19956143", S::kMatches, "1.995614323e-1", ""},
    {"list.w3_new", "0.24975114", S::kMatches, "2.497511436e-1", ""},
    {"list.w4_new", "0.29950229", S::kMatches, "2.995022873e-1", ""},
    {"end.E_total", "0.298371109", S::kMatches, "2.983711088e-1", ""},
    {"end.E_after_1", "0.291027924", S::kVariant, "2.910277737e-1", "2.910279239e-1"},
    {"end.E_after_10000", "0.0000351085", S::kVariant, "3.510187783e-5", "3.510854812e-5"},
    {"end.y1_final_after_10000", "0.159121960", S::kVariantSlip, "1.591362044e-2", "1.591219633e-2"},
    {"end.y2_final_after_10000", "0.984065734", S::kVariant, "9.840642735e-1", "9.840657345e-1"},
};

// 10 significant digits, as "%.9e" prints them; the Python literal goes through the same format so
// that "5.000000000e-2" and "5.000000000e-02" compare equal.
std::string sig10(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9e", v);
  return buf;
}

TEST(Seed, TableListsEveryPrintedNumberInOrder) {
  const auto values = seed_values();
  ASSERT_EQ(values.size(), std::size(kExpected));
  for (std::size_t k = 0; k < values.size(); ++k) {
    EXPECT_EQ(values[k].id, kExpected[k].id) << "entry " << k;
    EXPECT_EQ(values[k].printed, kExpected[k].printed) << kExpected[k].id;
    EXPECT_EQ(values[k].status, kExpected[k].status)
        << kExpected[k].id << ": got " << seed_status_name(values[k].status) << ", want "
        << seed_status_name(kExpected[k].status);
  }
}

// Exact string comparison at the printed number of decimals: the tolerance is the seed's own
// rounding (half a unit in its last printed digit), nothing more.
TEST(Seed, EveryPrintedNumberIsReproducedAtItsPrintedPrecision) {
  for (const auto& v : seed_values()) {
    const int decimals = printed_decimals(v.printed);
    const std::string from_equations = format_fixed(v.equations, decimals);
    EXPECT_EQ(v.reproduced, v.printed) << v.id << " (" << v.where << ")";
    if (v.status == SeedStatus::kMatches) {
      EXPECT_EQ(from_equations, v.printed) << v.id << ": the equations at full precision, rounded";
    } else {
      // An erratum really is one: the equations do not give the printed string.
      EXPECT_NE(from_equations, v.printed) << v.id << " is listed as an erratum but matches";
      EXPECT_FALSE(v.how.empty()) << v.id;
    }
    if (v.status == SeedStatus::kVariant) {  // computed in double, exact enough at these precisions
      EXPECT_EQ(format_fixed(v.reproduction, decimals), v.printed) << v.id;
    }
  }
}

TEST(Seed, EquationsAndReproductionsMatchTheIndependentReference) {
  const auto values = seed_values();
  ASSERT_EQ(values.size(), std::size(kExpected));
  for (std::size_t k = 0; k < values.size(); ++k) {
    const Expected& e = kExpected[k];
    EXPECT_EQ(sig10(values[k].equations), sig10(std::stod(e.equations))) << e.id << ": equations";
    if (*e.reproduction) {
      EXPECT_EQ(sig10(values[k].reproduction), sig10(std::stod(e.reproduction))) << e.id << ": reproduction";
    }
  }
}

// The printed values that are no rounding of the equations, one by one, with what they are.
TEST(Seed, ErrataKnownCases) {
  const auto values = seed_values();
  auto get = [&](std::string_view id) -> const SeedValue& {
    for (const auto& v : values)
      if (v.id == id) return v;
    ADD_FAILURE() << "no entry " << id;
    return values.front();
  };
  // Eq. (10) prints H2_final for H1_final.
  EXPECT_EQ(format_fixed(get("eq10.dy1_dw5").reproduction, 9), get("fwd.H2_final").printed);
  EXPECT_EQ(format_fixed(get("eq10.dy1_dw5").equations, 9), get("fwd.H1_final").printed);
  // w6_new lost its "0.".
  EXPECT_EQ(format_fixed(get("list.w6_new").equations, 9), "0.408666186");
  // Eq. (34) follows from the correct (29), not the printed one.
  EXPECT_EQ(format_fixed(get("eq29.dE_dH1_final").equations * get("eq31.dH1_final_dH1").equations * 0.05, 9),
            "0.000438568");
  EXPECT_NE(format_fixed(0.0364908241736793L * 0.2413007085923199L * 0.05L, 9), "0.000438568");
  // The last paragraph: the simultaneous rule (the seed's equations) does not give the printed
  // figures; the layer-wise order and the loss measured before the 10,000th update do.
  EXPECT_EQ(format_fixed(get("end.E_after_1").equations, 9), "0.291027774");
  EXPECT_EQ(format_fixed(get("end.y1_final_after_10000").reproduction, 9), "0.015912196");
}

// The reproductions of the last paragraph are what sgd_step computes in each order.
TEST(Seed, VariantsAreSgdStep) {
  const Matrix<double> x = seed_input(), t = seed_target();
  Network<double> sim = seed_network(), lay = seed_network();
  const SgdOptions s{.lr = kSeedLearningRate, .order = UpdateOrder::kSimultaneous};
  const SgdOptions l{.lr = kSeedLearningRate, .order = UpdateOrder::kLayerwise};
  double e_sim = 0;
  for (int k = 0; k < 10000; ++k) {
    e_sim = sgd_step(sim, x, t, s);
    sgd_step(lay, x, t, l);
  }
  EXPECT_EQ(format_fixed(e_sim, 10), "0.0000351085");  // the 10,000th update's loss, before it
  lay.forward(x);
  EXPECT_EQ(format_fixed(lay.output()(0, 0), 9), "0.015912196");
  EXPECT_EQ(format_fixed(lay.output()(0, 1), 9), "0.984065734");
}

}  // namespace
}  // namespace bp
