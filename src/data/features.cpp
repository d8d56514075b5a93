// Unlabelled features: picks the format, then reuses each loader's reader and validation.
#include "backprop/data/features.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string_view>
#include <utility>
#include <vector>

#include "backprop/data/fann.hpp"
#include "backprop/data/idx.hpp"
#include "backprop/data/npy.hpp"
#include "backprop/core/error.hpp"
#include "data/file_util.hpp"

namespace bp {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The file name, lower-case, without a trailing ".gz".
std::string plain_name(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ends_with(name, ".gz")) name.resize(name.size() - 3);
  return name;
}

}  // namespace

void FeatureOptions::validate() const {
  if (format != "auto" && format != "csv" && format != "idx" && format != "npy" && format != "fann")
    throw UsageError("FeatureOptions: format = '" + format +
                     "' must be auto, csv, idx, npy or fann");
  if (delimiter != ',' && delimiter != '\t' && delimiter != ';')
    throw UsageError("FeatureOptions: delimiter = '" + std::string(1, delimiter) +
                     "' must be ',', '\\t' or ';'");
}

std::string detect_feature_format(const std::string& path) {
  const std::string name = plain_name(path);
  for (const char* ext : {".csv", ".tsv", ".txt"})
    if (ends_with(name, ext)) return "csv";
  if (ends_with(name, ".npy")) return "npy";
  for (const char* ext : {".data", ".fann", ".train", ".test"})
    if (ends_with(name, ext)) return "fann";
  if (name.find("idx") != std::string::npos || ends_with(name, "-ubyte")) return "idx";
  throw UsageError(path + ": cannot tell the format from the file name (expected .csv, .tsv, " +
                   ".txt, .npy, .data, .fann, .train, .test, or an IDX name containing 'idx' or " +
                   "ending '-ubyte'); give the format: csv, idx, npy or fann");
}

namespace {

// load_features on the file at path, or on `bytes` (with path as its name) when given.
Dataset features_of(const std::string& path, const std::string_view* bytes, const FeatureOptions& options) {
  const bool detect = options.format == "auto";
  const std::string format = detect ? detect_feature_format(path) : options.format;
  Dataset d;
  if (format == "csv") {
    CsvOptions o;
    o.header = options.header;
    o.delimiter = detect && options.delimiter == ',' && ends_with(plain_name(path), ".tsv")
                      ? '\t'
                      : options.delimiter;
    o.features_only = true;
    o.features = options.width;
    o.allow_label_column = options.allow_label_column;
    o.feature_names = options.feature_names;
    o.label_index = options.label_index;
    d = bytes ? load_csv_bytes(*bytes, path, o) : load_csv(path, o);  // checks the width, naming the line
  } else if (format == "idx") {
    d = bytes ? load_idx_images_bytes(*bytes, path) : load_idx_images(path);
  } else if (format == "npy") {
    d = bytes ? load_npy_features_bytes(*bytes, path, options.flatten) : load_npy_features(path, options.flatten);
  } else {
    const Dataset pairs = bytes ? load_fann_bytes(*bytes, path) : load_fann(path);
    const auto x = pairs.features_f32();
    d = Dataset::unlabelled(pairs.features(), std::vector<float>(x.begin(), x.end()));
  }
  if (options.width > 0 && d.features() != options.width)
    throw DataError(path + ": expected " + std::to_string(options.width) +
                    " features per sample (the model's input), found " +
                    std::to_string(d.features()));
  return d;
}

}  // namespace

Dataset load_features(const std::string& path, const FeatureOptions& options) {
  options.validate();
  data_detail::check_readable(path);  // a missing file is NoInputError, before the name is judged
  return features_of(path, nullptr, options);
}

Dataset load_features_bytes(std::string_view bytes, const std::string& name, const FeatureOptions& options) {
  options.validate();
  return features_of(name, &bytes, options);
}

}  // namespace bp
