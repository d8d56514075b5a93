// The seed's printed numbers against the library's computation of its equations, and the
// computations that reproduce the printed values that do not follow from them.
#include "backprop/tutorial/errata.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "backprop/core/error.hpp"
#include "backprop/nn/loss.hpp"
#include "backprop/tutorial/worked_example.hpp"
#include "backprop/tutorial/gradient_step.hpp"
#include "nn/dense_at.hpp"

namespace bp {

std::string_view seed_status_name(SeedStatus s) noexcept {
  switch (s) {
    case SeedStatus::kMatches: return "matches";
    case SeedStatus::kRounding: return "rounding";
    case SeedStatus::kSlip: return "slip";
    case SeedStatus::kVariant: return "variant";
    case SeedStatus::kVariantSlip: return "variant+slip";
  }
  return "?";
}

int printed_decimals(std::string_view printed) noexcept {
  const auto dot = printed.find('.');
  return dot == std::string_view::npos ? 0 : static_cast<int>(printed.size() - dot - 1);
}

std::string format_fixed(long double v, int decimals) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.*Lf", decimals, v);
  return buf;
}

std::string format_significant(double v, int digits) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);  // rounds first, so the exponent is final
  const char* e = std::strchr(buf, 'e');
  const int exponent = e ? std::atoi(e + 1) : 0;
  if (v != 0 && exponent < -3) return buf;
  std::snprintf(buf, sizeof buf, "%.*f", std::max(0, digits - 1 - exponent), v);
  return buf;
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Everything the seed's equations give, taken from the library: one forward and backward pass of
// the seed network, one simultaneous update, and training runs in both update orders.
struct Live {
  double x1, x2, w[8], b1, b2, t1, t2, eta;
  double H1, H2, H1f, H2f, y1, y2, y1f, y2f, E1, E2, E;
  double dE_dy1f, dy1f_dy1, dy2f_dy2, dE_dw5, delta1, delta2;
  double dE1_dH1f, dE2_dH1f, dE_dH1f, dH1f_dH1, dH1_dw1, dE_dw1;
  double w_new[8];
};

struct Trained {
  double loss_of_last_step;  // what the last sgd_step returned: E before that update
  double loss_after;         // E after all the updates
  double y1f, y2f;           // outputs after all the updates
};

Trained train_seed(std::size_t updates, UpdateOrder order) {
  Network<double> net = seed_network();
  const Matrix<double> x = seed_input(), t = seed_target();
  const SgdOptions opts{.lr = kSeedLearningRate, .order = order};
  Trained r{};
  for (std::size_t k = 0; k < updates; ++k) r.loss_of_last_step = sgd_step(net, x, t, opts);
  net.forward(x);
  r.loss_after = net.loss_value(t);
  r.y1f = net.output()(0, 0);
  r.y2f = net.output()(0, 1);
  return r;
}

