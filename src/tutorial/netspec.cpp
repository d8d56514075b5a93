// Network description files: JSON -> NetSpec, with one-line errors naming the JSON path.
#include "backprop/tutorial/netspec.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "backprop/core/error.hpp"
#include "nn/dense_at.hpp"

namespace bp {

namespace {

using nlohmann::json;

// What a JSON value is, for "found ..." in messages; long values are cut to 40 characters.
std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object with " + std::to_string(v.size()) + " key(s)";
    case json::value_t::array: return "an array of " + std::to_string(v.size());
    case json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case json::value_t::string: break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return v.dump();
    default: return "an unsupported value";
  }
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...\"";
  return "the string " + s;
}

// Parsing context: the file name that starts every message.
struct Reader {
  const std::string& name;

  [[noreturn]] void fail(const std::string& path, const std::string& expected,
                         const std::string& found) const {
    throw ConfigError(name + ": " + path + ": expected " + expected + ", found " + found);
  }

  void check_keys(const json& obj, const std::string& path,
                  std::initializer_list<std::string_view> known) const {
    for (const auto& [key, value] : obj.items()) {
      bool ok = false;
      for (auto k : known) ok = ok || key == k;
      if (ok) continue;
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      fail(path.empty() ? key : path + "." + key, "no such key (known keys: " + list + ")",
           "the unknown key \"" + key + "\"");
    }
  }

  double number(const json& v, const std::string& path) const {
    if (!v.is_number()) fail(path, "a number", describe(v));
    const double d = v.get<double>();
    if (!std::isfinite(d)) fail(path, "a finite number", v.dump());
    return d;
  }

  std::size_t positive_int(const json& v, const std::string& path) const {
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() == 0)
      fail(path, "a positive integer", describe(v));
    return static_cast<std::size_t>(v.get<std::uint64_t>());
  }

  bool boolean(const json& v, const std::string& path) const {
    if (!v.is_boolean()) fail(path, "true or false", describe(v));
    return v.get<bool>();
  }

  std::string string(const json& v, const std::string& path) const {
    if (!v.is_string()) fail(path, "a string", describe(v));
    return v.get<std::string>();
  }

  // An array of exactly `count` finite numbers.
  std::vector<double> numbers(const json& v, const std::string& path, std::size_t count,
                              const std::string& what) const {
    if (!v.is_array() || v.size() != count)
      fail(path, "an array of " + std::to_string(count) + " numbers (" + what + ")", describe(v));
    std::vector<double> out;
    out.reserve(count);
    for (std::size_t k = 0; k < count; ++k) out.push_back(number(v[k], path + "[" + std::to_string(k) + "]"));
    return out;
  }

  // One sample [v, ...] or a list of samples [[v, ...], ...], each of `width` numbers.
  Matrix<double> samples(const json& v, const std::string& path, std::size_t width,
                         const std::string& what) const {
    if (!v.is_array() || v.empty())
      fail(path, "one sample of " + std::to_string(width) + " numbers (" + what +
                     ") or a non-empty array of such samples", describe(v));
    if (!v[0].is_array()) return Matrix<double>(1, width, numbers(v, path, width, what));
    std::vector<double> all;
    for (std::size_t n = 0; n < v.size(); ++n) {
      const auto row = numbers(v[n], path + "[" + std::to_string(n) + "]", width, what);
      all.insert(all.end(), row.begin(), row.end());
    }
    return Matrix<double>(v.size(), width, std::move(all));
  }

  void layer(const json& v, std::size_t l, Network<double>& net) const {
    const std::string path = "layers[" + std::to_string(l) + "]";
    if (!v.is_object()) fail(path, "an object describing a layer", describe(v));
    if (v.contains("type") && v["type"] != "dense")
      fail(path + ".type", "\"dense\" (explain narrates dense layers only)", describe(v["type"]));
    check_keys(v, path, {"type", "in", "out", "activation", "alpha", "weights", "bias", "train_weights",
                         "train_bias"});
    for (const char* key : {"in", "out", "activation", "weights"})
      if (!v.contains(key)) fail(path + "." + key, "a value (the key is required)", "nothing");
    DenseOptions opts;
    opts.in = positive_int(v["in"], path + ".in");
    opts.out = positive_int(v["out"], path + ".out");
    if (l > 0 && opts.in != net.out())
      fail(path + ".in", std::to_string(net.out()) + " (layers[" + std::to_string(l - 1) +
                             "].out: the sizes must chain)", std::to_string(opts.in));
    try {
      opts.activation = parse_activation(string(v["activation"], path + ".activation"));
    } catch (const UsageError& e) {
      throw ConfigError(name + ": " + path + ".activation: " + e.what());
    }
    if (v.contains("alpha")) {
      opts.alpha = number(v["alpha"], path + ".alpha");
      if (opts.alpha < 0) fail(path + ".alpha", "a number >= 0", v["alpha"].dump());
    }
    if (v.contains("train_weights")) opts.train_weights = boolean(v["train_weights"], path + ".train_weights");
    if (v.contains("train_bias")) opts.train_bias = boolean(v["train_bias"], path + ".train_bias");
    // The weights' shape is checked before the layer is allocated: "in" and "out" are only
    // believed once the file really holds out x in numbers.
    const json& w = v["weights"];
    const std::string rows_what = std::to_string(opts.out) + " rows (one per neuron) of " +
                                  std::to_string(opts.in) + " numbers";
    if (!w.is_array() || w.size() != opts.out) fail(path + ".weights", "an array of " + rows_what, describe(w));
    for (std::size_t o = 0; o < opts.out; ++o)
      if (!w[o].is_array() || w[o].size() != opts.in)
        fail(path + ".weights[" + std::to_string(o) + "]",
             "an array of " + std::to_string(opts.in) + " numbers (the weights into neuron " +
                 std::to_string(o + 1) + ", one per input)",
             describe(w[o]));
    net.add(opts);
    Dense<double>& d = dense_at(net, l);
    for (std::size_t o = 0; o < opts.out; ++o) {
      const auto row = numbers(w[o], path + ".weights[" + std::to_string(o) + "]", opts.in,
                               "the weights into neuron " + std::to_string(o + 1) + ", one per input");
      for (std::size_t i = 0; i < opts.in; ++i) d.weights().value(o, i) = row[i];
    }
    if (v.contains("bias")) {
      const json& b = v["bias"];
      if (b.is_number()) {
        d.bias().value.fill(number(b, path + ".bias"));
      } else {
        const auto row = numbers(b, path + ".bias", opts.out, "one per neuron, or a single number for all");
        for (std::size_t o = 0; o < opts.out; ++o) d.bias().value(0, o) = row[o];
      }
    }
  }
};

}  // namespace

