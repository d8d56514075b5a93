// Model files: bit-exact round trip in both precisions, and every way a file can be bad.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <zlib.h>

#include <nlohmann/json.hpp>

#include "backprop/backprop.hpp"
#include "nn/dense_at.hpp"

namespace bp {
namespace {

template <class T>
Network<T> sample_net() {
  Network<T> net({{.in = 3, .out = 4, .activation = Activation::kLeakyRelu, .alpha = 0.2, .dropout = 0.1},
                  {.in = 4, .out = 2, .activation = Activation::kSoftmax, .train_bias = false}},
                 Loss::kSoftmaxCrossEntropy);
  init_uniform(net, 42);
  return net;
}

ModelInfo sample_info() {
  ModelInfo info;
  info.preprocessing = {"standard", {0.5, -1, 2}, {2, 0.25, 1}};
  info.class_names = {"cat", "dog"};
  info.seed = 1234;
  info.config_json = R"({"epochs": 3})";
  info.columns = {.features = {"length", "width", "höhe"}, .label = "kind", .label_index = 3, .targets = {}};
  return info;
}

template <class T>
void expect_round_trip() {
  const Network<T> net = sample_net<T>();
  const ModelInfo info = sample_info();
  const auto bytes = model_to_bytes(net, info);
  const Model<T> m = model_from_bytes<T>(std::string(bytes.begin(), bytes.end()), "m");
  EXPECT_EQ(m.info, info);
  EXPECT_EQ(m.net.loss(), net.loss());
  ASSERT_EQ(m.net.depth(), net.depth());
  for (std::size_t l = 0; l < net.depth(); ++l) {  // dense_1, dropout_1, dense_2
    EXPECT_EQ(m.net.layer(l).kind(), net.layer(l).kind());
    EXPECT_EQ(m.net.layer(l).config(), net.layer(l).config()) << l;  // activation, alpha, p, flags
  }
  ASSERT_EQ(std::as_const(m.net).params().size(), std::as_const(net).params().size());
  for (std::size_t k = 0; k < std::as_const(net).params().size(); ++k) {
    const Param<T>& a = *std::as_const(m.net).params()[k];
    const Param<T>& b = *std::as_const(net).params()[k];
    // Bit-exact: operator== on the values compares every element exactly.
    EXPECT_EQ(a.value, b.value) << b.name();
    EXPECT_EQ(a.trainable, b.trainable) << b.name();
  }
  EXPECT_EQ(net.layer(1).template as<Dropout<T>>()->p(), 0.1);
  // Saving the loaded model gives the same bytes.
  EXPECT_EQ(model_to_bytes(m.net, m.info), bytes);
}

TEST(Model, RoundTripIsBitExactFloat) { expect_round_trip<float>(); }
TEST(Model, RoundTripIsBitExactDouble) { expect_round_trip<double>(); }

// `backprop train --preprocess none` fits a kNone scaler (offsets 0, scales 1); its model file
// must still read back (the reader wants no vectors for "none").
TEST(Model, FittedNoScalerIsStoredWithoutVectors) {
  Scaler none(ScalerKind::kNone);
  none.fit(Dataset::classification(3, std::vector<float>{1, 2, 3, 4, 5, 6}, {0, 1}, {"cat", "dog"}));
  ModelInfo info = sample_info();
  info.preprocessing = to_preprocessing(none);
  EXPECT_EQ(info.preprocessing, (Preprocessing{"none", {}, {}}));
  const auto bytes = model_to_bytes(sample_net<float>(), info);
  const Model<float> back = model_from_bytes<float>(std::string(bytes.begin(), bytes.end()), "m.bpm");
  EXPECT_EQ(back.info, info);
}

TEST(Model, SaveAndLoadThroughAFile) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "bp_model_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "m.bpm").string();
  const auto net = sample_net<float>();
  save_model(path, net, sample_info());
  const auto m = load_model<float>(path);
  EXPECT_EQ(dense_at(m.net, 0).weights().value, dense_at(net, 0).weights().value);
  // No temporary files left behind.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
  std::filesystem::remove_all(dir);
}

// Expects model_from_bytes to throw DataError whose message contains every one of `parts`.
void expect_bad(const std::string& bytes, std::initializer_list<std::string> parts) {
  try {
    model_from_bytes<float>(bytes, "bad.bpm");
    ADD_FAILURE() << "no error for: " << *parts.begin();
  } catch (const DataError& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

std::string good() {
  const auto b = model_to_bytes(sample_net<float>(), sample_info());
  return std::string(b.begin(), b.end());
}

// Rewrites the trailing CRC so that a deliberate edit is judged on its own merits.
std::string with_crc(std::string s) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size() - 4));
  const auto c = static_cast<std::uint32_t>(crc);
  std::memcpy(s.data() + s.size() - 4, &c, 4);
  return s;
}