Live compute_live() {
  Live v{};
  Network<double> net = seed_network();
  const Matrix<double> x = seed_input(), t = seed_target();
  const Dense<double>& hid = dense_at(net, 0);
  const Dense<double>& out = dense_at(net, 1);
  v.x1 = x(0, 0);
  v.x2 = x(0, 1);
  // w1, w2 feed H1 from x1, x2; w3, w4 feed H2; w5, w6 feed y1 from H1, H2; w7, w8 feed y2.
  for (std::size_t k = 0; k < 4; ++k) {
    v.w[k] = hid.weights().value.data()[k];
    v.w[k + 4] = out.weights().value.data()[k];
  }
  v.b1 = hid.bias().value(0, 0);
  v.b2 = out.bias().value(0, 0);
  v.t1 = t(0, 0);
  v.t2 = t(0, 1);
  v.eta = kSeedLearningRate;

  net.zero_grad();
  net.forward(x);
  net.backward(x, t);
  v.H1 = dense_at(net, 0).z()(0, 0);
  v.H2 = dense_at(net, 0).z()(0, 1);
  v.H1f = net.output(0)(0, 0);
  v.H2f = net.output(0)(0, 1);
  v.y1 = dense_at(net, 1).z()(0, 0);
  v.y2 = dense_at(net, 1).z()(0, 1);
  v.y1f = net.output(1)(0, 0);
  v.y2f = net.output(1)(0, 1);
  v.E = net.loss_value(t);
  // E1 and E2: the library's loss on each output alone.
  for (std::size_t o = 0; o < 2; ++o) {
    const Matrix<double> z1(1, 1, {dense_at(net, 1).z()(0, o)}), a1(1, 1, {net.output(1)(0, o)}), t1(1, 1, {t(0, o)});
    (o == 0 ? v.E1 : v.E2) = loss_forward(net.loss(), out.activation(), z1, a1, t1);
  }
  Matrix<double> da;
  loss_grad_output(net.loss(), out.activation(), dense_at(net, 1).z(), net.output(1), t, da);
  v.dE_dy1f = da(0, 0);
  const Matrix<double> ones(1, 2, {1.0, 1.0});
  Matrix<double> fprime;
  out.activation_backward(dense_at(net, 1).z(), net.output(1), ones, fprime);
  v.dy1f_dy1 = fprime(0, 0);
  v.dy2f_dy2 = fprime(0, 1);
  v.dE_dw5 = out.weights().grad(0, 0);
  v.delta1 = dense_at(net, 1).dz()(0, 0);
  v.delta2 = dense_at(net, 1).dz()(0, 1);
  // dE/dH_final = dz(1) · w, and each output's share of it (eqs. 27, 28).
  Matrix<double> dh;
  out.backward_input(dense_at(net, 1).dz(), dh);
  v.dE_dH1f = dh(0, 0);
  out.backward_input(Matrix<double>(1, 2, {v.delta1, 0.0}), dh);
  v.dE1_dH1f = dh(0, 0);
  out.backward_input(Matrix<double>(1, 2, {0.0, v.delta2}), dh);
  v.dE2_dH1f = dh(0, 0);
  hid.activation_backward(dense_at(net, 0).z(), net.output(0), ones, fprime);
  v.dH1f_dH1 = fprime(0, 0);
  v.dE_dw1 = hid.weights().grad(0, 0);
  v.dH1_dw1 = v.dE_dw1 / dense_at(net, 0).dz()(0, 0);  // dE/dw1 = dE/dH1 × dH1/dw1

  Network<double> stepped = seed_network();
  sgd_step(stepped, x, t, SgdOptions{.lr = kSeedLearningRate, .order = UpdateOrder::kSimultaneous});
  for (std::size_t k = 0; k < 4; ++k) {
    v.w_new[k] = dense_at(stepped, 0).weights().value.data()[k];
    v.w_new[k + 4] = dense_at(stepped, 1).weights().value.data()[k];
  }
  return v;
}

// The seed's slips, as operations on the printed digits.
std::string drop_zero_point(std::string s) {  // "0.408666186" -> "408666186"
  return s.rfind("0.", 0) == 0 ? s.substr(2) : s;
}
std::string move_leading_zero_to_end(std::string s) {  // "0.015912196" -> "0.159121960"
  if (s.rfind("0.0", 0) == 0) s = "0." + s.substr(3) + "0";
  return s;
}
std::string repeat_digit(std::string s, std::size_t pos) {  // ("0.0553994248", 3) -> "0.05553994248"
  return s.substr(0, pos + 1) + s.substr(pos);
}

