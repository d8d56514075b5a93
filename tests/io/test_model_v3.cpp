// Model format version 3: every layer kind make_layer knows round-trips bit for bit (kind,
// config, input shape, params, buffers), and a hostile layer record is refused with the byte
// offset before anything is allocated by its word.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>

#include <zlib.h>

#include <nlohmann/json.hpp>

#include "backprop/backprop.hpp"
#include "backprop/nn/layer_registry.hpp"

namespace bp {
namespace {

// flatten (2x3x1 -> 6), dense 6->4 relu, dropout, activation tanh, dense 4->3: every kind.
template <class T>
Network<T> every_kind() {
  Network<T> net;
  std::size_t index = 0;
  const auto add = [&](const char* kind, const char* config) {
    const Shape in = net.depth() == 0 ? Shape{2, 3, 1} : net.out_shape();
    net.add(make_layer<T>(kind, nlohmann::ordered_json::parse(config), in, ++index));
  };
  add("flatten", "{}");
  add("dense", R"({"units": 4, "activation": "leaky-relu", "alpha": 0.125})");
  add("dropout", R"({"p": 0.25})");
  add("activation", R"({"activation": "tanh"})");
  add("dense", R"({"units": 3, "train_bias": false})");
  net.set_loss(Loss::kMse);
  init_uniform(net, 7);
  return net;
}

template <class T>
void expect_every_kind_round_trips() {
  const Network<T> net = every_kind<T>();
  const auto bytes = model_to_bytes(net, ModelInfo{});
  const Model<T> m = model_from_bytes<T>(std::string(bytes.begin(), bytes.end()), "m");
  EXPECT_EQ(m.net.in_shape(), (Shape{2, 3, 1}));
  ASSERT_EQ(m.net.depth(), 5u);
  for (std::size_t l = 0; l < net.depth(); ++l) {
    EXPECT_EQ(m.net.layer(l).kind(), net.layer(l).kind()) << l;
    EXPECT_EQ(m.net.layer(l).name(), net.layer(l).name()) << l;
    EXPECT_EQ(m.net.layer(l).config(), net.layer(l).config()) << l;
    EXPECT_EQ(m.net.layer(l).in_shape(), net.layer(l).in_shape()) << l;
  }
  const auto a = std::as_const(m.net).params(), b = std::as_const(net).params();
  ASSERT_EQ(a.size(), 4u);
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k]->name(), b[k]->name());
    EXPECT_EQ(a[k]->value, b[k]->value) << b[k]->name();  // every element, exactly
    EXPECT_EQ(a[k]->trainable, b[k]->trainable) << b[k]->name();
  }
  Matrix<T> x(3, 6);
  for (std::size_t k = 0; k < x.size(); ++k) x[k] = static_cast<T>(0.1 * double(k) - 0.7);
  EXPECT_EQ(m.net.predict(x), net.predict(x));
  EXPECT_EQ(model_to_bytes(m.net, m.info), bytes);  // saving again gives the same bytes
}

TEST(ModelV3, EveryLayerKindRoundTripsBitExactFloat) { expect_every_kind_round_trips<float>(); }
TEST(ModelV3, EveryLayerKindRoundTripsBitExactDouble) { expect_every_kind_round_trips<double>(); }

// A float model read as double and the other way: the values convert.
TEST(ModelV3, OtherPrecisionLoads) {
  const auto bytes = model_to_bytes(every_kind<double>(), ModelInfo{});
  const Model<float> m = model_from_bytes<float>(std::string(bytes.begin(), bytes.end()), "m");
  EXPECT_EQ(m.net.depth(), 5u);
}

// The checkpoint embeds the model of version 3; its early-stopping copy follows params() order.
TEST(ModelV3, CheckpointOfEveryLayerKindRoundTrips) {
  const Network<float> net = every_kind<float>();
  TrainState<float> st;
  st.epoch = 2;
  st.steps = 3;
  st.batch = 1;
  for (const Param<float>* p : net.params()) st.best_weights.push_back(p->value.matrix());
  const auto b = checkpoint_to_bytes<float>(net, ModelInfo{}, st, {}, {}, {}, {});
  const Checkpoint<float> ck = checkpoint_from_bytes<float>(std::string(b.begin(), b.end()), "c");
  ASSERT_EQ(ck.model.net.depth(), 5u);
  EXPECT_EQ(ck.model.net.layer(0).kind(), "flatten");
  EXPECT_EQ(model_to_bytes(ck.model.net, ck.model.info), model_to_bytes(net, ModelInfo{}));
  ASSERT_EQ(ck.state.best_weights.size(), 4u);
  EXPECT_EQ(ck.state.best_weights[2], net.params()[2]->value.matrix());  // dense_2.w
}

std::string good() {
  const auto b = model_to_bytes(every_kind<float>(), ModelInfo{});
  return {b.begin(), b.end()};
}

