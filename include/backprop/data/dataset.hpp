// Dataset: N samples of I features each, with class labels or (N, K) regression targets, plus
// the per-epoch batch order. Loaders for the file formats live next to it in data/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "backprop/core/matrix.hpp"

namespace bp {

/// What the targets of a dataset are.
enum class Task {
  kClassification,  ///< one label per sample in [0, classes); one-hot targets of width classes
  kRegression,      ///< K real targets per sample
};

/// The names of a dataset's columns, from a CSV header: what a model records so that later data
/// can be matched by name (include/backprop/io/model.hpp). Empty for headerless CSV, IDX, NPY and FANN.
struct ColumnNames {
  std::vector<std::string> features;  ///< one per feature, in feature order; or empty
  std::string label;                  ///< classification: the label column's header name, or empty
  long label_index = -1;              ///< classification: its 0-based column in the file; -1 = none
  std::vector<std::string> targets;   ///< regression: one per target, in target order; or empty
  bool empty() const noexcept { return features.empty() && label.empty() && label_index < 0 && targets.empty(); }
  friend bool operator==(const ColumnNames&, const ColumnNames&) = default;
};

/// How the features are stored. uint8 sources (IDX, NPY |u1) stay uint8, so Fashion-MNIST's
/// 60000x784 features take 47 MB instead of 188 MB; everything else is float32.
enum class FeatureType { kU8, kF32 };

/// An in-memory dataset. Features: (N, I), row-major, uint8 or float32. Targets: labels (N) in
/// [0, classes) with one name per class, or regression targets (N, K) float32.
/// Invariants (checked by the factories): N >= 1, I >= 1, sizes match, labels < classes.
class Dataset {
 public:
  Dataset() = default;

  /// Classification data. features: N*I values, row-major. class_names: one per class, so
  /// classes = class_names.size(). Throws UsageError on inconsistent sizes or a label out of range.
  static Dataset classification(std::size_t I, std::vector<std::uint8_t> features,
                                std::vector<std::uint32_t> labels,
                                std::vector<std::string> class_names);
  static Dataset classification(std::size_t I, std::vector<float> features,
                                std::vector<std::uint32_t> labels,
                                std::vector<std::string> class_names);
  /// Regression data. targets: N*K values, row-major. Throws UsageError on inconsistent sizes.
  static Dataset regression(std::size_t I, std::vector<std::uint8_t> features, std::size_t K,
                            std::vector<float> targets);
  static Dataset regression(std::size_t I, std::vector<float> features, std::size_t K,
                            std::vector<float> targets);
  /// The same with borrowed float32 features (the Python module's fit: a NumPy array is never
  /// copied). The caller keeps `features` alive and unchanged while this Dataset or a copy of it
  /// is used; subset() and split() make datasets that own their features.
  static Dataset classification_borrowed(std::size_t I, std::span<const float> features,
                                         std::vector<std::uint32_t> labels,
                                         std::vector<std::string> class_names);
  static Dataset regression_borrowed(std::size_t I, std::span<const float> features, std::size_t K,
                                     std::vector<float> targets);
  /// Features without targets (for prediction): N = features.size() / I, target_width() = 0,
  /// and gather() fills y as (nb, 0). Throws UsageError when the count is not a multiple of I.
  static Dataset unlabelled(std::size_t I, std::vector<std::uint8_t> features);
  static Dataset unlabelled(std::size_t I, std::vector<float> features);

  /// N, the number of samples.
  std::size_t size() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  /// I, the number of features per sample.
  std::size_t features() const noexcept { return i_; }
  FeatureType feature_type() const noexcept { return type_; }
  /// Raw feature storage, (N, I) row-major; only the one matching feature_type() is non-empty.
  std::span<const std::uint8_t> features_u8() const noexcept { return u8_; }
  std::span<const float> features_f32() const noexcept { return {f32_data(), stored_f32()}; }
  /// Feature i of sample n, converted to float.
  float feature(std::size_t n, std::size_t i) const noexcept {
    return type_ == FeatureType::kU8 ? static_cast<float>(u8_[n * i_ + i]) : f32_data()[n * i_ + i];
  }

  Task task() const noexcept { return task_; }
  bool is_classification() const noexcept { return task_ == Task::kClassification; }
  /// Number of classes (0 for regression).
  std::size_t classes() const noexcept { return class_names_.size(); }
  /// Width of a target row: classes (one-hot) for classification, K for regression; 1 for
  /// two-class data set to one binary target (use_single_binary_target).
  std::size_t target_width() const noexcept { return is_classification() ? (binary_ ? 1 : classes()) : k_; }
  /// Two-class data for a network with one sigmoid output: the target row becomes one value, 0
  /// for class 0 and 1 for class 1 (class-name order), instead of a one-hot pair. Subsets keep
  /// it. Throws UsageError unless the data is classification with exactly 2 classes.
  void use_single_binary_target();
  bool single_binary_target() const noexcept { return binary_; }
  /// Class names, index = label (empty for regression).
  const std::vector<std::string>& class_names() const noexcept { return class_names_; }
  /// Labels (N), each < classes() (empty for regression).
  std::span<const std::uint32_t> labels() const noexcept { return labels_; }
  /// Regression targets (N, K) row-major (empty for classification).
  std::span<const float> targets() const noexcept { return targets_; }

