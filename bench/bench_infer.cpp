// W4, ours: inference of the W2 network (784-256-128-10, ReLU, softmax) with
// bp::Network<float>::predict (const, caller-owned scratch; thread-safe): latency at batch 1 (median over `--calls` single-sample calls) and
// throughput at batch `--batch` (median over `--reps` calls). Inputs are seeded uniform [0, 1]
// pixels; the weights are He-uniform (seed 1): timing does not depend on their values.
// First checks that a single-sample predict gives the same probabilities as that row of a batch
// and as Network::forward.
//   bench_infer [--calls 10000] [--batch 1024] [--reps 20] [--threads 1]
// Prints: RESULT workload=W4 impl=backprop threads=T latency_us=L throughput=R
#include <cmath>
#include <cstdio>
#include <exception>
#include <random>
#include <vector>

#include "backprop/nn/init.hpp"
#include "backprop/nn/network.hpp"
#include "backprop/core/threads.hpp"
#include "bench_util.hpp"

namespace {

constexpr std::size_t kI = 784, kClasses = 10;

bp::Network<float> w2_network() {
  bp::Network<float> net;
  net.add({.in = kI, .out = 256, .activation = bp::Activation::kRelu});
  net.add({.in = 256, .out = 128, .activation = bp::Activation::kRelu});
  net.add({.in = 128, .out = kClasses, .activation = bp::Activation::kSoftmax});
  net.set_loss(bp::Loss::kSoftmaxCrossEntropy);
  bp::InitOptions init;
  init.kind = bp::InitKind::kHeUniform;
  bp::init_network(net, init, 1);
  return net;
}

}  // namespace

int main(int argc, char** argv) try {
  const bp::bench::Args args(argc, argv, {"calls", "batch", "reps", "threads"});
  const std::size_t calls = std::max<std::size_t>(1, args.size("calls", 10000));
  const std::size_t B = std::max<std::size_t>(1, args.size("batch", 1024));
  const std::size_t reps = std::max<std::size_t>(1, args.size("reps", 20));
  const std::size_t threads = args.size("threads", 1);
  bp::set_num_threads(threads);

  bp::Network<float> net = w2_network();
  bp::Matrix<float> xb(B, kI), x1(1, kI);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<float> u(0, 1);
  for (auto& v : xb) v = u(rng);

  // Check: row n alone gives what row n of the batch gives, and predict what forward gives.
  // Probabilities in [0, 1] after three float layers of up to 784 terms: 1e-5 absolute is ~100
  // float ulps of 1, room for a different summation order between the matrix-vector kernels
  // (batch 1) and sgemm.
  bp::InferenceScratch<float> scratch;
  bp::Matrix<float> y1, yb;
  net.predict(xb, yb, scratch);
  const bp::Matrix<float> forward_out = net.forward(xb);
  for (std::size_t n = 0; n < std::min<std::size_t>(B, 8); ++n) {
    std::copy_n(xb.row(n).data(), kI, x1.data());
    net.predict(x1, y1, scratch);
    for (std::size_t o = 0; o < kClasses; ++o)
      if (std::abs(y1(0, o) - yb(n, o)) > 1e-5f || std::abs(yb(n, o) - forward_out(n, o)) > 1e-5f) {
        std::fprintf(stderr, "bench_infer: y[%zu][%zu]: batch 1 gives %g, batch %zu gives %g, forward %g\n",
                     n, o, double(y1(0, o)), B, double(yb(n, o)), double(forward_out(n, o)));
        return 1;
      }
  }

  // Latency: one sample per call, rows taken in turn from the batch (copy not timed).
  std::vector<double> us;
  us.reserve(calls);
  float sink = 0;
  for (std::size_t k = 0; k < calls + 100; ++k) {  // the first 100 calls warm up, untimed
    std::copy_n(xb.row(k % B).data(), kI, x1.data());
    const auto t0 = bp::bench::Clock::now();
    net.predict(x1, y1, scratch);
    const double s = bp::bench::seconds_since(t0);
    sink += y1(0, 0);
    if (k >= 100) us.push_back(s * 1e6);
  }
  // Throughput: whole batches.
  std::vector<double> per_batch;
  net.predict(xb, yb, scratch);  // resizes the scratch back to B rows, untimed
  for (std::size_t r = 0; r < reps; ++r) {
    const auto t0 = bp::bench::Clock::now();
    net.predict(xb, yb, scratch);
    per_batch.push_back(bp::bench::seconds_since(t0));
    sink += yb(0, 0);
  }
  std::printf("RESULT workload=W4 impl=backprop threads=%zu latency_us=%.3f throughput=%.1f batch=%zu sink=%g\n",
              threads, bp::bench::median(us), static_cast<double>(B) / bp::bench::median(per_batch), B,
              double(sink));
  return 0;
} catch (const std::exception& ex) {
  std::fprintf(stderr, "bench_infer: %s\n", ex.what());
  return 2;
}
