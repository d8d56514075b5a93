// bp::summarize: the layer table of `backprop summary`, counts derived by hand.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "backprop/backprop.hpp"
#include "backprop/nn/summary.hpp"

namespace bp {
namespace {

TEST(Summary, ListsEveryLayerWithItsShapeAndCountsAndTheTotals) {
  Network<float> net;
  const auto add = [&](const char* kind, const char* config) {
    const Shape in = net.depth() == 0 ? Shape{1, 2, 2} : net.out_shape();
    net.add(make_layer<float>(kind, nlohmann::ordered_json::parse(config), in, net.depth() + 1));
  };
  add("flatten", "{}");                                          // 1x2x2 -> 4
  add("dense", R"({"units": 3, "train_weights": false})");       // 4*3 frozen + 3 = 15
  add("dropout", R"({"p": 0.5})");
  add("dense", R"({"units": 2})");                               // 3*2 + 2 = 8
  EXPECT_EQ(summarize(net, "m.bpm"),
            "Model: m.bpm\n"
            "Input shape: 1x2x2\n"
            "Layer (type)          Output Shape   Param #\n"
            "============================================\n"
            "flatten_1 (flatten)   4              0\n"
            "dense_1 (dense)       3              15\n"
            "dropout_1 (dropout)   3              0\n"
            "dense_2 (dense)       2              8\n"
            "============================================\n"
            "Total params: 23\n"
            "Trainable params: 11\n"
            "Non-trainable params: 12\n");
}

}  // namespace
}  // namespace bp