class Table {
 public:
  // A number whose full-precision value the table claims rounds to the printed string.
  void match(std::string id, std::string where, std::string quantity, std::string printed, double eq) {
    SeedValue v{std::move(id), std::move(where), std::move(quantity), std::move(printed), eq,
                SeedStatus::kMatches, kNaN, "", ""};
    v.reproduced = format_fixed(eq, printed_decimals(v.printed));
    rows_.push_back(std::move(v));
  }
  // An erratum whose printed string is `rep` at the printed number of decimals.
  void erratum(std::string id, std::string where, std::string quantity, std::string printed, double eq,
               SeedStatus status, long double rep, std::string how) {
    const int decimals = printed_decimals(printed);
    erratum_text(std::move(id), std::move(where), std::move(quantity), std::move(printed), eq, status, rep,
                 format_fixed(rep, decimals), std::move(how));
  }
  // An erratum whose printed string comes from `rep` through a slip (`text`).
  void erratum_text(std::string id, std::string where, std::string quantity, std::string printed, double eq,
                    SeedStatus status, long double rep, std::string text, std::string how) {
    rows_.push_back(SeedValue{std::move(id), std::move(where), std::move(quantity), std::move(printed), eq,
                              status, static_cast<double>(rep), std::move(text), std::move(how)});
  }
  // The seed's printed value of an earlier entry, read back as the number its author typed.
  long double printed(std::string_view id) const {
    for (const auto& r : rows_)
      if (r.id == id) return std::strtold(r.printed.c_str(), nullptr);
    BP_ASSERT(false);
    return 0;
  }
  const std::string& printed_text(std::string_view id) const {
    for (const auto& r : rows_)
      if (r.id == id) return r.printed;
    BP_ASSERT(false);
    return rows_.front().printed;
  }
  std::vector<SeedValue> take() { return std::move(rows_); }

 private:
  std::vector<SeedValue> rows_;
};

}  // namespace