// Replaces the first length-prefixed string `from` by `to`, fixing the length, the body size and
// the CRC, so that the edit is judged on its own merits.
std::string edit_str(std::string s, const std::string& from, const std::string& to) {
  const std::size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  std::uint32_t n = 0;
  std::memcpy(&n, s.data() + at - 4, 4);
  EXPECT_EQ(n, from.size()) << from;
  n = static_cast<std::uint32_t>(to.size());
  std::memcpy(s.data() + at - 4, &n, 4);
  s.replace(at, from.size(), to);
  const std::uint64_t body = s.size() - 28;
  std::memcpy(s.data() + 16, &body, 8);
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size() - 4));
  const auto c = static_cast<std::uint32_t>(crc);
  std::memcpy(s.data() + s.size() - 4, &c, 4);
  return s;
}

std::string error_of(const std::string& bytes) {
  try {
    model_from_bytes<float>(bytes, "bad.bpm");
  } catch (const DataError& e) {  // exit 65
    return e.what();
  }
  return "no error";
}

std::string offset_of(const std::string& s, const std::string& text) {
  return "byte " + std::to_string(s.find(text) - 4) + ": ";
}

TEST(ModelV3, ConfigThatIsNotJsonIsReportedWithItsOffset) {
  const std::string s = good();
  const std::string config = R"({"units":4,"activation":"leaky-relu")";
  const std::string bad = edit_str(s, config + R"(,"alpha":0.125,"train_weights":true,"train_bias":true})",
                                   config + ",");
  EXPECT_EQ(error_of(bad), "bad.bpm: " + offset_of(bad, config) +
                               "layer 2 (dense): config is not valid JSON (at byte 38 of it)");
}

TEST(ModelV3, MakeLayerErrorsAreReportedWithTheRecordsOffset) {
  const std::string s = good();
  std::string bad = edit_str(s, "dropout", "conv9");
  EXPECT_EQ(error_of(bad), "bad.bpm: " + offset_of(bad, "conv9") +
                               "layer 3: unknown kind 'conv9'; expected one of: " +
                               [] {
                                 std::string k;
                                 for (auto v : layer_kinds()) k += (k.empty() ? "" : ", ") + std::string(v);
                                 return k;
                               }());
  bad = edit_str(s, R"({"p":0.25})", R"({"p":1.5})");
  EXPECT_NE(error_of(bad).find("layer 3 (dropout): dropout: p = 1.5"), std::string::npos) << error_of(bad);
}

// A config that asks for far more values than its stored params declare is refused before the
// layer allocates them.
TEST(ModelV3, AConfigLargerThanItsStoredParamsIsRefusedBeforeAllocating) {
  const std::string config = every_kind<float>().layer(4).config().dump();
  std::string huge = config;
  huge.replace(huge.find(R"("units":3)"), 9, R"("units":16777216)");
  const std::string bad = edit_str(good(), config, huge);
  const std::string e = error_of(bad);
  EXPECT_NE(e.find("layer 5 (dense): dense.w would be 16777216x4, more values than the 15 the file declares"),
            std::string::npos)
      << e;
}

TEST(ModelV3, StoredTensorsMustMatchTheLayers) {
  const std::string s = good();
  std::string bad = edit_str(s, "dense_2.w", "dense_2.v");
  EXPECT_EQ(error_of(bad), "bad.bpm: " + offset_of(bad, "dense_2.v") +
                               "layer 5 (dense): stored dense_2.v 3x4; expected dense_2.w 3x4");
}

TEST(ModelV3, StoredInputShapesMustChain) {
  std::string s = good();
  // The network's input shape follows the loss name "mse": 2x3x1 -> 3x2x1.
  const std::size_t at = s.find("mse") + 3;
  const std::uint64_t c = 3, h = 2;
  std::memcpy(s.data() + at, &c, 8);
  std::memcpy(s.data() + at + 8, &h, 8);
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size() - 4));
  const auto k = static_cast<std::uint32_t>(crc);
  std::memcpy(s.data() + s.size() - 4, &k, 4);
  EXPECT_NE(error_of(s).find("layer 1 (flatten): input shape 2x3x1; expected 3x2x1 (the network's input)"),
            std::string::npos)
      << error_of(s);
}

TEST(ModelV3, AnOutputDropoutLayerIsRefused) {
  Network<float> net;
  net.add(make_layer<float>("dense", nlohmann::ordered_json::parse(R"({"units": 2})"), Shape::flat(2), 1));
  net.add(make_layer<float>("dropout", nlohmann::ordered_json::parse(R"({"p": 0.5})"), Shape::flat(2), 2));
  const auto b = model_to_bytes(net, ModelInfo{});
  EXPECT_NE(error_of(std::string(b.begin(), b.end())).find("layer 2 (the output layer) is a dropout layer"),
            std::string::npos);
}

}  // namespace
}  // namespace bp
