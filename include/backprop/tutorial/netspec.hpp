// Network description files: a JSON object holding a network's layers, explicit weights and biases,
// its loss, a learning rate and the samples to run it on. Format: docs/network-json.md.
#pragma once

#include <string>

#include "backprop/core/matrix.hpp"
#include "backprop/nn/network.hpp"

namespace bp {

/// How `backprop explain` names the quantities of a network.
enum class NetNames {
  kSystematic,  ///< x1..xI, z{l}_{j}, a{l}_{j}, w{l}_{j}_{i}, b{l}_{j}, t{j}
  kSeed,        ///< the seed's x1, x2, w1..w8, b1, b2, H1, H1_final, y1, y1_final, T1, T2 (2-2-2 only)
};

/// A parsed network description.
struct NetSpec {
  Network<double> net;
  Matrix<double> input;    ///< (N, I): one sample per row
  Matrix<double> target;   ///< (N, O): one target per row
  double lr = 0.5;         ///< "learning_rate"; finite and > 0
  NetNames names = NetNames::kSystematic;
};

/// Parses the JSON text of a description; `name` (usually the file name) starts every message.
/// Throws ConfigError on anything invalid, as one line: the name, the JSON path of the bad value
/// (e.g. "layers[1].weights[0]"), what was expected and what was found. Malformed JSON is reported
/// with the byte offset nlohmann::json gives.
NetSpec parse_netspec(const std::string& text, const std::string& name);

/// Reads and parses a description file. Throws NoInputError when the file cannot be read, and
/// ConfigError as parse_netspec does.
NetSpec load_netspec(const std::string& path);

}  // namespace bp