  /// The column names the loader found (empty when the source has none).
  const ColumnNames& columns() const noexcept { return columns_; }
  /// Sets them. Throws UsageError when features (targets) is neither empty nor one per feature
  /// (regression target), or a label or label index is given for regression data.
  void set_columns(ColumnNames columns);

  /// Fills a batch: x becomes (nb, I) with the raw feature values converted to T (no scaling);
  /// y becomes (nb, target_width()), one-hot for classification or the regression targets.
  /// nb = rows.size(). Resizes x and y, which allocates only when their shape changes.
  /// Throws UsageError when a row index is >= size().
  template <class T>
  void gather(std::span<const std::size_t> rows, Matrix<T>& x, Matrix<T>& y) const;
  /// The y half of gather: y becomes (nb, target_width()). Throws UsageError when a row index is
  /// >= size() (the same message as gather).
  template <class T>
  void gather_targets(std::span<const std::size_t> rows, Matrix<T>& y) const;

  /// A new dataset with the given rows, in that order (repeats allowed). Class names are kept,
  /// so classes() is unchanged even when a class is absent from the subset.
  Dataset subset(std::span<const std::size_t> rows) const;

  struct Split;
  /// Seeded random split: round(validation_fraction * N) samples go to validation, the rest to
  /// train; both keep the original row order. fraction must be in [0, 1) and leave train
  /// non-empty; validation is an empty Dataset when the rounded count is 0. Same seed -> same
  /// split on every platform (own shuffle over std::mt19937_64).
  Split split(double validation_fraction, std::uint64_t seed) const;

 private:
  void check(std::size_t feature_count) const;
  template <class V>
  static Dataset classification_of(std::size_t I, V features, std::vector<std::uint32_t> labels,
                                   std::vector<std::string> class_names);
  template <class V>
  static Dataset regression_of(std::size_t I, V features, std::size_t K, std::vector<float> targets);
  template <class V>
  static Dataset unlabelled_of(std::size_t I, V features);
  /// Stores the features (uint8 or float32) with width I; UsageError when I is 0.
  void set_features(std::size_t I, std::vector<std::uint8_t> features);
  void set_features(std::size_t I, std::vector<float> features);
  void set_features(std::size_t I, std::span<const float> borrowed);
  const float* f32_data() const noexcept { return f32_borrowed_.data() ? f32_borrowed_.data() : f32_.data(); }
  std::size_t stored_f32() const noexcept { return f32_borrowed_.data() ? f32_borrowed_.size() : f32_.size(); }
  std::size_t stored_features() const noexcept { return type_ == FeatureType::kU8 ? u8_.size() : stored_f32(); }

  std::size_t n_ = 0;
  std::size_t i_ = 0;
  FeatureType type_ = FeatureType::kF32;
  std::vector<std::uint8_t> u8_;
  std::vector<float> f32_;
  std::span<const float> f32_borrowed_;  // classification_borrowed, regression_borrowed: not owned
  Task task_ = Task::kClassification;
  std::vector<std::uint32_t> labels_;
  std::vector<std::string> class_names_;
  bool binary_ = false;  // use_single_binary_target
  std::size_t k_ = 0;
  std::vector<float> targets_;
  ColumnNames columns_;
};

struct Dataset::Split {
  Dataset train;
  Dataset validation;
};

/// Turns a regression dataset whose target rows are one-hot-like (FANN's 0/1 or -1/1 codes)
/// into a classification dataset: label = index of the row's unique maximum, class names
/// "0".."K-1". Throws DataError naming the row when a row has no unique maximum, UsageError
/// when the dataset is not regression or K < 2.
Dataset one_hot_to_classes(const Dataset& data);

/// Fisher-Yates shuffle with rejection sampling on rng's raw 64-bit output, so the result
/// is the same on every platform (std::shuffle and std::uniform_int_distribution are not).
void shuffle_indices(std::span<std::size_t> v, std::mt19937_64& rng);

/// The order in which an epoch visits the samples. order(e) depends only on (n, seed, e), so a
/// resumed run gets the same orders as an uninterrupted one. The returned span stays valid
/// until the next call. No allocation after construction.
class BatchOrder {
 public:
  /// shuffle = false gives 0..n-1 for every epoch.
  BatchOrder(std::size_t n, std::uint64_t seed, bool shuffle = true);
  std::size_t size() const noexcept { return order_.size(); }
  /// A fresh permutation of 0..n-1 for epoch `epoch` (0-based).
  std::span<const std::size_t> order(std::uint64_t epoch);
  /// order(e) for e = 0, 1, 2, ... on successive calls.
  std::span<const std::size_t> next() { return order(next_epoch_++); }

 private:
  std::uint64_t seed_;
  bool shuffle_;
  std::uint64_t next_epoch_ = 0;
  std::vector<std::size_t> order_;
};

}  // namespace bp
