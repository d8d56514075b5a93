// The resolved configuration of a subcommand: the defaults of its schema (config/schema.hpp),
// overridden by a JSON config file, overridden by flags. One key per flag (`--batch-size` <->
// "batch_size"); every value is checked against the schema as it is read.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "config/schema.hpp"

namespace bp::cli {

/// Merges the JSON text of a config file (`name` starts every message) into cfg: every key must be
/// one of `schema` and its value valid for it. Records the keys it set in file_keys. Throws
/// ConfigError "name: byte B: not valid JSON (...)", "name: unknown key 'k'; did you mean 'K'?" or
/// "name: key 'k': expected a positive integer, got -5"; cfg and file_keys are unchanged when it
/// throws.
void merge_config_text(const std::string& text, const std::string& name, const Schema& schema,
                       nlohmann::ordered_json& cfg, std::set<std::string>& file_keys);

/// Registers one flag per key of a schema on cmd, with its default shown in --help, and records
/// which flags were given so they can override a config file.
class ConfigFlags {
 public:
  ConfigFlags(CLI::App* cmd, const Schema& schema);
  /// defaults <- file (when path is not empty) <- given flags. Throws ConfigError for a file that is
  /// not valid JSON, has an unknown key or a bad value; UsageError for a bad flag value. A network
  /// spec given as a file path (Type::kNetwork) is replaced by the file's array: NoInputError when
  /// it cannot be read, ConfigError naming it when it is not a JSON array.
  nlohmann::ordered_json resolve(const std::string& config_path) const;
  /// Whether `key` got its value from the config file (for error attribution).
  bool from_file(const std::string& key) const { return file_keys_.count(key) > 0; }
  /// Whether `key` was set explicitly, by the config file or a flag (after resolve()).
  bool given(const std::string& key) const { return file_keys_.count(key) > 0 || given_.count(key) > 0; }
  /// Refuses the value of `key` where it came from: ConfigError "FILE: key 'k': what" for a
  /// config-file value, ConfigError "SPEC.json: what" for a network spec read from its own file,
  /// UsageError "--k: what" otherwise.
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  const Schema& schema() const { return schema_; }

 private:
  const Schema& schema_;
  std::map<std::string, std::string> given_;  // key -> raw flag text, for given flags
  mutable std::string config_path_;
  mutable std::set<std::string> file_keys_;
  mutable std::map<std::string, std::string> network_files_;  // key -> the file its spec came from
};

}  // namespace bp::cli
