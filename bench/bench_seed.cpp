// W1, ours: the seed's 2-2-2 sigmoid network (float64) trained by bp::sgd_step, online, lr 0.5.
// Checks the final E_total against the seed's value for simultaneous updates, then reports the
// time per `--updates` updates (median of `--repeat` runs, each from the seed's weights).
//   bench_seed [--updates 10000] [--repeat 5]
// Prints: RESULT workload=W1 impl=backprop updates=U ms=M E=E
#include <cmath>
#include <cstdio>
#include <exception>
#include <vector>

#include "backprop/tutorial/worked_example.hpp"
#include "backprop/tutorial/gradient_step.hpp"
#include "bench_util.hpp"

namespace {

// E_total after 10,000 simultaneous updates of the seed's network (docs/seed-errata.md);
// the hand-written loop in ref_seed_loop.cpp gives the same value.
constexpr double kSeedE10k = 3.51018778298e-05;

struct Run {
  double seconds;
  double e;
};

Run train_once(std::size_t updates) {
  bp::Network<double> net = bp::seed_network();
  const bp::Matrix<double> x = bp::seed_input(), t = bp::seed_target();
  const bp::SgdOptions opts{.lr = bp::kSeedLearningRate};
  const auto t0 = bp::bench::Clock::now();
  for (std::size_t k = 0; k < updates; ++k) bp::sgd_step(net, x, t, opts);
  const double s = bp::bench::seconds_since(t0);
  net.forward(x);
  return {s, net.loss_value(t)};
}

}  // namespace

int main(int argc, char** argv) try {
  const bp::bench::Args args(argc, argv, {"updates", "repeat"});
  const std::size_t updates = args.size("updates", 10000);
  const std::size_t repeat = std::max<std::size_t>(1, args.size("repeat", 5));
  std::vector<double> ms;
  double e = 0;
  for (std::size_t r = 0; r < repeat; ++r) {
    const Run run = train_once(updates);
    ms.push_back(run.seconds * 1e3);
    e = run.e;
  }
  // Same operations in the same order as the reference loop, so the two agree to a few ulps;
  // 1e-9 relative leaves room for a different summation order inside the kernels.
  if (updates == 10000 && std::abs(e - kSeedE10k) > 1e-9 * kSeedE10k + 1e-15) {
    std::fprintf(stderr, "bench_seed: E after 10000 updates is %.12g, expected %.12g\n", e, kSeedE10k);
    return 1;
  }
  std::printf("RESULT workload=W1 impl=backprop updates=%zu ms=%.4f E=%.12g\n", updates,
              bp::bench::median(ms), e);
  return 0;
} catch (const std::exception& ex) {
  std::fprintf(stderr, "bench_seed: %s\n", ex.what());
  return 2;
}