std::vector<SeedValue> seed_values() {
  const Live v = compute_live();
  const Trained sim1 = train_seed(1, UpdateOrder::kSimultaneous);
  const Trained lay1 = train_seed(1, UpdateOrder::kLayerwise);
  const Trained sim = train_seed(10000, UpdateOrder::kSimultaneous);
  const Trained lay = train_seed(10000, UpdateOrder::kLayerwise);
  const long double T1 = v.t1, T2 = v.t2, w5 = v.w[4], w7 = v.w[6];
  Table t;
  auto P = [&t](std::string_view id) { return t.printed(id); };

  const char* in = "Input values";
  const char* iw = "Initial weight";
  t.match("given.x1", in, "x1", "0.05", v.x1);
  t.match("given.x2", in, "x2", "0.10", v.x2);
  t.match("given.w1", iw, "w1 (x1 -> H1)", "0.15", v.w[0]);
  t.match("given.w5", iw, "w5 (H1_final -> y1)", "0.40", v.w[4]);
  t.match("given.w2", iw, "w2 (x2 -> H1)", "0.20", v.w[1]);
  t.match("given.w6", iw, "w6 (H2_final -> y1)", "0.45", v.w[5]);
  t.match("given.w3", iw, "w3 (x1 -> H2)", "0.25", v.w[2]);
  t.match("given.w7", iw, "w7 (H1_final -> y2)", "0.50", v.w[6]);
  t.match("given.w4", iw, "w4 (x2 -> H2)", "0.30", v.w[3]);
  t.match("given.w8", iw, "w8 (H2_final -> y2)", "0.55", v.w[7]);
  t.match("given.b1", "Bias Values", "b1", "0.35", v.b1);
  t.match("given.b2", "Bias Values", "b2", "0.60", v.b2);
  t.match("given.T1", "Target Values", "T1", "0.01", v.t1);
  t.match("given.T2", "Target Values", "T2", "0.99", v.t2);

  const char* fp = "Forward Pass";
  t.match("fwd.H1", fp, "H1 = x1 w1 + x2 w2 + b1", "0.3775", v.H1);
  t.match("fwd.H1_final", fp, "H1_final = sigmoid(H1)", "0.593269992", v.H1f);
  t.match("fwd.H2", fp, "H2 = x1 w3 + x2 w4 + b1", "0.3925", v.H2);
  t.match("fwd.H2_final", fp, "H2_final = sigmoid(H2)", "0.596884378", v.H2f);
  t.match("fwd.y1", fp, "y1 = H1_final w5 + H2_final w6 + b2", "1.10590597", v.y1);
  t.match("fwd.y1_final", fp, "y1_final = sigmoid(y1)", "0.75136507", v.y1f);
  t.match("fwd.y2", fp, "y2 = H1_final w7 + H2_final w8 + b2", "1.2249214", v.y2);
  t.match("fwd.y2_final", fp, "y2_final = sigmoid(y2)", "0.772928465", v.y2f);
  const char* te = "Total error";
  t.erratum("fwd.E1", te, "E1 = 1/2 (T1 - y1_final)^2", "0.274811084", v.E1, SeedStatus::kRounding,
            (T1 - P("fwd.y1_final")) * (T1 - P("fwd.y1_final")) / 2,
            "1/2 (0.01 - 0.75136507)^2: the rounded y1_final");
  t.erratum("fwd.E2", te, "E2 = 1/2 (T2 - y2_final)^2", "0.0235600257", v.E2, SeedStatus::kRounding,
            (T2 - P("fwd.y2_final")) * (T2 - P("fwd.y2_final")) / 2,
            "1/2 (0.99 - 0.772928465)^2: the rounded y2_final");
  t.match("fwd.E_total", te, "E_total = E1 + E2", "0.29837111", v.E);

  t.match("eq4.dE_dy1_final", "Eq. (4)", "dE_total/dy1_final = -(T1 - y1_final)", "0.74136507", v.dE_dy1f);
  t.match("eq8.dy1_final_dy1", "Eq. (8)", "dy1_final/dy1 = y1_final (1 - y1_final)", "0.186815602", v.dy1f_dy1);
  t.erratum("eq10.dy1_dw5", "Eq. (10)", "dy1/dw5 = H1_final", "0.596884378", v.H1f, SeedStatus::kSlip, v.H2f,
            "H2_final (the value printed just above it) copied in place of H1_final; eq. (11) uses the right "
            "0.593269992");
  t.erratum("eq11.dE_dw5", "Eq. (11)", "dE_total/dw5 = (4) x (8) x (10)", "0.0821670407", v.dE_dw5,
            SeedStatus::kRounding, P("eq4.dE_dy1_final") * P("eq8.dy1_final_dy1") * P("fwd.H1_final"),
            "0.74136507 x 0.186815602 x 0.593269992: the rounded factors");
  t.match("eq12.eta", "Eq. (12)", "learning rate eta", "0.5", v.eta);
  t.match("eq12.w5_new", "Eq. (12)", "w5_new = w5 - eta dE/dw5", "0.35891648", v.w_new[4]);
  const char* ol = "Updated output weights";
  t.match("list.w5_new", ol, "w5_new", "0.35891648", v.w_new[4]);
  t.erratum_text("list.w6_new", ol, "w6_new = w6 - eta dE/dw6", "408666186", v.w_new[5], SeedStatus::kSlip,
                 v.w_new[5], drop_zero_point(format_fixed(v.w_new[5], 9)),
                 "0.408666186 with its leading \"0.\" lost");
  t.match("list.w7_new", ol, "w7_new", "0.511301270", v.w_new[6]);
  t.match("list.w8_new", ol, "w8_new", "0.561370121", v.w_new[7]);

  t.match("eq20.dE1_dy1", "Eq. (20)", "dE1/dy1 = -(T1 - y1_final) (8)", "0.138498562", v.delta1);
  t.match("eq25.dy2_final_dy2", "Eq. (25)", "dy2_final/dy2 = y2_final (1 - y2_final)", "0.175510053",
          v.dy2f_dy2);
  t.erratum("eq26.dE2_dy2", "Eq. (26)", "dE2/dy2 = -(T2 - y2_final) (25)", "-0.0380982366126414", v.delta2,
            SeedStatus::kRounding, -(T2 - P("fwd.y2_final")) * P("eq25.dy2_final_dy2"),
            "-(0.99 - 0.772928465) x 0.175510053: the rounded factors, printed to 16 decimals");
  t.erratum("eq27.dE1_dH1_final", "Eq. (27)", "dE1/dH1_final = (20) x w5", "0.0553994248", v.dE1_dH1f,
            SeedStatus::kRounding, P("eq20.dE1_dy1") * w5, "0.138498562 x 0.40: the rounded eq. (20)");
  t.erratum("eq28.dE2_dH1_final", "Eq. (28)", "dE2/dH1_final = (26) x w7", "-0.0190491183063207",
            v.dE2_dH1f, SeedStatus::kRounding, P("eq26.dE2_dy2") * w7,
            "-0.0380982366126414 x 0.50: the rounded eq. (26)");
  {
    const std::string slipped = repeat_digit(t.printed_text("eq27.dE1_dH1_final"), 3);
    t.erratum("eq29.dE_dH1_final", "Eq. (29)", "dE_total/dH1_final = (27) + (28)", "0.0364908241736793",
              v.dE_dH1f, SeedStatus::kSlip,
              std::strtold(slipped.c_str(), nullptr) + P("eq28.dE2_dH1_final"),
              slipped + " + (" + t.printed_text("eq28.dE2_dH1_final") + "): eq. (27) copied with an extra 5; "
                  "the line's own operands give " +
                  format_fixed(P("eq27.dE1_dH1_final") + P("eq28.dE2_dH1_final"), 16) +
                  ", and eq. (34)'s result follows from that");
  }
  t.erratum("eq31.dH1_final_dH1", "After eq. (31)", "dH1_final/dH1 = H1_final (1 - H1_final)",
            "0.2413007085923199", v.dH1f_dH1, SeedStatus::kRounding,
            P("fwd.H1_final") * (1 - P("fwd.H1_final")),
            "0.593269992 x (1 - 0.593269992): the rounded H1_final, printed to 16 decimals");
  t.match("eq33.dH1_dw1", "Eq. (33)", "dH1/dw1 = x1", "0.05", v.dH1_dw1);
  t.match("eq34.dE_dw1", "Eq. (34)", "dE_total/dw1 = (29) x dH1_final/dH1 x (33)", "0.000438568", v.dE_dw1);
  t.match("eq35.eta", "Before eq. (35)", "learning rate eta", "0.5", v.eta);
  t.match("eq35.w1_new", "Eq. (35)", "w1_new = w1 - eta dE/dw1", "0.149780716", v.w_new[0]);
  const char* hl = "Updated hidden weights";
  t.match("list.w1_new", hl, "w1_new", "0.149780716", v.w_new[0]);
  t.match("list.w2_new", hl, "w2_new", "0.19956143", v.w_new[1]);
  t.match("list.w3_new", hl, "w3_new", "0.24975114", v.w_new[2]);
  t.match("list.w4_new", hl, "w4_new", "0.29950229", v.w_new[3]);

  const char* lp = "Last paragraph";
  t.match("end.E_total", lp, "E_total before any update", "0.298371109", v.E);
  t.erratum("end.E_after_1", lp, "E_total after 1 update", "0.291027924", sim1.loss_after,
            SeedStatus::kVariant, lay1.loss_after,
            "layer-wise update order: hidden deltas propagated through the already-updated w5..w8 "
            "(--update-order layerwise)");
  t.erratum("end.E_after_10000", lp, "E_total after 10,000 updates", "0.0000351085", sim.loss_after,
            SeedStatus::kVariant, sim.loss_of_last_step,
            "simultaneous updates, but the loss the 10,000th update measured before changing the weights, "
            "i.e. after 9,999 updates (after 10,000 layer-wise updates: " + format_fixed(lay.loss_after, 10) + ")");
  t.erratum_text("end.y1_final_after_10000", lp, "y1_final after 10,000 updates", "0.159121960", sim.y1f,
                 SeedStatus::kVariantSlip, lay.y1f, move_leading_zero_to_end(format_fixed(lay.y1f, 9)),
                 "layer-wise update order gives " + format_fixed(lay.y1f, 9) +
                     "; the seed moved its leading 0 to the end");
  t.erratum("end.y2_final_after_10000", lp, "y2_final after 10,000 updates", "0.984065734", sim.y2f,
            SeedStatus::kVariant, lay.y2f, "layer-wise update order (--update-order layerwise)");
  return t.take();
}

