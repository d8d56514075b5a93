// The CLI's declarative schema: for every subcommand, one table of its keys (a config key is also
// a flag: "batch_size" <-> --batch-size) with type, range or allowed values, default and help.
// Every value, from a flag or a config file, is checked here before anything is loaded or trained.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bp::cli {

using Json = nlohmann::ordered_json;

/// Limits no sensible run reaches, so that a typo cannot ask for a huge allocation.
inline constexpr std::uint64_t kNoMax = std::numeric_limits<std::uint64_t>::max();
inline constexpr std::uint64_t kMaxThreads = 1024;
inline constexpr std::uint64_t kMaxLayerSize = 1'000'000;
inline constexpr double kMaxWeights = 1e9;

enum class Type {
  kBool,     ///< true or false (a flag alone means true)
  kInt,      ///< an integer in [min, max]
  kNumber,   ///< a finite number in `range`
  kChoice,   ///< one of `values` (or of `aliases`, accepted but not listed); the value "FILE.html"
             ///< stands for any path ending in .html (evaluate --report)
  kInput,    ///< an input file path ("" = none): it must exist and be readable
  kOutput,   ///< a path written by the command ("" = none unless min is 1; "-" = standard output)
  kSizes,    ///< layer sizes: a list of at least `min` positive integers, or one of `values`
  kBatch,    ///< a positive integer or "full"
  kEvery,    ///< N epochs: "N" or "Nepochs"; N optimizer steps: "Nsteps"
  kColumn,   ///< a CSV column: a header name or an integer index (negative from the end)
  kChar,     ///< one character, or "tab"
  kNetwork,  ///< a network spec: a JSON array of layer objects, or the path of a JSON file holding
             ///< one (a flag's text is always a path); ConfigFlags::resolve reads the file
};

/// The interval of a kNumber.
enum class Range {
  kAny,          ///< any finite number
  kPositive,     ///< (0, inf)
  kNonNegative,  ///< [0, inf)
  kFraction,     ///< [0, 1): a probability or a fraction that cannot be all
  kOpenUnit,     ///< (0, 1)
  kUnit,         ///< [0, 1]
};

struct Key {
  std::string name;  ///< config key; the flag is "--" + name with '-' for '_'
  Type type = Type::kInput;
  Json value;        ///< the default; null = not set (the help says what that means)
  std::string help;
  std::int64_t min = std::numeric_limits<std::int64_t>::min();   ///< kInt; kInput/kOutput length; kSizes count
  std::uint64_t max = std::numeric_limits<std::uint64_t>::max(); ///< kInt; kSizes count
  Range range = Range::kAny;                                     ///< kNumber
  std::vector<std::string> values;   ///< kChoice: allowed values; kSizes: words allowed instead
  std::vector<std::string> aliases;  ///< kChoice: also accepted, not listed in messages

  std::string flag() const;
  /// What a valid value looks like, for messages: "a positive integer", "one of: sgd, adam".
  std::string expected() const;
};

using Schema = std::vector<Key>;

/// The tables, one per subcommand.
const Schema& train_schema();
const Schema& evaluate_schema();
const Schema& predict_schema();
const Schema& explain_schema();
const Schema& gradcheck_schema();
const Schema& errata_schema();

/// The key named `name`, or nullptr.
const Key* find_key(const Schema& schema, const std::string& name);
/// The defaults of a schema as one JSON object, in table order.
Json defaults_of(const Schema& schema);

/// Why a value is refused: the expectation and, for near misses, a suggestion.
struct Refusal {
  std::string expected;  ///< "a positive integer"
  std::string hint;      ///< "did you mean 'adam'?" or empty
};

/// Checks a config-file value against its key; returns the value to store (unchanged, or a
/// column index as its text) or the refusal.
std::optional<Refusal> check_value(const Key& key, Json& value);
/// Parses and checks a flag's text; on success stores the value in `out`.
std::optional<Refusal> parse_flag_text(const Key& key, const std::string& text, Json& out);

/// "--batch-size" text or value: 0 for "full", else the count (the value is already checked).
std::size_t batch_of(const Json& v);
/// "--checkpoint-every": the count, and whether it counts optimizer steps rather than epochs.
struct Every {
  std::size_t count;
  bool steps;
};
std::optional<Every> parse_every(const Json& v);

}  // namespace bp::cli
