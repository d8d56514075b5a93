// Config resolution: defaults, then a JSON file, then flags; every value type-checked by key.
#include "train_config.hpp"

#include <fstream>
#include <sstream>

#include "backprop/atomic_file.hpp"
#include "backprop/error.hpp"

namespace bp::cli {

using Json = nlohmann::ordered_json;

namespace {

std::string flag_of(const std::string& key) {
  std::string f = "--" + key;
  for (auto& c : f)
    if (c == '_') c = '-';
  return f;
}

std::string type_name(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

// Keys whose value is "auto" or a list of layer sizes (at least `min` of them).
bool is_sizes_key(const std::string& key) { return key == "layers" || key == "hidden"; }
std::size_t min_sizes(const std::string& key) { return key == "layers" ? 2 : 1; }

// Keys whose value is "auto" or a whole number.
bool is_count_key(const std::string& key) { return key == "epochs"; }

bool is_size_list(const Json& v) {
  if (!v.is_array()) return false;
  for (const auto& e : v)
    if (!e.is_number_unsigned() && !e.is_number_integer()) return false;
  return true;
}

// Whether `v` may replace the default `d` (same JSON kind; integers accepted for numbers; null
// and numbers interchangeable for optional numbers whose default is null; arrays of integers).
bool compatible(const Json& d, const Json& v) {
  if (d.is_null()) return v.is_null() || v.is_number() || v.is_string();
  if (d.is_boolean()) return v.is_boolean();
  if (d.is_number_integer() || d.is_number_unsigned()) return v.is_number_integer() || v.is_number_unsigned();
  if (d.is_number()) return v.is_number();
  if (d.is_string()) return v.is_string() || v.is_number();  // "128" or 128 for batch_size
  if (d.is_array()) return is_size_list(v);
  return false;
}

// Parses a flag's text into the JSON kind of its default.
Json parse_flag(const std::string& key, const Json& d, const std::string& text) {
  auto bad = [&](const char* expected) -> Json {
    throw UsageError(flag_of(key) + " '" + text + "': expected " + expected);
  };
  if (d.is_boolean()) {
    if (text == "true" || text == "1" || text.empty()) return true;
    if (text == "false" || text == "0") return false;
    return bad("true or false");
  }
  if (d.is_array()) return parse_sizes(text, flag_of(key));
  if (is_sizes_key(key)) return text == "auto" ? Json("auto") : Json(parse_sizes(text, flag_of(key), min_sizes(key)));
  if (is_count_key(key) && text == "auto") return "auto";
  if (d.is_null()) {  // an optional number: an integer when it reads as one
    std::size_t pos = 0;
    try {
      const unsigned long long u = std::stoull(text, &pos);
      if (pos == text.size() && !text.empty() && text[0] != '-') return u;
    } catch (const std::exception&) {
    }
  }
  if (d.is_number_integer() || d.is_number_unsigned() || is_count_key(key)) {
    std::size_t pos = 0;
    long long v = 0;
    try {
      v = std::stoll(text, &pos);
    } catch (const std::exception&) {
      pos = std::string::npos;
    }
    if (pos != text.size()) return bad("an integer");
    return v;
  }
  if (d.is_number() || d.is_null()) {
    std::size_t pos = 0;
    double v = 0;
    try {
      v = std::stod(text, &pos);
    } catch (const std::exception&) {
      pos = std::string::npos;
    }
    if (pos != text.size()) return bad("a number");
    return v;
  }
  return text;
}

}  // namespace

std::vector<std::size_t> parse_sizes(const std::string& text, const std::string& flag, std::size_t min_count) {
  std::vector<std::size_t> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    std::size_t pos = 0;
    unsigned long long v = 0;
    try {
      v = std::stoull(item, &pos);
    } catch (const std::exception&) {
      pos = std::string::npos;
    }
    if (pos != item.size() || item.empty() || item[0] == '-')
      throw UsageError(flag + ": '" + item + "' is not a layer size; expected positive integers, e.g. 784,256,10");
    if (v == 0) throw UsageError(flag + ": layer size 0; every layer needs at least one unit");
    out.push_back(static_cast<std::size_t>(v));
  }
  if (out.size() < min_count)
    throw UsageError(flag + " '" + text + "': expected " +
                     (min_count == 2 ? "at least two sizes (inputs and outputs), e.g. 784,256,10"
                                     : "at least one size, e.g. 64,32"));
  return out;
}

ConfigFlags::ConfigFlags(CLI::App* cmd, Json defaults, const std::map<std::string, std::string>& help)
    : defaults_(std::move(defaults)) {
  for (const auto& [key, value] : defaults_.items()) {
    std::string shown = value.is_string() ? value.get<std::string>() : value.dump();
    if (value.is_array()) {
      shown.clear();
      for (const auto& e : value) shown += (shown.empty() ? "" : ",") + e.dump();
    }
    const auto h = help.find(key);
    std::string desc = h == help.end() ? key : h->second;
    if (!shown.empty() && shown != "null") desc += " [default: " + shown + "]";
    auto* opt = cmd->add_option_function<std::string>(
        flag_of(key), [this, k = key](const std::string& text) { given_[k] = text; }, desc);
    opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // a later flag wins
    if (value.is_boolean()) opt->expected(0, 1)->default_str("");
    options_[key] = opt;
  }
}

void merge_config_text(const std::string& text, const std::string& name, const Json& defaults, Json& cfg,
                       std::set<std::string>& file_keys) {
  Json file;
  try {
    file = Json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
    const std::string what = e.what();
    const auto p = what.find("] ");
    std::string why = p == std::string::npos ? what : what.substr(p + 2);
    if (text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1f &&
        static_cast<unsigned char>(text[1]) == 0x8b)
      why = "the file is gzip-compressed; decompress it first";
    const auto* pe = dynamic_cast<const nlohmann::json::parse_error*>(&e);
    throw ConfigError(name + (pe ? ": byte " + std::to_string(pe->byte) : std::string()) +
                      ": not valid JSON (" + why + ")");
  }
  if (!file.is_object()) throw ConfigError(name + ": expected a JSON object, found " + type_name(file));
  for (const auto& [key, value] : file.items()) {
    if (!defaults.contains(key)) throw ConfigError(name + ": unknown key '" + key + "' (see --print-config)");
    if (is_count_key(key)) {
      if (!value.is_number_integer() && !value.is_number_unsigned() && value != "auto")
        throw ConfigError(name + ": key '" + key + "' is " + type_name(value) + ", expected an integer or \"auto\"");
    } else if (!compatible(defaults[key], value) && !(is_sizes_key(key) && is_size_list(value))) {
      throw ConfigError(name + ": key '" + key + "' is " + type_name(value) + ", expected " +
                        type_name(defaults[key]));
    }
  }
  for (auto& [key, value] : file.items()) {  // every key checked: now apply them all
    cfg[key] = std::move(value);
    file_keys.insert(key);
  }
}

Json ConfigFlags::resolve(const std::string& config_path) const {
  Json cfg = defaults_;
  file_keys_.clear();
  if (!config_path.empty()) merge_config_text(read_file(config_path), config_path, defaults_, cfg, file_keys_);
  for (const auto& [key, text] : given_) {
    cfg[key] = parse_flag(key, defaults_[key], text);
    file_keys_.erase(key);
  }
  return cfg;
}

}  // namespace bp::cli
