// The issue-11 CNN through the layer interface, float: one batch forward + backward (the general
// training path's work per step, without the optimizer):
//   1x28x28 -> Conv2D 32 3x3 'same' -> ReLU -> MaxPool 2 -> Conv2D 64 3x3 'same' -> ReLU
//   -> MaxPool 2 -> Flatten -> Dense 128 ReLU -> Dense 10 softmax (cross-entropy)
// Wall and process CPU time per step (median over --reps, after one warm-up step); the CPU time
// shows how much of the wall time a busy host took away.
//   bench_cnn [--batch 128] [--reps 10] [--threads 1]
// Prints: RESULT workload=cnn impl=backprop threads=T batch=N wall_ms=W cpu_ms=C
#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>
#include <memory>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "backprop/nn/activation_layer.hpp"
#include "backprop/nn/flatten.hpp"
#include "backprop/nn/layer_registry.hpp"
#include "backprop/nn/network.hpp"
#include "backprop/core/threads.hpp"
#include "bench_util.hpp"

namespace {

using Json = nlohmann::ordered_json;

void add(bp::Network<float>& net, const char* kind, const char* config) {
  const bp::Shape in = net.depth() ? net.layer(net.depth() - 1).out_shape() : bp::Shape{1, 28, 28};
  net.add(bp::make_layer<float>(kind, Json::parse(config), in, net.depth() + 1));
}

void relu(bp::Network<float>& net) {
  net.add(std::make_unique<bp::ActivationLayer<float>>(bp::Activation::kRelu,
                                                        net.layer(net.depth() - 1).out_shape()));
}

bp::Network<float> cnn() {
  bp::Network<float> net;
  add(net, "conv2d", R"({"filters": 32, "kernel": 3, "padding": "same"})");
  relu(net);
  add(net, "maxpool2d", R"({"kernel": 2})");
  add(net, "conv2d", R"({"filters": 64, "kernel": 3, "padding": "same"})");
  relu(net);
  add(net, "maxpool2d", R"({"kernel": 2})");
  add(net, "flatten", "{}");
  add(net, "dense", R"({"units": 128, "activation": "relu"})");
  add(net, "dense", R"({"units": 10, "activation": "softmax"})");
  net.set_loss(bp::Loss::kSoftmaxCrossEntropy);
  std::mt19937_64 rng(1);  // He-uniform weights: timing does not depend on their values
  for (bp::Param<float>* p : net.params()) {
    std::uniform_real_distribution<float> u(-1, 1);
    const float bound = std::sqrt(6.0f / static_cast<float>(p->cols()));
    if (p->rows() > 1)
      for (float& v : p->value) v = bound * u(rng);
  }
  return net;
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) try {
  const bp::bench::Args args(argc, argv, {"batch", "reps", "threads"});
  const std::size_t batch = args.size("batch", 128), reps = args.size("reps", 10);
  const std::size_t threads = args.size("threads", 1);
  bp::set_num_threads(threads);
  bp::Network<float> net = cnn();
  net.set_training(true);
  bp::Matrix<float> x(batch, net.in()), t(batch, 10);
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> u(0, 1);
  for (float& v : x) v = u(rng);
  for (std::size_t n = 0; n < batch; ++n) t(n, n % 10) = 1;
  std::vector<double> wall, cpu;
  for (std::size_t r = 0; r <= reps; ++r) {
    const auto t0 = bp::bench::Clock::now();
    const double c0 = cpu_seconds();
    net.zero_grad();
    net.forward(x);
    net.backward(x, t);
    if (r == 0) continue;  // warm-up: buffers sized
    wall.push_back(1e3 * bp::bench::seconds_since(t0));
    cpu.push_back(1e3 * (cpu_seconds() - c0));
  }
  std::printf("RESULT workload=cnn impl=backprop threads=%zu batch=%zu wall_ms=%.2f cpu_ms=%.2f "
              "loss=%.4f\n", threads, batch, bp::bench::median(wall), bp::bench::median(cpu),
              static_cast<double>(net.loss_value(t)));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_cnn: %s\n", e.what());
  return 1;
}