NetSpec parse_netspec(const std::string& text, const std::string& name) {
  const Reader r{name};
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    if (const auto p = what.find("] "); what.rfind("[json.exception", 0) == 0 && p != std::string::npos)
      what = what.substr(p + 2);
    if (text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1f &&
        static_cast<unsigned char>(text[1]) == 0x8b)
      what = "expected JSON text, found a gzip stream (decompress it first)";
    throw ConfigError(name + ": malformed JSON at byte " + std::to_string(e.byte) + ": " + what);
  } catch (const json::exception& e) {  // e.g. out_of_range 406: a number too large for a double
    std::string what = e.what();
    if (const auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    throw ConfigError(name + ": malformed JSON: " + what);
  }
  if (doc.is_array() && !doc.empty() && doc[0].is_object() && doc[0].contains("type"))
    r.fail("(top level)", "a network description object with \"layers\" and their weights (explain narrates "
           "dense networks of given weights, docs/network-json.md)", "a network spec array");
  if (!doc.is_object()) r.fail("(top level)", "a JSON object", describe(doc));
  if (doc.contains("network") && !doc.contains("layers"))
    r.fail("network", "\"layers\" with their weights (explain narrates dense networks of given weights, "
           "docs/network-json.md; a train config's network spec has none)", "a network spec");
  r.check_keys(doc, "", {"description", "layers", "loss", "learning_rate", "input", "target", "names"});
  for (const char* key : {"layers", "input", "target"})
    if (!doc.contains(key)) r.fail(key, "a value (the key is required)", "nothing");
  if (doc.contains("description")) r.string(doc["description"], "description");

  NetSpec spec;
  const json& layers = doc["layers"];
  if (!layers.is_array() || layers.empty()) r.fail("layers", "a non-empty array of layers", describe(layers));
  for (std::size_t l = 0; l < layers.size(); ++l) r.layer(layers[l], l, spec.net);

  if (doc.contains("loss")) {
    try {
      spec.net.set_loss(parse_loss(r.string(doc["loss"], "loss")));
    } catch (const UsageError& e) {
      throw ConfigError(name + ": loss: " + e.what());
    }
  }
  if (doc.contains("learning_rate")) {
    const json& v = doc["learning_rate"];
    spec.lr = r.number(v, "learning_rate");
    if (!(spec.lr > 0)) r.fail("learning_rate", "a finite number > 0", v.dump());
  }
  spec.input = r.samples(doc["input"], "input", spec.net.in(), "the network's inputs");
  spec.target = r.samples(doc["target"], "target", spec.net.out(), "the network's outputs");
  if (spec.target.rows() != spec.input.rows())
    r.fail("target", std::to_string(spec.input.rows()) + " sample(s), as many as \"input\" has",
           std::to_string(spec.target.rows()));
  if (doc.contains("names")) {
    const std::string n = r.string(doc["names"], "names");
    if (n == "seed") {
      spec.names = NetNames::kSeed;
      const bool is_222 = spec.net.depth() == 2 && spec.net.in() == 2 && dense_at(spec.net, 0).out() == 2 &&
                          spec.net.out() == 2;
      if (!is_222) {
        std::string shape = std::to_string(spec.net.in());
        for (std::size_t l = 0; l < spec.net.depth(); ++l) shape += "-" + std::to_string(spec.net.layer(l).out());
        r.fail("names", "a 2-2-2 network for \"seed\" names", "a " + shape + " network");
      }
    } else if (n == "systematic") {
      spec.names = NetNames::kSystematic;
    } else {
      r.fail("names", "\"seed\" or \"systematic\"", describe(doc["names"]));
    }
  }
  return spec;
}

NetSpec load_netspec(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw NoInputError(path + ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NoInputError(path + ": cannot open the network description for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw NoInputError(path + ": read error");
  return parse_netspec(ss.str(), path);
}

}  // namespace bp
