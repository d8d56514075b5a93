// Config resolution: defaults, then a JSON file, then flags; every value checked by its key.
#include "train_config.hpp"

#include "backprop/io/atomic_file.hpp"
#include "backprop/core/error.hpp"
#include "config/suggest.hpp"

namespace bp::cli {

using Json = nlohmann::ordered_json;

namespace {

std::string type_name(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

std::string refusal_text(const Refusal& r, const std::string& got) {
  return "expected " + r.expected + ", got " + got + (r.hint.empty() ? "" : "; " + r.hint);
}

std::vector<std::string> names_of(const Schema& schema) {
  std::vector<std::string> v;
  for (const Key& k : schema) v.push_back(k.name);
  return v;
}

// The default as --help shows it.
std::string shown_default(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_array()) return value.is_null() ? "" : value.dump();
  std::string s;
  for (const auto& e : value) s += (s.empty() ? "" : ",") + e.dump();
  return s;
}

// The placeholder --help shows after a flag.
const char* placeholder(Type t) {
  switch (t) {
    case Type::kBool: return "[BOOL]";
    case Type::kInt: return "INT";
    case Type::kNumber: return "NUMBER";
    case Type::kChoice: return "NAME";
    case Type::kInput:
    case Type::kOutput: return "FILE";
    case Type::kSizes: return "SIZES";
    case Type::kBatch: return "N|full";
    case Type::kEvery: return "N|Nsteps";
    case Type::kColumn: return "NAME|INDEX";
    case Type::kChar: return "CHAR";
    case Type::kNetwork: return "FILE.json";
  }
  return "TEXT";
}

// The network spec held in the JSON file `path`: an array of layer objects.
Json read_network_file(const std::string& path) {
  const std::string text = read_file(path);
  Json spec;
  try {
    spec = Json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    const std::string what = e.what();
    const auto p = what.find("] ");
    const auto* pe = dynamic_cast<const nlohmann::json::parse_error*>(&e);
    throw ConfigError(path + (pe ? ": byte " + std::to_string(pe->byte) : std::string()) + ": not valid JSON (" +
                      (p == std::string::npos ? what : what.substr(p + 2)) + ")");
  }
  if (spec.is_object() && spec.contains("network"))
    throw ConfigError(path + ": expected a JSON array of layer objects, found a config object (give it with -c)");
  if (!spec.is_array())
    throw ConfigError(path + ": expected a JSON array of layer objects, found " + type_name(spec));
  return spec;
}

}  // namespace

ConfigFlags::ConfigFlags(CLI::App* cmd, const Schema& schema) : schema_(schema) {
  for (const Key& key : schema_) {
    std::string desc = key.help;
    const std::string shown = shown_default(key.value);
    if (!shown.empty()) desc += " [default: " + shown + "]";
    auto* opt = cmd->add_option_function<std::string>(
        key.flag(), [this, k = key.name](const std::string& text) { given_[k] = text; }, desc);
    opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)->type_name(placeholder(key.type));  // a later flag wins
    if (key.type == Type::kBool) opt->expected(0, 1)->default_str("");
  }
}

void merge_config_text(const std::string& text, const std::string& name, const Schema& schema, Json& cfg,
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
  for (auto& [key, value] : file.items()) {
    const Key* k = find_key(schema, key);
    if (!k) {
      const std::string near = nearest(key, names_of(schema));
      throw ConfigError(name + ": unknown key '" + key + "'" +
                        (near.empty() ? "" : "; did you mean '" + near + "'?") + " (see --print-config)");
    }
    const std::string got = value.dump();
    if (const auto r = check_value(*k, value))
      throw ConfigError(name + ": key '" + key + "': " + refusal_text(*r, got));
  }
  for (auto& [key, value] : file.items()) {  // every key checked: now apply them all
    cfg[key] = std::move(value);
    file_keys.insert(key);
  }
}

Json ConfigFlags::resolve(const std::string& config_path) const {
  Json cfg = defaults_of(schema_);
  file_keys_.clear();
  config_path_ = config_path;
  if (!config_path.empty()) merge_config_text(read_file(config_path), config_path, schema_, cfg, file_keys_);
  for (const auto& [key, text] : given_) {
    const Key& k = *find_key(schema_, key);
    if (const auto r = parse_flag_text(k, text, cfg[key])) throw UsageError(k.flag() + ": " + refusal_text(*r, "'" + text + "'"));
    file_keys_.erase(key);
  }
  network_files_.clear();
  for (const Key& k : schema_) {  // a network spec given as a file: read it (the config then holds it)
    if (k.type != Type::kNetwork || !cfg[k.name].is_string()) continue;
    const std::string path = cfg[k.name].get<std::string>();
    cfg[k.name] = read_network_file(path);
    network_files_[k.name] = path;
  }
  return cfg;
}

void ConfigFlags::fail(const std::string& key, const std::string& what) const {
  if (const auto it = network_files_.find(key); it != network_files_.end()) throw ConfigError(it->second + ": " + what);
  if (from_file(key)) throw ConfigError(config_path_ + ": key '" + key + "': " + what);
  const Key* k = find_key(schema_, key);
  throw UsageError((k ? k->flag() : "--" + key) + ": " + what);
}

}  // namespace bp::cli
