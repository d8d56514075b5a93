// The resolved configuration of `backprop train`: defaults, overridden by a JSON config file,
// overridden by flags. One key per flag (`--batch-size` <-> "batch_size").
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace bp::cli {

/// Parses "784,256,10" into sizes; UsageError naming `flag` for anything but positive integers,
/// or fewer than min_count sizes.
std::vector<std::size_t> parse_sizes(const std::string& text, const std::string& flag, std::size_t min_count = 2);

/// Merges the JSON text of a config file (`name` starts every message) into cfg: every key must be
/// one of `defaults` and of its value's kind. Records the keys it set in file_keys. Throws
/// ConfigError "name: byte B: not valid JSON (...)", "name: unknown key 'k' ..." or "name: key
/// 'k' is a string, expected an integer"; cfg and file_keys are
/// unchanged when it throws.
void merge_config_text(const std::string& text, const std::string& name, const nlohmann::ordered_json& defaults,
                       nlohmann::ordered_json& cfg, std::set<std::string>& file_keys);

/// Registers one flag per key of the default configuration on cmd, with its default shown in
/// --help, and records which flags were given so they can override a config file.
class ConfigFlags {
 public:
  ConfigFlags(CLI::App* cmd, nlohmann::ordered_json defaults,
              const std::map<std::string, std::string>& help);
  /// defaults <- file (when path is not empty) <- given flags. Throws ConfigError for a file that is
  /// not valid JSON, has an unknown key or a value of the wrong type; UsageError for a bad flag.
  nlohmann::ordered_json resolve(const std::string& config_path) const;
  /// Whether `key` got its value from the config file (for error attribution).
  bool from_file(const std::string& key) const { return file_keys_.count(key) > 0; }
  /// Whether `key` was set explicitly, by the config file or a flag (after resolve()).
  bool given(const std::string& key) const { return file_keys_.count(key) > 0 || given_.count(key) > 0; }

 private:
  nlohmann::ordered_json defaults_;
  std::map<std::string, std::string> given_;  // key -> raw flag text, for given flags
  mutable std::set<std::string> file_keys_;
  std::map<std::string, CLI::Option*> options_;
};

}  // namespace bp::cli
