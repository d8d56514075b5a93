// Unlabelled features (for `backprop predict`): one entry point over the CSV, IDX, NPY and FANN
// loaders, reading features only. Format details and errors: docs/data-formats.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "backprop/data/csv.hpp"
#include "backprop/data/dataset.hpp"

namespace bp {

struct FeatureOptions {
  /// "auto" (by file name, see detect_feature_format), "csv", "idx", "npy" or "fann".
  std::string format = "auto";
  /// Features per sample the model expects; 0 = take what the file has.
  std::size_t width = 0;
  /// CSV only: header row (kAuto: the first row is a header when a feature field is not a number).
  CsvOptions::Header header = CsvOptions::Header::kAuto;
  /// CSV only: ',', '\t' or ';'. With format "auto", a .tsv file reads the default ',' as '\t'.
  char delimiter = ',';
  /// CSV only, width > 0: rows of width + 1 fields are accepted and their last field (a label,
  /// number or not) is skipped.
  bool allow_label_column = true;
  /// CSV only, for a model that knows its columns (ModelInfo::columns): its feature names, and
  /// its label column's index. A file with a header is matched by these names (columns in any
  /// order, others ignored; a missing one is a DataError naming it); a file without one by
  /// position, the skipped column of a width + 1 row being the one at label_index (-1: the last).
  std::vector<std::string> feature_names;
  long label_index = -1;
  /// NPY only: accept an array of more than 2 dimensions, (N, d1, ..., dk), as (N, d1 x ... x dk).
  /// false: such an array is a DataError naming its shape.
  bool flatten = false;

  /// Throws UsageError naming the field and value.
  void validate() const;
};

/// The format load_features reads for format "auto", from the file name (case-insensitive, a
/// trailing ".gz" ignored): .csv .tsv .txt -> "csv"; .npy -> "npy"; .data .fann .train .test ->
/// "fann"; a name containing "idx" or ending "-ubyte" -> "idx". Throws UsageError otherwise.
std::string detect_feature_format(const std::string& path);

/// Loads the features of path as Dataset::unlabelled (target_width() = 0). CSV: every field is a
/// float32 feature (see FeatureOptions); gzip-compressed CSV is inflated. IDX: the images file
/// (u8 stays uint8, f32 accepted). NPY: a 1-D or 2-D array (or more with `flatten`); '|u1' stays
/// uint8, other dtypes become float32. FANN: the inputs of each pair; outputs are ignored. Each format is
/// validated as its labelled loader does.
/// Throws UsageError for invalid options or an unknown name with format "auto"; NoInputError
/// when the file cannot be read; DataError "path:line: ..." (CSV, FANN) or "path: byte B: ..."
/// (IDX, NPY) for malformed data, and "path: expected W features per sample (the model's
/// input), found N" when width > 0 and the file has another count.
Dataset load_features(const std::string& path, const FeatureOptions& options = {});

/// load_features on a file already in memory; `name` stands for the path, both in messages and
/// for format "auto" (the format is chosen from it).
Dataset load_features_bytes(std::string_view bytes, const std::string& name,
                            const FeatureOptions& options = {});

}  // namespace bp
