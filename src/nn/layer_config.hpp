// Reading a layer's JSON config (Layer::config, make_layer): typed fields with defaults, and
// one-line errors naming the field, what was expected and what was found.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "backprop/core/error.hpp"

namespace bp::layer_config {

using Json = nlohmann::ordered_json;

/// Throws UsageError when config is not an object or has a key outside `known`.
inline void check_keys(const Json& config, std::initializer_list<std::string_view> known) {
  if (!config.is_object() && !config.is_null())
    throw UsageError("config is " + config.dump() + "; expected a JSON object");
  if (config.is_null()) return;
  for (const auto& [key, value] : config.items()) {
    bool ok = false;
    std::string list;
    for (std::string_view k : known) {
      ok = ok || key == k;
      list += (list.empty() ? "" : ", ") + std::string(k);
    }
    if (!ok)
      throw UsageError("unknown field '" + key + "'; expected " +
                       (list.empty() ? std::string("no fields") : "one of: " + list));
  }
}

/// "field 'key' is <value>; expected <what>".
[[noreturn]] inline void fail(const char* key, const Json& v, const char* what) {
  throw UsageError("field '" + std::string(key) + "' is " + v.dump() + "; expected " + what);
}

inline const Json* field(const Json& config, const char* key) {
  if (!config.is_object()) return nullptr;
  const auto it = config.find(key);
  return it == config.end() ? nullptr : &*it;
}

/// A required count >= 1.
inline std::size_t get_size(const Json& config, const char* key) {
  const Json* v = field(config, key);
  if (!v) throw UsageError("field '" + std::string(key) + "' is missing; expected an integer >= 1");
  if (!v->is_number_unsigned() || v->get<std::size_t>() == 0)
    fail(key, *v, "an integer >= 1");
  return v->get<std::size_t>();
}

inline double get_number(const Json& config, const char* key, double fallback) {
  const Json* v = field(config, key);
  if (!v) return fallback;
  if (!v->is_number()) fail(key, *v, "a number");
  return v->get<double>();
}

inline std::string get_string(const Json& config, const char* key, const char* fallback) {
  const Json* v = field(config, key);
  if (!v) return fallback;
  if (!v->is_string()) fail(key, *v, "a string");
  return v->get<std::string>();
}

inline bool get_bool(const Json& config, const char* key, bool fallback) {
  const Json* v = field(config, key);
  if (!v) return fallback;
  if (!v->is_boolean()) fail(key, *v, "true or false");
  return v->get<bool>();
}

}  // namespace bp::layer_config
