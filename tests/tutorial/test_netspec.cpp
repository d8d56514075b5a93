// Network description files: the seed's description builds the seed's network, and every kind of
// bad input is a one-line ConfigError naming the file, the JSON path, what was expected and found.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "backprop/backprop.hpp"
#include "nn/dense_at.hpp"

namespace bp {
namespace {

const char* const kSeedJson = R"({
  "names": "seed",
  "layers": [
    {"in": 2, "out": 2, "activation": "sigmoid",
     "weights": [[0.15, 0.20], [0.25, 0.30]], "bias": 0.35, "train_bias": false},
    {"in": 2, "out": 2, "activation": "sigmoid",
     "weights": [[0.40, 0.45], [0.50, 0.55]], "bias": [0.60, 0.60], "train_bias": false}
  ],
  "loss": "half-sse",
  "learning_rate": 0.5,
  "input": [0.05, 0.10],
  "target": [0.01, 0.99]
})";

// kSeedJson with the first occurrence of `from` replaced by `to`.
std::string seed_with(const std::string& from, const std::string& to) {
  std::string s = kSeedJson;
  const auto p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

// Parses text and expects a one-line ConfigError starting with "net.json: " and containing each
// of `parts`.
void expect_config_error(const std::string& text, const std::vector<std::string>& parts) {
  try {
    parse_netspec(text, "net.json");
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("net.json: ", 0), 0u) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

TEST(NetSpec, SeedDescriptionBuildsTheSeedNetwork) {
  const NetSpec spec = parse_netspec(kSeedJson, "seed.json");
  const Network<double> want = seed_network();
  ASSERT_EQ(spec.net.depth(), 2u);
  for (std::size_t l = 0; l < 2; ++l) {
    EXPECT_EQ(dense_at(spec.net, l).weights().value, dense_at(want, l).weights().value) << "layer " << l;
    EXPECT_EQ(dense_at(spec.net, l).bias().value, dense_at(want, l).bias().value) << "layer " << l;
    EXPECT_EQ(dense_at(spec.net, l).activation(), Activation::kSigmoid);
    EXPECT_TRUE(dense_at(spec.net, l).weights().trainable);
    EXPECT_FALSE(dense_at(spec.net, l).bias().trainable);
  }
  EXPECT_EQ(spec.net.loss(), Loss::kHalfSse);
  EXPECT_EQ(spec.input, seed_input());
  EXPECT_EQ(spec.target, seed_target());
  EXPECT_EQ(spec.lr, 0.5);
  EXPECT_EQ(spec.names, NetNames::kSeed);
}

TEST(NetSpec, DefaultsAndListsOfSamples) {
  const NetSpec spec = parse_netspec(R"({"layers": [{"in": 2, "out": 1, "activation": "tanh",
      "weights": [[1, -2]]}], "input": [[0, 1], [1, 0], [1, 1]], "target": [[1], [0], [0.5]]})",
                                     "x.json");
  EXPECT_EQ(spec.net.loss(), Loss::kHalfSse);
  EXPECT_EQ(spec.lr, 0.5);
  EXPECT_EQ(spec.names, NetNames::kSystematic);
  EXPECT_TRUE(dense_at(spec.net, 0).bias().trainable);
  EXPECT_EQ(dense_at(spec.net, 0).bias().value(0, 0), 0.0);  // no "bias": zeros
  EXPECT_EQ(spec.input.rows(), 3u);
  EXPECT_EQ(spec.target(2, 0), 0.5);
}

TEST(NetSpec, AlphaReachesTheLayer) {
  const NetSpec spec = parse_netspec(seed_with("\"sigmoid\",", "\"leaky-relu\", \"alpha\": 0.2,"), "x");
  EXPECT_EQ(dense_at(spec.net, 0).activation(), Activation::kLeakyRelu);
  EXPECT_EQ(dense_at(spec.net, 0).alpha(), 0.2);
}

