// One value against its key of the schema: from a config file (JSON) or a flag (text).
#include <charconv>
#include <cmath>
#include <sstream>

#include "config/schema.hpp"
#include "config/suggest.hpp"

namespace bp::cli {

namespace {

bool in_range(double v, Range r) {
  if (!std::isfinite(v)) return false;
  switch (r) {
    case Range::kAny: return true;
    case Range::kPositive: return v > 0;
    case Range::kNonNegative: return v >= 0;
    case Range::kFraction: return v >= 0 && v < 1;
    case Range::kOpenUnit: return v > 0 && v < 1;
    case Range::kUnit: return v >= 0 && v <= 1;
  }
  return false;
}

bool is_integer(const Json& v) { return v.is_number_integer() || v.is_number_unsigned(); }

bool int_in_range(const Key& k, const Json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    return u <= k.max && (k.min <= 0 || u >= static_cast<std::uint64_t>(k.min));
  }
  const auto i = v.get<std::int64_t>();
  return i >= k.min && (i < 0 || static_cast<std::uint64_t>(i) <= k.max);
}

bool is_choice(const Key& k, const std::string& s) {
  for (const auto& v : k.values)
    if (v == s || (v == "FILE.html" && s.size() > 5 && s.ends_with(".html"))) return true;
  for (const auto& v : k.aliases)
    if (v == s) return true;
  return false;
}

// Whole text as an unsigned count ("12"; not "+12", "-1", "1.5", "").
std::optional<std::uint64_t> parse_count(std::string_view s) {
  std::uint64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// Whole text as a signed integer.
std::optional<std::int64_t> parse_integer(std::string_view s) {
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

bool sizes_ok(const Key& k, const Json& v) {
  if (v.is_string()) return is_choice(k, v.get<std::string>());
  if (!v.is_array() || static_cast<std::int64_t>(v.size()) < k.min || v.size() > k.max) return false;
  double weights = 0, prev = 0;
  for (const auto& e : v) {
    if (!is_integer(e) || (e.is_number_integer() && !e.is_number_unsigned() && e.get<std::int64_t>() <= 0))
      return false;
    const auto n = e.get<std::uint64_t>();
    if (n == 0 || n > kMaxLayerSize) return false;
    weights += prev * static_cast<double>(n);
    prev = static_cast<double>(n);
  }
  return weights <= kMaxWeights;
}

bool char_ok(const std::string& s) { return s.size() == 1 || s == "tab" || s == "\\t"; }

// Whether v is valid for k (null: only where the default is null).
bool valid(const Key& k, const Json& v) {
  if (v.is_null()) return k.value.is_null();
  switch (k.type) {
    case Type::kBool: return v.is_boolean();
    case Type::kInt:
      if (v.is_string()) return is_choice(k, v.get<std::string>());  // a word allowed instead (epochs: auto)
      return is_integer(v) && int_in_range(k, v);
    case Type::kNumber: return v.is_number() && in_range(v.get<double>(), k.range);
    case Type::kChoice: return v.is_string() && is_choice(k, v.get<std::string>());
    case Type::kInput:
    case Type::kOutput: return v.is_string() && static_cast<std::int64_t>(v.get<std::string>().size()) >= k.min;
    case Type::kSizes: return sizes_ok(k, v);
    case Type::kBatch:
      if (v.is_string()) return v == "full" || parse_count(v.get<std::string>()).value_or(0) > 0;
      return is_integer(v) && (v.is_number_unsigned() ? v.get<std::uint64_t>() > 0 : v.get<std::int64_t>() > 0);
    case Type::kEvery: return parse_every(v).has_value();
    case Type::kColumn: return v.is_string() || is_integer(v);
    case Type::kChar: return v.is_string() && char_ok(v.get<std::string>());
    case Type::kNetwork: return v.is_array() || (v.is_string() && !v.get<std::string>().empty());
  }
  return false;
}

// The hint for a refused value: the nearest allowed word, or how to write a quoted number.
std::string hint_for(const Key& k, const Json& v) {
  if (!v.is_string()) return "";
  const std::string s = v.get<std::string>();
  if (k.type == Type::kChoice || ((k.type == Type::kSizes || k.type == Type::kInt) && !k.values.empty())) {
    const std::string near = nearest(s, k.values);
    if (!near.empty()) return "did you mean '" + near + "'?";
  }
  if (k.type == Type::kInt || k.type == Type::kNumber) {  // "0.1": a number in quotes
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    const Json unquoted = k.type == Type::kInt && d == std::floor(d) && std::abs(d) < 9e15
                              ? Json(static_cast<std::int64_t>(d)) : Json(d);
    if (!s.empty() && end == s.c_str() + s.size() && valid(k, unquoted))
      return "write it without quotes: " + unquoted.dump();
  }
  return "";
}

}  // namespace

std::string int_expected(std::int64_t min, std::uint64_t max) {
  if (max == kNoMax && min == 1) return "a positive integer";
  if (max == kNoMax) return "an integer >= " + std::to_string(min);
  return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

std::string Key::expected() const {
  switch (type) {
    case Type::kBool: return "true or false";
    case Type::kInt:
      return int_expected(min, max) + (values.empty() ? "" : " or " + values.front());
    case Type::kNumber:
      switch (range) {
        case Range::kAny: return "a finite number";
        case Range::kPositive: return "a positive number";
        case Range::kNonNegative: return "a number >= 0";
        case Range::kFraction: return "a number in [0, 1)";
        case Range::kOpenUnit: return "a number in (0, 1)";
        case Range::kUnit: return "a number in [0, 1]";
      }
      return "a number";
    case Type::kChoice: {
      std::string s = "one of {";
      for (std::size_t i = 0; i < values.size(); ++i)
        s += (i ? ", " : "") + (values[i].empty() ? std::string("\"\" (off)") : values[i]);
      return s + "}";
    }
    case Type::kInput: return "a file path (or \"\" for none)";
    case Type::kOutput: return min > 0 ? "a file path" : "a file path (or \"\" for none)";
    case Type::kSizes:
      if (max <= 3)
        return "1 to " + std::to_string(max) + " positive sizes C,H,W (e.g. 1,28,28)" +
               (values.empty() ? "" : ", or " + values.front());
      return "at least " + std::to_string(min) + " positive layer sizes (each at most 1000000), e.g. 784,256,10" +
             (values.empty() ? "" : ", or " + values.front());
    case Type::kBatch: return "a positive integer or 'full'";
    case Type::kEvery: return "a positive count of epochs (e.g. 2) or steps (e.g. 500steps)";
    case Type::kColumn: return "a header name or a column index";
    case Type::kChar: return "one character or 'tab'";
    case Type::kNetwork:
      return "a JSON array of layer objects, e.g. [{\"type\": \"dense\", \"units\": 10}], or the path of a "
             "JSON file holding one";
  }
  return "a value";
}

std::optional<Refusal> check_value(const Key& key, Json& value) {
  if (!valid(key, value)) return Refusal{key.expected(), hint_for(key, value)};
  if (key.type == Type::kColumn && is_integer(value)) value = value.dump();  // the loader reads text
  return std::nullopt;
}

std::optional<Refusal> parse_flag_text(const Key& key, const std::string& text, Json& out) {
  Json v = text;
  switch (key.type) {
    case Type::kBool:
      if (text.empty() || text == "true" || text == "1") v = true;
      else if (text == "false" || text == "0") v = false;
      break;
    case Type::kInt:
      if (const auto u = parse_count(text)) v = *u;
      else if (const auto i = parse_integer(text)) v = *i;
      break;
    case Type::kNumber: {
      char* end = nullptr;
      const double d = std::strtod(text.c_str(), &end);
      if (!text.empty() && end == text.c_str() + text.size()) v = d;
      break;
    }
    case Type::kSizes:
      if (!is_choice(key, text)) {
        Json a = Json::array();
        std::stringstream ss(text);
        std::string item;
        while (std::getline(ss, item, ','))
          if (const auto u = parse_count(item)) a.push_back(*u);
          else return Refusal{key.expected(), ""};
        v = a;
      }
      break;
    default: break;
  }
  if (auto r = check_value(key, v)) {
    if (v.is_string() && key.type != Type::kChoice && key.type != Type::kSizes && key.values.empty()) r->hint.clear();
    return r;
  }
  out = std::move(v);
  return std::nullopt;
}

std::size_t batch_of(const Json& v) {
  if (v.is_string()) return v == "full" ? 0 : static_cast<std::size_t>(*parse_count(v.get<std::string>()));
  return v.get<std::size_t>();
}

std::optional<Every> parse_every(const Json& v) {
  if (is_integer(v)) {
    if (v.is_number_unsigned() ? v.get<std::uint64_t>() == 0 : v.get<std::int64_t>() <= 0) return std::nullopt;
    return Every{v.get<std::size_t>(), false};
  }
  if (!v.is_string()) return std::nullopt;
  const std::string s = v.get<std::string>();
  std::uint64_t n = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
  if (r.ec != std::errc() || r.ptr == s.data() || n == 0) return std::nullopt;
  const std::string_view unit(r.ptr, static_cast<std::size_t>(s.data() + s.size() - r.ptr));
  if (unit.empty() || unit == "epochs" || unit == "epoch") return Every{static_cast<std::size_t>(n), false};
  if (unit == "steps" || unit == "step") return Every{static_cast<std::size_t>(n), true};
  return std::nullopt;
}

}  // namespace bp::cli
