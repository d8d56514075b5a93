// W1, reference: the seed's 2-2-2 sigmoid network written out by hand in plain scalar double
// code (forward, deltas, simultaneous updates; biases frozen as in the seed). This is the floor
// for W1: no abstraction, no allocation, no dispatch.
//   ref_seed_loop [--updates 10000] [--repeat 5]
// Prints: RESULT workload=W1 impl=hand-loop updates=U ms=M E=E
#include <cmath>
#include <cstdio>
#include <exception>
#include <vector>

#include "bench_util.hpp"

namespace {

struct Weights {
  // w1..w4: x1,x2 -> H1; x1,x2 -> H2.  w5..w8: H1,H2 -> y1; H1,H2 -> y2.  b1, b2 frozen.
  double w1 = 0.15, w2 = 0.20, w3 = 0.25, w4 = 0.30;
  double w5 = 0.40, w6 = 0.45, w7 = 0.50, w8 = 0.55;
  static constexpr double b1 = 0.35, b2 = 0.60;
};

constexpr double kX1 = 0.05, kX2 = 0.10, kT1 = 0.01, kT2 = 0.99, kEta = 0.5;

inline double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// One forward pass; returns E_total = 1/2 (T1 - y1)^2 + 1/2 (T2 - y2)^2.
double error_of(const Weights& w) {
  const double h1 = sigmoid(w.w1 * kX1 + w.w2 * kX2 + w.b1);
  const double h2 = sigmoid(w.w3 * kX1 + w.w4 * kX2 + w.b1);
  const double y1 = sigmoid(w.w5 * h1 + w.w6 * h2 + w.b2);
  const double y2 = sigmoid(w.w7 * h1 + w.w8 * h2 + w.b2);
  return 0.5 * (kT1 - y1) * (kT1 - y1) + 0.5 * (kT2 - y2) * (kT2 - y2);
}

// One online update: every gradient from the forward pass's weights, then all weights at once.
inline void update(Weights& w) {
  const double h1 = sigmoid(w.w1 * kX1 + w.w2 * kX2 + w.b1);
  const double h2 = sigmoid(w.w3 * kX1 + w.w4 * kX2 + w.b1);
  const double y1 = sigmoid(w.w5 * h1 + w.w6 * h2 + w.b2);
  const double y2 = sigmoid(w.w7 * h1 + w.w8 * h2 + w.b2);
  // Output deltas dE/dz = (y - T) y (1 - y); hidden deltas through the *old* w5..w8.
  const double d1 = (y1 - kT1) * y1 * (1 - y1);
  const double d2 = (y2 - kT2) * y2 * (1 - y2);
  const double dh1 = (d1 * w.w5 + d2 * w.w7) * h1 * (1 - h1);
  const double dh2 = (d1 * w.w6 + d2 * w.w8) * h2 * (1 - h2);
  w.w5 -= kEta * d1 * h1;
  w.w6 -= kEta * d1 * h2;
  w.w7 -= kEta * d2 * h1;
  w.w8 -= kEta * d2 * h2;
  w.w1 -= kEta * dh1 * kX1;
  w.w2 -= kEta * dh1 * kX2;
  w.w3 -= kEta * dh2 * kX1;
  w.w4 -= kEta * dh2 * kX2;
}

}  // namespace

int main(int argc, char** argv) try {
  const bp::bench::Args args(argc, argv, {"updates", "repeat"});
  const std::size_t updates = args.size("updates", 10000);
  const std::size_t repeat = std::max<std::size_t>(1, args.size("repeat", 5));
  std::vector<double> ms;
  double e = 0;
  for (std::size_t r = 0; r < repeat; ++r) {
    Weights w;
    const auto t0 = bp::bench::Clock::now();
    for (std::size_t k = 0; k < updates; ++k) update(w);
    ms.push_back(bp::bench::seconds_since(t0) * 1e3);
    e = error_of(w);
  }
  // The seed's E_total after 10,000 simultaneous updates (docs/seed-errata.md); 1e-9 relative
  // allows for libm's exp differing by an ulp between platforms.
  constexpr double kSeedE10k = 3.51018778298e-05;
  if (updates == 10000 && std::abs(e - kSeedE10k) > 1e-9 * kSeedE10k) {
    std::fprintf(stderr, "ref_seed_loop: E after 10000 updates is %.12g, expected %.12g\n", e, kSeedE10k);
    return 1;
  }
  std::printf("RESULT workload=W1 impl=hand-loop updates=%zu ms=%.4f E=%.12g\n", updates,
              bp::bench::median(ms), e);
  return 0;
} catch (const std::exception& ex) {
  std::fprintf(stderr, "ref_seed_loop: %s\n", ex.what());
  return 2;
}
