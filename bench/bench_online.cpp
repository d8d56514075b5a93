// W3, ours: the W2 network (784-256-128-10) trained online (batch size 1) by bp::sgd_step on the
// first `--samples` Fashion-MNIST training images, inputs scaled to [0, 1], plain SGD, one pass
// in file order. Reports samples/s over the timed pass (data loading and scaling are not timed).
//   bench_online [--samples 10000] [--data DIR] [--synthetic] [--threads 1] [--lr 0.01]
//                [--net relu-ce | tanh-mse]
// relu-ce:  ReLU hidden layers, softmax output, cross-entropy (the W2 network).
// tanh-mse: tanh hidden layers, identity output, half-SSE: the network the FANN peer trains
//           (FANN 2.2 has no ReLU and no softmax), for a like-for-like comparison.
// --synthetic uses seeded uniform [0, 1] pixels and random labels (no dataset needed; ctest).
// Prints: RESULT workload=W3 impl=backprop net=... samples=S threads=T samples_per_s=R loss=L
#include <cmath>
#include <cstdio>
#include <exception>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "backprop/data/idx.hpp"
#include "backprop/nn/init.hpp"
#include "backprop/tutorial/gradient_step.hpp"
#include "backprop/core/threads.hpp"
#include "bench_util.hpp"

namespace {

constexpr std::size_t kI = 784, kClasses = 10;

// X: (S, 784) in [0, 1]; Y: (S, 10) one-hot.
void load(const bp::bench::Args& args, std::size_t S, bp::Matrix<float>& X, bp::Matrix<float>& Y) {
  if (args.flag("synthetic")) {
    X = bp::Matrix<float>(S, kI);
    Y = bp::Matrix<float>(S, kClasses);
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<float> u(0, 1);
    for (auto& v : X) v = u(rng);
    for (std::size_t n = 0; n < S; ++n) Y(n, rng() % kClasses) = 1;
    return;
  }
  const std::string dir = args.str("data", "/usr/share/datasets/fashion-mnist");
  const bp::Dataset d = bp::load_idx(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
  if (S > d.size()) throw std::invalid_argument("--samples " + std::to_string(S) + " > " + std::to_string(d.size()));
  std::vector<std::size_t> rows(S);
  std::iota(rows.begin(), rows.end(), std::size_t{0});
  d.gather<float>(rows, X, Y);
  for (auto& v : X) v /= 255.0f;  // Fashion-MNIST pixels are 0..255: the minmax scaling of W2
}

}  // namespace

int main(int argc, char** argv) try {
  const bp::bench::Args args(argc, argv, {"samples", "data", "synthetic", "threads", "lr", "net"});
  const std::size_t S = args.size("samples", 10000);
  const std::size_t threads = args.size("threads", 1);
  const std::string kind = args.str("net", "relu-ce");
  if (kind != "relu-ce" && kind != "tanh-mse") throw std::invalid_argument("--net '" + kind + "': expected relu-ce or tanh-mse");
  const bool relu = kind == "relu-ce";
  bp::set_num_threads(threads);

  bp::Matrix<float> X, Y;
  load(args, S, X, Y);

  const bp::Activation hidden = relu ? bp::Activation::kRelu : bp::Activation::kTanh;
  bp::Network<float> net;
  net.add({.in = kI, .out = 256, .activation = hidden});
  net.add({.in = 256, .out = 128, .activation = hidden});
  net.add({.in = 128, .out = kClasses, .activation = relu ? bp::Activation::kSoftmax : bp::Activation::kIdentity});
  net.set_loss(relu ? bp::Loss::kSoftmaxCrossEntropy : bp::Loss::kHalfSse);
  bp::InitOptions init;
  init.kind = relu ? bp::InitKind::kHeUniform : bp::InitKind::kXavierUniform;
  bp::init_network(net, init, 1);
  const bp::SgdOptions opts{.lr = std::stod(args.str("lr", "0.01"))};

  bp::Matrix<float> x(1, kI), y(1, kClasses);
  double sum = 0;
  const auto t0 = bp::bench::Clock::now();
  for (std::size_t n = 0; n < S; ++n) {
    std::copy_n(X.row(n).data(), kI, x.data());
    std::copy_n(Y.row(n).data(), kClasses, y.data());
    sum += bp::sgd_step(net, x, y, opts);
  }
  const double secs = bp::bench::seconds_since(t0);
  const double loss = sum / static_cast<double>(S);
  if (!std::isfinite(loss)) {
    std::fprintf(stderr, "bench_online: mean loss is %g; training diverged\n", loss);
    return 1;
  }
  std::printf("RESULT workload=W3 impl=backprop net=%s samples=%zu threads=%zu samples_per_s=%.1f loss=%.6g\n",
              kind.c_str(), S, threads, static_cast<double>(S) / secs, loss);
  return 0;
} catch (const std::exception& ex) {
  std::fprintf(stderr, "bench_online: %s\n", ex.what());
  return 2;
}