std::vector<SeedNotationSlip> seed_notation_slips() {
  return {
      {"Total error", "E_total ... which is simply the difference between the outputs from the target outputs",
       "half the sum of the squared differences, as its formula says"},
      {"Total error", "1/2 (t1 - y1_final)^2", "T1 (the target is T1 everywhere else)"},
      {"Total error", "Our y1 and y2 value is not matched with our target values", "y1_final and y2_final"},
      {"Forward pass, y1 and y2", "y1 = H1 x w5 + H2 x w6 + b2 (likewise y2)",
       "H1_final and H2_final (the numbers substituted are the finals; eq. (9) has it right)"},
      {"Forward pass, under H2", "To calculate the final result of H1", "... of H2"},
      {"Forward pass, under y2", "To calculate the final result of H1", "... of y2"},
      {"Before eq. (8)", "Putting the value of e^{-y} in equation (5)", "e^{-y1} in equation (6)"},
      {"Before eq. (13)", "We split equation (1) into multiple terms ... with respect to w_1",
       "the unnumbered Error_w1 = dE_total/dw1 (equation (1) is Error_w5)"},
      {"Eq. (14)", "denominator dH1", "dH1_final"},
      {"Eq. (26)", "dE1/dy1", "dE2/dy2"},
      {"Eq. (27)", "the line 0.138498562 x d(H1_final x w5 + H2_final x w6 + b2)/dH1_final printed twice",
       "once (harmless)"},
      {"Eq. (30)", "e^{-H1} x (H1_final)^2 (the left-hand side and '=' are missing)",
       "dH1_final/dH1 = e^{-H1} x (H1_final)^2"},
      {"Eq. (32)", "H1 = H1_final x w5 + H2_final x w6 + b2 (eq. (9), copied)", "H1 = x1 x w1 + x2 x w2 + b1"},
      {"After eq. (32)", "dy1/dw1 = d(x1 x w1 + x2 x w3 + b1 x 1)/dw1",
       "dH1/dw1 = d(x1 x w1 + x2 x w2 + b1 x 1)/dw1 (w2 carries x2 to H1 in the forward pass)"},
      {"Eq. (34)", "0.0364908241736793 x 0.2413007085923199 x 0.05 = 0.000438568",
       "the line's own factors give 0.0004402630865; 0.000438568 comes from the correct (29)"},
      {"Before the hidden-weight list", "we calculate w2_new, w3_new, and w4", "w4_new"},
      {"Last paragraph", "After repeating this process 10,000, ...", "10,000 times"},
  };
}