// The message of the DataError that model_from_bytes throws ("" when it loads).
std::string error_of(const std::string& bytes) {
  try {
    model_from_bytes<float>(bytes, "bad.bpm");
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

TEST(Model, BadFilesGetClearErrors) {
  expect_bad("", {"bad.bpm", "byte 0", "magic"});
  expect_bad(std::string("\x1f\x8b\x08\x00", 4), {"gzip"});
  expect_bad("BPMODEL", {"magic"});
  expect_bad(std::string("BPCKPT\0\0", 8), {"magic", "found a checkpoint"});
  std::string s = good();
  const std::string n = std::to_string(s.size());
  expect_bad(s.substr(0, s.size() - 1), {"byte 16: truncated or corrupt: expected " + n, "found " + std::to_string(s.size() - 1)});
  expect_bad(s.substr(0, 20), {"truncated: expected at least 28 bytes", "found 20"});
  expect_bad(s + "x", {"byte " + n, "expected the end of the file after " + n + " bytes, found 1 trailing bytes"});
  std::string v = s;
  v[8] = static_cast<char>(kModelFormatVersion + 1);
  expect_bad(with_crc(v), {"byte 8", "format version 4 is newer", "upgrade"});
  v[8] = 0;
  expect_bad(with_crc(v), {"byte 8", "format version 0 is not a valid version"});
  std::string sc = s;
  sc[12] = 3;
  expect_bad(with_crc(sc), {"byte 12", "scalar size 3"});
  std::string flip = s;
  flip[s.size() / 2] = static_cast<char>(flip[s.size() / 2] ^ 0x40);
  expect_bad(flip, {"checksum mismatch", "corrupt"});
  std::string huge = s;
  const std::uint64_t big_size = ~0ull;
  std::memcpy(huge.data() + 16, &big_size, 8);
  expect_bad(huge, {"byte 16", "expected more than 2^64 bytes", "found " + n});
}

// A damaged byte in a field that would give advice is reported as corruption: the checksum is
// checked before the version, the scalar size and the sizes are believed.
TEST(Model, ADamagedByteIsCorruptionNotAdvice) {
  const std::string s = good();
  for (const std::size_t at : {std::size_t{8}, std::size_t{9}, std::size_t{12}, std::size_t{16}, std::size_t{17}}) {
    std::string bad = s;
    bad[at] = static_cast<char>(bad[at] ^ 0xfe);
    const std::string e = error_of(bad);
    EXPECT_FALSE(e.empty()) << "byte " << at;
    EXPECT_TRUE(e.find("corrupt") != std::string::npos) << e;
    EXPECT_EQ(e.find("upgrade"), std::string::npos) << e;
    EXPECT_EQ(e.find("scalar size"), std::string::npos) << e;
    EXPECT_EQ(e.find("(expected 0)"), std::string::npos) << e;
  }
}

TEST(Model, ColumnNamesRoundTripAndMustFitTheNetwork) {
  Network<float> net({{.in = 2, .out = 2}}, Loss::kMse);
  ModelInfo info;
  info.columns.features = {"x", "y"};
  info.columns.targets = {"sin", "cos"};
  auto b = model_to_bytes(net, info);
  EXPECT_EQ(model_from_bytes<float>(std::string(b.begin(), b.end()), "m").info.columns, info.columns);
  ModelInfo wrong = info;
  wrong.columns.features = {"x"};
  EXPECT_THROW(model_to_bytes(net, wrong), UsageError);
  wrong = info;
  wrong.columns.targets = {"a", "b", "c"};
  EXPECT_THROW(model_to_bytes(net, wrong), UsageError);
  wrong = info;
  wrong.columns.features = {"x", "tab\there"};  // the reader would refuse it: so does the writer
  EXPECT_THROW(model_to_bytes(net, wrong), UsageError);
  // A file whose feature count does not fit the network is refused by the reader, naming both.
  info.columns.features = {"x", "y"};
  b = model_to_bytes(net, info);
  std::string t(b.begin(), b.end());
  const std::string one_name = std::string("\x02\0\0\0", 4) + std::string("\x01\0\0\0x", 5);
  const auto at = t.find(one_name);
  ASSERT_NE(at, std::string::npos);
  t[at] = 3;  // "3 feature names" for 2 inputs
  expect_bad(with_crc(t), {"3 feature names for 2 inputs; expected 0 or 2"});
}

TEST(Model, WriterRecordsTheCurrentVersion) {
  const std::string s = good();
  std::uint32_t version = 0;
  std::memcpy(&version, s.data() + 8, 4);
  EXPECT_EQ(version, 3u);
  EXPECT_EQ(kModelFormatVersion, 3u);
}

TEST(Model, NonFiniteWeightIsReported) {
  auto net = sample_net<float>();
  dense_at(net, 2).weights().value[3] = std::numeric_limits<float>::quiet_NaN();  // dense_2
  const auto b = model_to_bytes(net, sample_info());
  expect_bad(std::string(b.begin(), b.end()), {"layer 3 (dense): dense_2.w[3] is nan", "finite"});
}

TEST(Model, HugeDeclaredLayerInATinyFileIsRefusedBeforeAllocating) {
  Network<float> net({{.in = 1, .out = 1}}, Loss::kMse);
  auto b = model_to_bytes(net, ModelInfo{});
  std::string s(b.begin(), b.end());
  // The header of dense_1.w: str name, then u64 rows and u64 cols.
  const std::size_t at = s.find("dense_1.w") + 9;
  const std::uint64_t width = 1u << 24;
  std::memcpy(s.data() + at, &width, 8);
  std::memcpy(s.data() + at + 8, &width, 8);
  expect_bad(with_crc(s), {"layer 1 (dense): dense_1.w is 16777216x16777216, more values than the bytes left hold"});
}

TEST(Model, MissingFileIsNoInput) {
  EXPECT_THROW(load_model<float>("/nonexistent/dir/m.bpm"), NoInputError);
}

TEST(Model, SaveIntoAMissingDirectoryIsCantCreate) {
  EXPECT_THROW(save_model("/nonexistent/dir/m.bpm", sample_net<float>(), sample_info()), CantCreateError);
}

TEST(Model, InfoThatDoesNotFitTheNetworkIsAUsageError) {
  ModelInfo info = sample_info();
  info.class_names = {"a", "b", "c"};
  EXPECT_THROW(model_to_bytes(sample_net<float>(), info), UsageError);
}

}  // namespace
}  // namespace bp
