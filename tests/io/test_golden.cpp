// Files of format version 1, written by an older backprop (tests/golden/README.md), still load and
// predict: their weights equal, bit for bit, what an independent Python reader recorded
// (tests/golden/reference.py -> v1-reference.txt), their outputs match that script's own forward
// pass, and a copy re-saved in the current format predicts bit-identically.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "backprop/backprop.hpp"
#include "nn/dense_at.hpp"

namespace bp {
namespace {

const std::string kGolden = BP_GOLDEN_DIR;

// One model's block of v1-reference.txt.
struct Reference {
  std::size_t scalar = 0;
  std::string loss;
  std::uint64_t seed = 0;
  std::vector<std::string> classes;
  std::string preprocessing;
  std::vector<std::uint64_t> offset, scale;  // bits of the stored doubles
  struct Layer {
    std::size_t in = 0, out = 0;
    std::string activation;
    std::vector<std::uint64_t> weights, bias;  // bits of the stored scalars
  };
  std::vector<Layer> layers;
  std::vector<std::vector<double>> inputs, outputs;
  std::size_t epoch = 0, batch = 0, steps = 0;  // checkpoints only
};

std::vector<std::uint64_t> hex_words(std::istringstream& in) {
  std::vector<std::uint64_t> v;
  for (std::string w; in >> w;) v.push_back(std::stoull(w, nullptr, 16));
  return v;
}

// The block that starts "model <file>".
Reference reference_for(const std::string& file) {
  std::ifstream f(kGolden + "/v1-reference.txt");
  Reference r;
  bool inside = false;
  for (std::string line; std::getline(f, line);) {
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (key == "model") {
      std::string name, word;
      in >> name;
      inside = name == file;
      if (!inside) continue;
      in >> word >> r.scalar >> word >> r.loss >> word >> r.seed >> word;
      for (std::string c; in >> c;) r.classes.push_back(c);
    } else if (!inside) {
      continue;
    } else if (key == "preprocessing") {
      in >> r.preprocessing;
    } else if (key == "offset") {
      r.offset = hex_words(in);
    } else if (key == "scale") {
      r.scale = hex_words(in);
    } else if (key == "layer") {
      r.layers.emplace_back();
      in >> r.layers.back().in >> r.layers.back().out >> r.layers.back().activation;
    } else if (key == "weights") {
      r.layers.back().weights = hex_words(in);
    } else if (key == "bias") {
      r.layers.back().bias = hex_words(in);
    } else if (key == "sample") {
      std::vector<double> x, y;
      std::string w;
      while (in >> w && w != "->") x.push_back(std::stod(w));
      while (in >> w) y.push_back(std::stod(w));
      r.inputs.push_back(x);
      r.outputs.push_back(y);
    } else if (key == "position") {
      std::string word;
      in >> word >> r.epoch >> word >> r.batch >> word >> r.steps;
    }
  }
  return r;
}

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::uint32_t version_of(const std::string& bytes) {
  std::uint32_t v = 0;
  std::memcpy(&v, bytes.data() + 8, 4);
  return v;
}

template <class T>
std::uint64_t bits(T v) {
  if constexpr (sizeof(T) == 4) return std::bit_cast<std::uint32_t>(v);
  else return std::bit_cast<std::uint64_t>(v);
}

template <class T>
void expect_reference_weights(const Model<T>& m, const Reference& r) {
  ASSERT_EQ(r.scalar, sizeof(T));
  EXPECT_EQ(loss_name(m.net.loss()), r.loss);
  EXPECT_EQ(m.info.seed, r.seed);
  EXPECT_EQ(m.info.class_names, r.classes);
  EXPECT_EQ(m.info.preprocessing.kind, r.preprocessing);
  ASSERT_EQ(m.info.preprocessing.offset.size(), r.offset.size());
  for (std::size_t i = 0; i < r.offset.size(); ++i) {
    EXPECT_EQ(bits(m.info.preprocessing.offset[i]), r.offset[i]);
    EXPECT_EQ(bits(m.info.preprocessing.scale[i]), r.scale[i]);
  }
  ASSERT_EQ(m.net.depth(), r.layers.size());
  for (std::size_t l = 0; l < r.layers.size(); ++l) {
    const auto& layer = dense_at(m.net, l);
    EXPECT_EQ(layer.in(), r.layers[l].in);
    EXPECT_EQ(layer.out(), r.layers[l].out);
    EXPECT_EQ(activation_name(layer.activation()), r.layers[l].activation);
    ASSERT_EQ(layer.weights().value.size(), r.layers[l].weights.size());
    for (std::size_t k = 0; k < r.layers[l].weights.size(); ++k)
      EXPECT_EQ(bits(layer.weights().value[k]), r.layers[l].weights[k]) << "layer " << l + 1 << " weight " << k;
    ASSERT_EQ(layer.bias().value.size(), r.layers[l].bias.size());
    for (std::size_t k = 0; k < r.layers[l].bias.size(); ++k)
      EXPECT_EQ(bits(layer.bias().value[k]), r.layers[l].bias[k]) << "layer " << l + 1 << " bias " << k;
  }
  EXPECT_TRUE(m.info.columns.empty());  // version 1 has no column names
}

// The model's outputs for the reference inputs, preprocessing included.
template <class T>
Matrix<T> outputs_of(const Model<T>& m, const Reference& r) {
  Matrix<T> x(r.inputs.size(), r.inputs[0].size());
  for (std::size_t n = 0; n < x.rows(); ++n)
    for (std::size_t i = 0; i < x.cols(); ++i) x(n, i) = static_cast<T>(r.inputs[n][i]);
  to_scaler(m.info.preprocessing).apply(x);
  return m.net.predict(x);
}

template <class T>
void expect_reference_outputs(const Model<T>& m, const Reference& r, double tolerance) {
  const Matrix<T> y = outputs_of(m, r);
  ASSERT_EQ(y.rows(), r.outputs.size());
  for (std::size_t n = 0; n < y.rows(); ++n)
    for (std::size_t o = 0; o < y.cols(); ++o)
      EXPECT_NEAR(static_cast<double>(y(n, o)), r.outputs[n][o], tolerance) << "sample " << n << " output " << o;
}

TEST(GoldenV1, ModelLoadsWithTheWeightsAndOutputsOfAnIndependentReader) {
  const std::string bytes = read_bytes(kGolden + "/v1-blobs.bpm");
  ASSERT_EQ(version_of(bytes), 1u);
  const Reference r = reference_for("v1-blobs.bpm");
  ASSERT_EQ(r.inputs.size(), 5u);
  const Model<float> m = model_from_bytes<float>(bytes, "v1-blobs.bpm");
  expect_reference_weights(m, r);
  // Float arithmetic against the script's double: a few units in the 7th digit at most.
  expect_reference_outputs(m, r, 1e-6);
}

TEST(GoldenV1, ModelResavedInTheCurrentFormatPredictsBitIdentically) {
  const Reference r = reference_for("v1-blobs.bpm");
  const Model<float> v1 = load_model<float>(kGolden + "/v1-blobs.bpm");
  const auto resaved = model_to_bytes(v1.net, v1.info);
  const std::string b(resaved.begin(), resaved.end());
  EXPECT_EQ(version_of(b), kModelFormatVersion);
  const Model<float> v2 = model_from_bytes<float>(b, "resaved.bpm");
  EXPECT_EQ(v2.info, v1.info);
  expect_reference_weights(v2, r);
  const Matrix<float> y1 = outputs_of(v1, r), y2 = outputs_of(v2, r);
  for (std::size_t k = 0; k < y1.size(); ++k) EXPECT_EQ(bits(y1[k]), bits(y2[k])) << k;
}

TEST(GoldenV1, CheckpointLoadsResumesItsPositionAndResaves) {
  const std::string bytes = read_bytes(kGolden + "/v1-blobs.bpc");
  ASSERT_EQ(version_of(bytes), 1u);
  const Reference r = reference_for("v1-blobs.bpc");
  EXPECT_EQ(checkpoint_scalar_size(bytes, "v1-blobs.bpc"), 8);
  const Checkpoint<double> ck = checkpoint_from_bytes<double>(bytes, "v1-blobs.bpc");
  expect_reference_weights(ck.model, r);
  expect_reference_outputs(ck.model, r, 1e-12);
  EXPECT_EQ(ck.state.epoch, r.epoch);
  EXPECT_EQ(ck.state.batch, r.batch);
  EXPECT_EQ(ck.state.steps, r.steps);
  EXPECT_THROW(checkpoint_from_bytes<float>(bytes, "v1-blobs.bpc"), DataError);  // --precision double
  // Re-saved in the current format: the same model, state and outputs, bit for bit.
  const auto resaved = checkpoint_to_bytes<double>(ck.model.net, ck.model.info, ck.state, ck.optimizer, ck.extra,
                                                   ck.train_data, ck.validation_data);
  const std::string b(resaved.begin(), resaved.end());
  EXPECT_EQ(version_of(b), kCheckpointFormatVersion);
  const Checkpoint<double> again = checkpoint_from_bytes<double>(b, "resaved.bpc");
  EXPECT_EQ(again.model.info, ck.model.info);
  EXPECT_EQ(again.optimizer, ck.optimizer);
  EXPECT_EQ(again.train_data, ck.train_data);
  EXPECT_EQ(again.state.history.size(), ck.state.history.size());
  const Matrix<double> y1 = outputs_of(ck.model, r), y2 = outputs_of(again.model, r);
  for (std::size_t k = 0; k < y1.size(); ++k) EXPECT_EQ(bits(y1[k]), bits(y2[k])) << k;
}

// Version 2 (tests/golden/README.md): the file loads with its column names, and its outputs for
// the first rows of blobs.csv, which the backprop that wrote it printed to v2-blobs-predict.csv
// with 9 significant digits (a float round-trips), are reproduced bit for bit, before and after
// re-saving in the current format.
TEST(GoldenV2, ModelPredictsWhatItsWriterPrintedBeforeAndAfterResaving) {
  const std::string bytes = read_bytes(kGolden + "/v2-blobs.bpm");
  ASSERT_EQ(version_of(bytes), 2u);
  const Model<float> v2 = model_from_bytes<float>(bytes, "v2-blobs.bpm");
  EXPECT_EQ(v2.info.columns.features, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(v2.info.class_names, (std::vector<std::string>{"east", "north", "west"}));
  Reference r;  // the first rows of blobs.csv (x, y, label) as inputs
  std::ifstream data(kGolden + "/../cli/fixtures/blobs.csv");
  std::string line;
  std::getline(data, line);  // header
  for (int n = 0; n < 8 && std::getline(data, line); ++n) {
    double x = 0, y = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%lf,%lf", &x, &y), 2) << line;
    r.inputs.push_back({x, y});
  }
  std::ifstream printed(kGolden + "/v2-blobs-predict.csv");
  std::getline(printed, line);  // header
  std::vector<float> expected;
  for (std::size_t n = 0; n < r.inputs.size() && std::getline(printed, line); ++n) {
    std::istringstream in(line);
    std::string cell;
    for (int c = 0; std::getline(in, cell, ','); ++c)
      if (c >= 3) expected.push_back(std::stof(cell));  // p(east), p(north), p(west)
  }
  const auto resaved = model_to_bytes(v2.net, v2.info);
  const std::string b(resaved.begin(), resaved.end());
  EXPECT_EQ(version_of(b), kModelFormatVersion);
  const Model<float> v3 = model_from_bytes<float>(b, "resaved.bpm");
  EXPECT_EQ(v3.info, v2.info);
  const Matrix<float> y2 = outputs_of(v2, r), y3 = outputs_of(v3, r);
  ASSERT_EQ(y2.size(), expected.size());
  for (std::size_t k = 0; k < y2.size(); ++k) {
    EXPECT_EQ(bits(y2[k]), bits(expected[k])) << k;
    EXPECT_EQ(bits(y3[k]), bits(y2[k])) << k;
  }
}

}  // namespace
}  // namespace bp
