// Style rule 6 for the whole training loop of a convolutional network (the W5 network's layer
// kinds: conv2d 'same', ReLU, 2x2 max pooling, flatten, dropout, dense, softmax + cross-entropy;
// Adam; byte features through the standard scaler): bp::train allocates the same number of
// times for an epoch of 2 batches as for an epoch of 7, so no batch allocates. At 1 and 2
// threads (the library's pool is started before counting).
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backprop/data/dataset.hpp"
#include "backprop/data/scaler.hpp"
#include "backprop/nn/layer_registry.hpp"
#include "backprop/nn/network.hpp"
#include "backprop/optim/options.hpp"
#include "backprop/core/threads.hpp"
#include "backprop/train/trainer.hpp"
#include "optim/alloc_counter.hpp"

namespace bp {
namespace {

using Json = nlohmann::ordered_json;

Network<float> small_cnn() {
  const char* spec = R"([
    {"type": "conv2d", "filters": 4, "kernel": 3, "padding": "same"},
    {"type": "activation", "activation": "relu"},
    {"type": "maxpool2d", "kernel": 2},
    {"type": "conv2d", "filters": 6, "kernel": 3, "padding": "same"},
    {"type": "activation", "activation": "relu"},
    {"type": "maxpool2d", "kernel": 2},
    {"type": "flatten"},
    {"type": "dropout", "p": 0.25},
    {"type": "dense", "units": 16, "activation": "relu"},
    {"type": "dropout", "p": 0.5},
    {"type": "dense", "units": 3, "activation": "softmax"}])";
  Network<float> net;
  Shape in{1, 8, 8};
  for (Json layer : Json::parse(spec)) {
    const std::string kind = layer["type"];
    layer.erase("type");
    if (net.depth()) in = net.layer(net.depth() - 1).out_shape();
    net.add(make_layer<float>(kind, layer, in, net.depth() + 1));
  }
  net.set_loss(Loss::kSoftmaxCrossEntropy);
  for (Param<float>* p : net.params())  // any non-zero weights: the loop's shape is what counts
    for (std::size_t k = 0; k < p->value.size(); ++k) p->value.data()[k] = float(int(k % 7) - 3) * 0.05f;
  return net;
}

Dataset bytes(std::size_t N) {
  std::vector<std::uint8_t> x(N * 64);
  for (std::size_t k = 0; k < x.size(); ++k) x[k] = static_cast<std::uint8_t>((k * 37) % 251);
  std::vector<std::uint32_t> y(N);
  for (std::size_t n = 0; n < N; ++n) y[n] = static_cast<std::uint32_t>(n % 3);
  return Dataset::classification(64, std::move(x), std::move(y), {"a", "b", "c"});
}

// Allocations made by one epoch of bp::train over N samples in batches of 8.
std::size_t allocations_of_an_epoch(std::size_t N) {
  Network<float> net = small_cnn();
  const Dataset data = bytes(N);
  Scaler scaler(ScalerKind::kStandard);
  scaler.fit(data);
  OptimizerOptions oo;
  oo.name = "adam";
  oo.lr = 1e-3;
  auto opt = make_optimizer<float>(oo);
  TrainOptions to;
  to.epochs = 1;
  to.batch_size = 8;
  to.seed = 3;
  const std::size_t before = testing::allocation_count();
  train(net, *opt, data, nullptr, scaler, to);
  return testing::allocation_count() - before;
}

TEST(TrainAllocations, ACnnEpochAllocatesTheSameForTwoBatchesAsForSeven) {
  for (std::size_t threads : {std::size_t{1}, std::size_t{2}}) {
    set_num_threads(threads);
    allocations_of_an_epoch(16);  // starts the thread pool and any lazily made state
    const std::size_t two = allocations_of_an_epoch(16), seven = allocations_of_an_epoch(56);
    EXPECT_EQ(two, seven) << threads << " thread(s): " << (seven - two) << " more allocations for 5 more batches";
  }
  set_num_threads(1);
}

}  // namespace
}  // namespace bp
