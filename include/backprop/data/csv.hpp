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

  /// Features only (for prediction): every column is a feature and the result is
  /// Dataset::unlabelled, except that when `features` > 0 and rows have features + 1 columns, the
  /// last column (a label or target, numeric or not) is skipped. task and the label/target
  /// options are ignored.
  bool features_only = false;
  /// With features_only: the features per sample expected (0 = whatever the file has). A first
  /// row of another field count is a DataError naming its line, both counts.
  std::size_t features = 0;
  /// With features_only and features > 0: rows of features + 1 fields are accepted and their
  /// last field (a label; need not be a number) is skipped. false: exactly `features` fields.
  bool allow_label_column = true;

  /// Throws UsageError naming the field and value.
  void validate() const;
};

/// Loads a CSV file. Features become float32 (N, I) with I = fields - label/target columns.
/// Throws NoInputError when the file cannot be read, DataError ("path:line: ..." with the
/// 1-based column where it applies) for ragged rows, non-numbers, NaN/Inf, a missing label
/// column, an unknown class or no data rows, a NUL byte or text that is not UTF-8; UsageError for
/// invalid options. A gzip-compressed file (1f 8b) is inflated first.
Dataset load_csv(const std::string& path, const CsvOptions& options = {});

/// load_csv on the file's bytes already in memory; `name` stands for the path in messages.
Dataset load_csv_bytes(std::string_view bytes, const std::string& name, const CsvOptions& options = {});

}  // namespace bp
