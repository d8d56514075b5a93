// W5 (docs/performance.md): one epoch of the Fashion-MNIST CNN through the library's training
// path, bp::train (what `backprop train` runs): the 60,000 training images, standardised per
// pixel (Scaler kStandard), shuffled batches, dropout on, Adam, softmax cross-entropy.
// The network is READ from a config file's "network" array (examples/fashion-mnist-cnn.json by
// default) and built layer by layer with make_layer, so the benchmark follows the example;
// "input_shape", "batch_size", "lr", "loss" and "seed" come from the same file when present.
//   bench_cnn_epoch [--config FILE] [--data DIR] [--threads 1] [--epochs 1] [--samples 0 (all)]
// Prints: RESULT workload=W5 impl=backprop threads=T samples_per_s=S epoch_s=E cpu_s=C loss=L
//         acc=A max_rss_mib=R (getrusage ru_maxrss: the peak of the whole process, data included);
//         epoch_s and cpu_s per epoch: wall time, and process CPU time (all threads), which a
//         busy host does not inflate.
#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "backprop/data/idx.hpp"
#include "backprop/data/scaler.hpp"
#include "backprop/nn/layer_registry.hpp"
#include "backprop/nn/loss.hpp"
#include "backprop/nn/network.hpp"
#include "backprop/optim/options.hpp"
#include "backprop/core/threads.hpp"
#include "backprop/train/trainer.hpp"
#include "bench_util.hpp"

namespace {

using Json = nlohmann::ordered_json;

Json read_json(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot read");
  std::stringstream ss;
  ss << f.rdbuf();
  return Json::parse(ss.str());
}

// The "network" array, layer after layer, each made for the previous layer's output shape.
bp::Network<float> build(const Json& cfg) {
  if (!cfg.contains("network") || !cfg["network"].is_array())
    throw std::runtime_error("the config has no \"network\" array");
  bp::Shape in{1, 28, 28};
  if (cfg.contains("input_shape")) {
    const auto s = cfg["input_shape"].get<std::vector<std::size_t>>();
    if (s.size() == 3) in = {s[0], s[1], s[2]};
    if (s.size() == 1) in = {1, 1, s[0]};
  }
  bp::Network<float> net;
  for (const Json& spec : cfg["network"]) {
    Json config = spec;
    const std::string kind = config.at("type").get<std::string>();
    config.erase("type");
    const bp::Shape at = net.depth() ? net.layer(net.depth() - 1).out_shape() : in;
    net.add(bp::make_layer<float>(kind, config, at, net.depth() + 1));
  }
  net.set_loss(bp::parse_loss(cfg.value("loss", std::string("cross-entropy"))));
  return net;
}

// He-uniform weights (U(±sqrt(6 / fan_in)), fan_in = the weight's columns) for conv2d and dense,
// biases 0, every other parameter (batchnorm) as its layer made it. Speed does not depend on the
// draw, only on its scale staying sane.
void init_weights(bp::Network<float>& net, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (std::size_t l = 0; l < net.depth(); ++l) {
    bp::Layer<float>& layer = net.layer(l);
    if (layer.kind() != "conv2d" && layer.kind() != "dense") continue;
    bp::Param<float>& w = *layer.params()[0];
    const float bound = std::sqrt(6.0f / static_cast<float>(w.cols()));
    std::uniform_real_distribution<float> u(-bound, bound);
    for (float& v : w.value) v = u(rng);
  }
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double max_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB on Linux
}

}  // namespace

int main(int argc, char** argv) try {
  const bp::bench::Args args(argc, argv, {"config", "data", "threads", "epochs", "samples"});
  const Json cfg = read_json(args.str("config", "examples/fashion-mnist-cnn.json"));
  const std::string dir = args.str("data", "/usr/share/datasets/fashion-mnist");
  const std::size_t threads = args.size("threads", 1);
  bp::set_num_threads(threads);
  bp::Dataset data = bp::load_idx(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
  if (const std::size_t n = args.size("samples", 0); n > 0 && n < data.size()) {
    std::vector<std::size_t> first(n);
    for (std::size_t k = 0; k < n; ++k) first[k] = k;
    data = data.subset(first);
  }
  bp::Network<float> net = build(cfg);
  const std::uint64_t seed = cfg.value("seed", std::uint64_t{1});
  init_weights(net, seed);
  bp::Scaler scaler(bp::ScalerKind::kStandard);
  scaler.fit(data);
  bp::OptimizerOptions oo;
  oo.name = cfg.value("optimizer", std::string("adam"));
  oo.lr = cfg.value("lr", 1e-3);
  auto opt = bp::make_optimizer<float>(oo);
  bp::TrainOptions to;
  to.epochs = args.size("epochs", 1);
  to.batch_size = cfg.value("batch_size", std::size_t{128});
  to.seed = seed;
  const auto t0 = bp::bench::Clock::now();
  const double c0 = cpu_seconds();
  const bp::TrainResult r = bp::train(net, *opt, data, nullptr, scaler, to);
  const double secs = bp::bench::seconds_since(t0), cpu = cpu_seconds() - c0;
  const bp::EpochStats& last = r.epochs.back();
  std::printf("RESULT workload=W5 impl=backprop threads=%zu samples_per_s=%.1f epoch_s=%.3f "
              "cpu_s=%.3f loss=%.4f acc=%.4f max_rss_mib=%.1f\n",
              threads, static_cast<double>(data.size() * to.epochs) / secs, secs / static_cast<double>(to.epochs),
              cpu / static_cast<double>(to.epochs), last.loss,
              last.accuracy, max_rss_mib());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_cnn_epoch: %s\n", e.what());
  return 1;
}