TEST(NetSpec, MalformedJsonGivesTheByteOffset) {
  expect_config_error(R"({"layers": [})", {"malformed JSON at byte 13"});
  expect_config_error("", {"malformed JSON at byte"});
  expect_config_error(seed_with("0.35", "1e999"), {"malformed JSON", "1e999"});
}

TEST(NetSpec, UnknownKeys) {
  expect_config_error(seed_with("\"loss\"", "\"lsos\""), {"lsos", "unknown key", "known keys"});
  expect_config_error(seed_with("\"train_bias\"", "\"train_biases\""), {"layers[0].train_biases"});
  expect_config_error(seed_with("\"activation\": \"sigmoid\",\n     \"weights\": [[0.40",
                                "\"activation\": \"sigmoid\", \"dropout\": 0.5,\n     \"weights\": [[0.40"),
                      {"layers[1].dropout", "unknown key"});
}

TEST(NetSpec, WrongTypes) {
  expect_config_error("[1, 2]", {"(top level)", "a JSON object", "an array of 2"});
  expect_config_error(seed_with("\"in\": 2", "\"in\": \"2\""), {"layers[0].in", "a positive integer", "the string \"2\""});
  expect_config_error(seed_with("\"in\": 2", "\"in\": 2.5"), {"layers[0].in", "a positive integer", "2.5"});
  expect_config_error(seed_with("\"in\": 2", "\"in\": -2"), {"layers[0].in", "found -2"});
  expect_config_error(seed_with("0.20", "null"), {"layers[0].weights[0][1]", "a number", "found null"});
  expect_config_error(seed_with("false", "\"no\""), {"layers[0].train_bias", "true or false"});
  expect_config_error(seed_with("\"sigmoid\"", "3"), {"layers[0].activation", "a string", "found 3"});
  expect_config_error(R"({"layers": 5, "input": [1], "target": [1]})", {"layers", "found 5"});
  expect_config_error(seed_with("\"seed\"", "\"pretty\""), {"names", "\"seed\" or \"systematic\""});
}

TEST(NetSpec, MissingRequiredKeys) {
  expect_config_error(seed_with("\"input\": [0.05, 0.10],", ""), {"input", "required"});
  expect_config_error(seed_with("\"weights\": [[0.15, 0.20], [0.25, 0.30]],", ""), {"layers[0].weights", "required"});
  expect_config_error(R"({"layers": [], "input": [1], "target": [1]})", {"layers", "a non-empty array"});
}

TEST(NetSpec, SizesThatDoNotChainNameBothSizes) {
  expect_config_error(seed_with("{\"in\": 2, \"out\": 2, \"activation\": \"sigmoid\",\n     \"weights\": [[0.40",
                                "{\"in\": 3, \"out\": 2, \"activation\": \"sigmoid\",\n     \"weights\": [[0.40"),
                      {"layers[1].in", "expected 2 (layers[0].out", "found 3"});
}

TEST(NetSpec, ZeroWidthLayer) {
  expect_config_error(seed_with("\"out\": 2", "\"out\": 0"), {"layers[0].out", "a positive integer", "found 0"});
}

TEST(NetSpec, WeightAndBiasShapes) {
  expect_config_error(seed_with("[0.40, 0.45]", "[0.40, 0.45, 0.1]"),
                      {"layers[1].weights[0]", "an array of 2 numbers", "found an array of 3"});
  expect_config_error(seed_with("[[0.15, 0.20], [0.25, 0.30]]", "[[0.15, 0.20]]"),
                      {"layers[0].weights", "2 rows", "found an array of 1"});
  expect_config_error(seed_with("[0.60, 0.60]", "[0.60]"), {"layers[1].bias", "an array of 2 numbers"});
}

TEST(NetSpec, UnknownActivationAndLoss) {
  expect_config_error(seed_with("\"sigmoid\"", "\"sigmiod\""), {"layers[0].activation", "sigmiod", "sigmoid, tanh"});
  expect_config_error(seed_with("\"half-sse\"", "\"hinge\""), {"loss", "hinge", "half-sse"});
}

