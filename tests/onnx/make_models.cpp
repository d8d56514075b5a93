// Trains the networks the ONNX tests export (tests/onnx/onnx_test.sh): a CNN with every spatial
// layer kind, and one small MLP per activation, each for one short epoch on the first 3,000
// Fashion-MNIST training images with standardisation, saved as model files.
//   onnx_make_models DATA_DIR OUT_DIR
#include <cmath>
#include <cstdio>
#include <random>
#include <numeric>
#include <string>

#include <nlohmann/json.hpp>

#include "backprop/backprop.hpp"

namespace {

using Json = nlohmann::ordered_json;

void add(bp::Network<float>& net, const char* kind, const Json& cfg) {
  const bp::Shape in = net.depth() == 0 ? bp::Shape{1, 28, 28} : net.out_shape();
  net.add(bp::make_layer<float>(kind, cfg, in, net.depth()));
}

bp::Network<float> cnn() {
  bp::Network<float> net;
  add(net, "conv2d", {{"filters", 6u}, {"kernel", 3u}, {"padding", 1u}});
  add(net, "batchnorm2d", Json::object());
  add(net, "activation", {{"activation", "relu"}});
  add(net, "maxpool2d", {{"kernel", 2u}});
  add(net, "conv2d", {{"filters", 8u}, {"kernel", 3u}, {"stride", 2u}, {"padding", {1u, 0u, 0u, 1u}}});
  add(net, "activation", {{"activation", "tanh"}});
  add(net, "avgpool2d", {{"kernel", 3u}, {"stride", 2u}, {"padding", 1u}, {"count_include_pad", false}});
  add(net, "flatten", Json::object());
  add(net, "dense", {{"units", 32u}, {"activation", "elu"}});
  add(net, "batchnorm1d", Json::object());
  add(net, "dropout", {{"p", 0.2}});
  add(net, "dense", {{"units", 10u}, {"activation", "softmax"}});
  net.set_loss(bp::Loss::kSoftmaxCrossEntropy);
  return net;
}

bp::Network<float> mlp(bp::Activation act) {
  bp::Network<float> net;
  net.add({.in = 784, .out = 24, .activation = act});
  net.add({.in = 24, .out = 10, .activation = bp::Activation::kSoftmax});
  net.set_loss(bp::Loss::kSoftmaxCrossEntropy);
  return net;
}

void train_and_save(bp::Network<float> net, const bp::Dataset& data, const std::string& path) {
  // He-uniform weights (init_network has no rule for conv2d yet); biases 0, batch norm 1 and 0.
  std::mt19937_64 rng(1);
  for (bp::Param<float>* p : net.params()) {
    if (!p->name().ends_with(".w")) continue;
    std::uniform_real_distribution<float> u(-1, 1);
    const float a = std::sqrt(6.0f / static_cast<float>(p->value.cols()));
    for (std::size_t k = 0; k < p->value.size(); ++k) p->value.data()[k] = a * u(rng);
  }
  bp::Scaler scaler(bp::ScalerKind::kStandard);
  scaler.fit(data);
  bp::OptimizerOptions oo;
  oo.name = "adam";
  oo.lr = 2e-3;
  auto opt = bp::make_optimizer<float>(oo);
  bp::TrainOptions to;
  to.epochs = 1;
  to.batch_size = 64;
  to.seed = 1;
  bp::train(net, *opt, data, nullptr, scaler, to);
  bp::ModelInfo info;
  info.preprocessing = bp::to_preprocessing(scaler);
  info.class_names = data.class_names();
  info.seed = 1;
  info.config_json = R"({"made_by":"tests/onnx/make_models.cpp"})";
  bp::save_model(path, net, info);
  std::printf("%s: %zu layers, %zu parameters\n", path.c_str(), net.depth(), net.parameter_count());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: onnx_make_models DATA_DIR OUT_DIR\n");
    return 64;
  }
  const std::string data_dir = argv[1], out = argv[2];
  const bp::Dataset all = bp::load_idx(data_dir + "/train-images-idx3-ubyte.gz",
                                       data_dir + "/train-labels-idx1-ubyte.gz");
  std::vector<std::size_t> rows(3000);
  std::iota(rows.begin(), rows.end(), std::size_t{0});
  const bp::Dataset data = all.subset(rows);
  train_and_save(cnn(), data, out + "/cnn.bpm");
  for (bp::Activation a : bp::kAllActivations) {
    if (a == bp::Activation::kSoftmax) continue;  // the output layer's, in every model
    train_and_save(mlp(a), data, out + "/act_" + std::string(bp::activation_name(a)) + ".bpm");
  }
  return 0;
}