ErrataFormat parse_errata_format(std::string_view name) {
  if (name == "text") return ErrataFormat::kText;
  if (name == "markdown" || name == "md") return ErrataFormat::kMarkdown;
  if (name == "json") return ErrataFormat::kJson;
  throw UsageError("--format '" + std::string(name) + "': expected one of text, markdown, json");
}

namespace {

constexpr const char* kSeedFile = "docs/tutorial/worked-example.txt";

// Significant digits that tell the equations' value and the reproduction apart: 10, or 16 where
// they agree to 10 (eq. (31), which differs in the 11th digit).
int digits_for(const SeedValue& v) {
  if (v.status == SeedStatus::kMatches) return 10;
  return format_significant(v.equations) == format_significant(v.reproduction) ? 16 : 10;
}

std::string sig_or_dash(const SeedValue& v) {
  return v.status == SeedStatus::kMatches ? "-" : format_significant(v.reproduction, digits_for(v));
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string render_text(const std::vector<SeedValue>& values, const std::vector<SeedNotationSlip>& slips) {
  std::size_t errata = 0;
  for (const auto& v : values) errata += v.status != SeedStatus::kMatches;
  std::ostringstream os;
  os << "Numbers printed in the seed (" << kSeedFile << "): " << values.size() << " listed, " << errata
     << " of them errata (the printed value does not follow from the seed's equations).\n"
     << "equations: what the seed's equations give at full precision (10 significant digits, 16 where\n"
     << "the two columns agree to 10);\n"
     << "reproduction: the computation that gives the printed value (errata only).\n\n";
  os << pad("id", 26) << pad("printed", 21) << pad("equations", 20) << pad("status", 14) << "reproduction\n";
  for (const auto& v : values) {
    os << pad(v.id, 26) << pad(v.printed, 21) << pad(format_significant(v.equations, digits_for(v)), 20)
       << pad(std::string(seed_status_name(v.status)), 14) << sig_or_dash(v) << "\n";
    if (!v.how.empty()) os << "    " << v.where << ": " << v.how << "\n";
  }
  os << "\nNotation and substitution slips (no printed result involved):\n";
  for (const auto& s : slips)
    os << "  " << s.where << ": \"" << s.printed << "\" -> " << s.should_be << "\n";
  return os.str();
}

std::string md_cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '*' || c == '_' || c == '^') out += std::string("\\") + c;
    else out += c;
  }
  return out;
}

