// CSV loader: one sample per row, numeric feature columns plus a label column
// (classification) or K target columns (regression). Format details: docs/data-formats.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "backprop/data/dataset.hpp"

namespace bp {

struct CsvOptions {
  enum class Header {
    kAuto,  ///< the first row is a header when one of its feature fields is not a number
    kYes,
    kNo,
  };
  Header header = Header::kAuto;
  char delimiter = ',';  ///< ',', '\t' or ';'
  Task task = Task::kClassification;

  /// Classification: the label column by header name (when non-empty; needs a header) ...
  std::string label_name;
  /// ... or by 0-based index; negative counts from the end (-1 = last column).
  long label_index = -1;
  /// Classification: fixed class names, index = label (e.g. the training set's, when loading a
  /// test set). A label not in the list is an error. Empty: the distinct labels of the file,
  /// sorted (numerically when all of them are numbers, else by bytes).
  std::vector<std::string> class_names;

  /// Regression: the targets are the last target_columns columns ...
  std::size_t target_columns = 1;
  /// ... or, when non-empty, these header columns, in this order.
  std::vector<std::string> target_names;

  /// Reading data for a trained model (its ModelInfo::columns): the feature columns by header
  /// name, in this order. When non-empty and the file has a header, the features are these
  /// columns wherever they stand, the label is label_name (or label_index when label_name is
  /// empty), the targets are target_names (or the last target_columns), and every other column is
  /// ignored; a name missing from the header is a DataError naming it. A file without a header is
  /// read by position as without this option (label_name and target_names then do not ask for a
  /// header). With Header::kAuto, the first row is a header when it holds one of the names, or
  /// else by the usual rule.
  std::vector<std::string> feature_names;

  /// Features only (for prediction): every column is a feature (or, with feature_names and a
  /// header, the named ones) and the result is Dataset::unlabelled, except that when `features` > 0
  /// and rows have features + 1 columns, the label column (label_index; numeric or not) is skipped.
  /// task, label_name and the target options are ignored.
  bool features_only = false;
  /// With features_only: the features per sample expected (0 = whatever the file has). A first
  /// row of another field count is a DataError naming its line, both counts.
  std::size_t features = 0;
  /// With features_only and features > 0, when the file is read by position: rows of
  /// features + 1 fields are accepted and the field at label_index (default -1: the last; a label,
  /// need not be a number) is skipped. false: exactly `features` fields.
  bool allow_label_column = true;

  /// Throws UsageError naming the field and value.
  void validate() const;
};

/// Loads a CSV file. Features become float32 (N, I) with I = fields - label/target columns (or
/// feature_names.size()). With a header, Dataset::columns() holds the names of the feature, label
/// and target columns; without one, only the label column's index.
/// Throws NoInputError when the file cannot be read, DataError ("path:line: ..." with the
/// 1-based column where it applies) for ragged rows, non-numbers (with a hint when the field
/// suggests another delimiter or decimal commas, which are not supported), NaN/Inf, a missing
/// label, target or feature column, a header that names a used column twice, an unknown class or no data rows, a NUL byte or text that is not UTF-8; UsageError for
/// invalid options. A gzip-compressed file (1f 8b) is inflated first.
Dataset load_csv(const std::string& path, const CsvOptions& options = {});

/// load_csv on the file's bytes already in memory; `name` stands for the path in messages.
Dataset load_csv_bytes(std::string_view bytes, const std::string& name, const CsvOptions& options = {});

}  // namespace bp