TEST(NetSpec, LearningRateMustBePositiveAndFinite) {
  expect_config_error(seed_with("\"learning_rate\": 0.5", "\"learning_rate\": 0"), {"learning_rate", "> 0", "found 0"});
  expect_config_error(seed_with("\"learning_rate\": 0.5", "\"learning_rate\": -0.1"), {"learning_rate", "found -0.1"});
  expect_config_error(seed_with("\"learning_rate\": 0.5", "\"learning_rate\": \"fast\""), {"learning_rate", "a number"});
  expect_config_error(seed_with("\"learning_rate\": 0.5", "\"learning_rate\": 1e400"), {"malformed JSON"});
}

TEST(NetSpec, InputAndTargetWidths) {
  expect_config_error(seed_with("[0.05, 0.10]", "[0.05]"), {"input", "2 numbers", "found an array of 1"});
  expect_config_error(seed_with("[0.01, 0.99]", "[0.01, 0.99, 0.5]"), {"target", "2 numbers", "found an array of 3"});
  expect_config_error(seed_with("[0.05, 0.10]", "[[0.05, 0.10], [0.05]]"), {"input[1]", "2 numbers"});
  expect_config_error(seed_with("[0.05, 0.10]", "[[0.05, 0.10], [0.1, 0.2]]"), {"target", "2 sample(s)", "found 1"});
  expect_config_error(seed_with("[0.05, 0.10]", "[]"), {"input", "non-empty"});
}

TEST(NetSpec, SeedNamesNeedA222Network) {
  expect_config_error(seed_with("\"in\": 2, \"out\": 2, \"activation\": \"sigmoid\",\n     \"weights\": [[0.15, 0.20], [0.25, 0.30]]",
                                "\"in\": 2, \"out\": 1, \"activation\": \"sigmoid\",\n     \"weights\": [[0.15, 0.20]]"),
                      {"layers[1].in"});  // the chain breaks first ...
  const std::string three = R"({"names": "seed", "layers": [
      {"in": 2, "out": 3, "activation": "sigmoid", "weights": [[1, 1], [1, 1], [1, 1]]},
      {"in": 3, "out": 2, "activation": "sigmoid", "weights": [[1, 1, 1], [1, 1, 1]]}],
      "input": [0, 0], "target": [0, 0]})";
  expect_config_error(three, {"names", "2-2-2", "a 2-3-2 network"});  // ... and then the shape
}

// Every prefix of a valid description, and every one-byte corruption of it, is either valid or a
// ConfigError: nothing else escapes and nothing crashes.
TEST(NetSpec, TruncatedOrCorruptedInputNeverCrashes) {
  const std::string text = kSeedJson;
  const char replacements[] = {'"', '[', ']', '{', '}', ',', ':', '-', 'e', '0', ' ', '\x01', '\xff'};
  std::size_t errors = 0;
  const auto attempt = [&](const std::string& s) {
    try {
      parse_netspec(s, "fuzz.json");
    } catch (const ConfigError&) {
      ++errors;
    }
  };
  for (std::size_t n = 0; n < text.size(); ++n) attempt(text.substr(0, n));
  for (std::size_t k = 0; k < text.size(); ++k)
    for (char c : replacements) {
      std::string s = text;
      s[k] = c;
      attempt(s);
    }
  EXPECT_GT(errors, text.size());
}

TEST(NetSpec, LoadReportsMissingFilesAndNamesTheFile) {
  EXPECT_THROW(load_netspec("/nonexistent/net.json"), NoInputError);
  EXPECT_THROW(load_netspec(std::filesystem::temp_directory_path().string()), NoInputError);
  const auto path = std::filesystem::temp_directory_path() / "bp_test_netspec_bad.json";
  {
    std::ofstream(path) << R"({"layers": 1})";
  }
  try {
    load_netspec(path.string());
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path.string() + ": ", 0), 0u) << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace bp