std::string render_markdown(const std::vector<SeedValue>& values, const std::vector<SeedNotationSlip>& slips) {
  std::ostringstream os;
  os << "| # | id | where | quantity | printed | equations give | status | reproduction | how |\n"
     << "|---|---|---|---|---|---|---|---|---|\n";
  std::size_t n = 0;
  for (const auto& v : values)
    os << "| " << ++n << " | `" << v.id << "` | " << md_cell(v.where) << " | " << md_cell(v.quantity) << " | `"
       << v.printed << "` | " << format_significant(v.equations, digits_for(v)) << " | "
       << seed_status_name(v.status) << " | " << (v.status == SeedStatus::kMatches ? "" : sig_or_dash(v)) << " | "
       << md_cell(v.how)
       << " |\n";
  os << "\n| where | printed | should be |\n|---|---|---|\n";
  for (const auto& s : slips)
    os << "| " << md_cell(s.where) << " | " << md_cell(s.printed) << " | " << md_cell(s.should_be) << " |\n";
  return os.str();
}

std::string render_json(const std::vector<SeedValue>& values, const std::vector<SeedNotationSlip>& slips) {
  nlohmann::ordered_json j;
  j["seed"] = kSeedFile;
  auto& arr = j["values"] = nlohmann::ordered_json::array();
  for (const auto& v : values) {
    nlohmann::ordered_json e;
    e["id"] = v.id;
    e["where"] = v.where;
    e["quantity"] = v.quantity;
    e["printed"] = v.printed;
    e["equations"] = v.equations;
    e["equations_10"] = format_significant(v.equations);
    e["status"] = seed_status_name(v.status);
    if (v.status == SeedStatus::kMatches) {
      e["reproduction"] = nullptr;
    } else {
      e["reproduction"] = v.reproduction;
      e["reproduction_10"] = format_significant(v.reproduction);
      e["how"] = v.how;
    }
    e["reproduced"] = v.reproduced;
    arr.push_back(std::move(e));
  }
  auto& ns = j["notation_slips"] = nlohmann::ordered_json::array();
  for (const auto& s : slips) ns.push_back({{"where", s.where}, {"printed", s.printed}, {"should_be", s.should_be}});
  return j.dump(2) + "\n";
}

}  // namespace

std::string render_seed_errata(const std::vector<SeedValue>& values, const std::vector<SeedNotationSlip>& slips,
                               ErrataFormat format) {
  switch (format) {
    case ErrataFormat::kMarkdown: return render_markdown(values, slips);
    case ErrataFormat::kJson: return render_json(values, slips);
    case ErrataFormat::kText: break;
  }
  return render_text(values, slips);
}

}  // namespace bp
