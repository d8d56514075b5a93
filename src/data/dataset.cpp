// Dataset construction, batch gathering, subsets, the seeded split and the per-epoch order.
#include "backprop/data/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "backprop/core/error.hpp"
#include "backprop/core/threads.hpp"
#include "data/file_util.hpp"
#include "kernels/scale.hpp"
#include "runtime/thread_pool.hpp"

namespace bp {
namespace {

std::size_t rows_of(std::size_t count, std::size_t width, const char* what) {
  if (width == 0) throw UsageError(std::string("Dataset: ") + what + " width must be >= 1");
  if (count % width != 0)
    throw UsageError(std::string("Dataset: ") + std::to_string(count) + " " + what +
                     " values are not a multiple of the width " + std::to_string(width));
  return count / width;
}

// SplitMix64 finaliser (Steele, Lea, Flood 2014): decorrelates the per-epoch seeds.
std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

void Dataset::check(std::size_t feature_count) const {
  if (n_ == 0) throw UsageError("Dataset: no samples");
  if (feature_count != n_ * i_)
    throw UsageError("Dataset: " + std::to_string(feature_count) + " feature values for " +
                     std::to_string(n_) + " samples of " + std::to_string(i_) + " features");
  if (task_ == Task::kClassification) {
    if (class_names_.empty()) throw UsageError("Dataset: classification needs >= 1 class name");
    for (std::size_t n = 0; n < labels_.size(); ++n)
      if (labels_[n] >= class_names_.size())
        throw UsageError("Dataset: label " + std::to_string(labels_[n]) + " of sample " +
                         std::to_string(n) + " is >= classes " +
                         std::to_string(class_names_.size()));
  }
}

void Dataset::set_features(std::size_t I, std::vector<std::uint8_t> features) {
  if (I == 0) throw UsageError("Dataset: features width must be >= 1");
  i_ = I;
  type_ = FeatureType::kU8;
  u8_ = std::move(features);
}

void Dataset::set_features(std::size_t I, std::vector<float> features) {
  if (I == 0) throw UsageError("Dataset: features width must be >= 1");
  i_ = I;
  type_ = FeatureType::kF32;
  f32_ = std::move(features);
  f32_borrowed_ = {};
}

void Dataset::set_features(std::size_t I, std::span<const float> borrowed) {
  if (I == 0) throw UsageError("Dataset: features width must be >= 1");
  i_ = I;
  type_ = FeatureType::kF32;
  f32_.clear();
  f32_borrowed_ = borrowed;
}

Dataset Dataset::classification(std::size_t I, std::vector<std::uint8_t> features,
                                std::vector<std::uint32_t> labels,
                                std::vector<std::string> class_names) {
  return classification_of(I, std::move(features), std::move(labels), std::move(class_names));
}

Dataset Dataset::classification(std::size_t I, std::vector<float> features,
                                std::vector<std::uint32_t> labels,
                                std::vector<std::string> class_names) {
  return classification_of(I, std::move(features), std::move(labels), std::move(class_names));
}

Dataset Dataset::classification_borrowed(std::size_t I, std::span<const float> features,
                                         std::vector<std::uint32_t> labels,
                                         std::vector<std::string> class_names) {
  return classification_of(I, features, std::move(labels), std::move(class_names));
}

template <class V>
Dataset Dataset::classification_of(std::size_t I, V features, std::vector<std::uint32_t> labels,
                                   std::vector<std::string> class_names) {
  Dataset d;
  d.n_ = labels.size();
  d.labels_ = std::move(labels);
  d.class_names_ = std::move(class_names);
  d.set_features(I, std::move(features));
  d.check(d.stored_features());
  return d;
}

Dataset Dataset::regression(std::size_t I, std::vector<std::uint8_t> features, std::size_t K,
                            std::vector<float> targets) {
  return regression_of(I, std::move(features), K, std::move(targets));
}

Dataset Dataset::regression(std::size_t I, std::vector<float> features, std::size_t K,
                            std::vector<float> targets) {
  return regression_of(I, std::move(features), K, std::move(targets));
}

Dataset Dataset::regression_borrowed(std::size_t I, std::span<const float> features, std::size_t K,
                                     std::vector<float> targets) {
  return regression_of(I, features, K, std::move(targets));
}

template <class V>
Dataset Dataset::regression_of(std::size_t I, V features, std::size_t K, std::vector<float> targets) {
  Dataset d;
  d.n_ = rows_of(targets.size(), K, "target");
  d.task_ = Task::kRegression;
  d.k_ = K;
  d.targets_ = std::move(targets);
  d.set_features(I, std::move(features));
  d.check(d.stored_features());
  return d;
}

Dataset Dataset::unlabelled(std::size_t I, std::vector<std::uint8_t> features) {
  return unlabelled_of(I, std::move(features));
}

Dataset Dataset::unlabelled(std::size_t I, std::vector<float> features) {
  return unlabelled_of(I, std::move(features));
}

template <class V>
Dataset Dataset::unlabelled_of(std::size_t I, V features) {
  if (I == 0) throw UsageError("Dataset: features width must be >= 1");
  Dataset d;
  d.n_ = rows_of(features.size(), I, "feature");
  d.task_ = Task::kRegression;
  d.set_features(I, std::move(features));
  return d;
}

void Dataset::set_columns(ColumnNames columns) {
  if (!columns.features.empty() && columns.features.size() != i_)
    throw UsageError("Dataset: " + std::to_string(columns.features.size()) + " feature names for " +
                     std::to_string(i_) + " features");
  if (!columns.targets.empty() && (task_ != Task::kRegression || columns.targets.size() != k_))
    throw UsageError("Dataset: " + std::to_string(columns.targets.size()) + " target names for " +
                     std::to_string(target_width()) + (task_ == Task::kRegression ? " targets" : " classes"));
  if ((!columns.label.empty() || columns.label_index >= 0) && task_ != Task::kClassification)
    throw UsageError("Dataset: a label column for regression data");
  columns_ = std::move(columns);
}

namespace {
void check_rows(std::span<const std::size_t> rows, std::size_t n) {
  for (const std::size_t r : rows)  // all checked first, so the error does not depend on threads
    if (r >= n)
      throw UsageError("Dataset::gather: row " + std::to_string(r) + " out of range for " +
                       std::to_string(n) + " samples");
}
}  // namespace

template <class T>
void Dataset::gather_targets(std::span<const std::size_t> rows, Matrix<T>& y) const {
  check_rows(rows, n_);
  const std::size_t W = target_width();
  y.resize(rows.size(), W);
  for (std::size_t b = 0; b < rows.size(); ++b) {
    const std::size_t n = rows[b];
    T* y_b = y.data() + b * W;
    if (binary_) {
      y_b[0] = T(labels_[n]);
    } else if (task_ == Task::kClassification) {
      for (std::size_t c = 0; c < W; ++c) y_b[c] = T(0);
      y_b[labels_[n]] = T(1);
    } else {
      const float* src = targets_.data() + n * k_;
      for (std::size_t k = 0; k < k_; ++k) y_b[k] = static_cast<T>(src[k]);
    }
  }
}

template <class T>
void Dataset::gather(std::span<const std::size_t> rows, Matrix<T>& x, Matrix<T>& y) const {
  gather_targets(rows, y);
  const std::size_t nb = rows.size();
  x.resize(nb, i_);
  // Rows are independent: large batches are split across bp::num_threads() threads (same result).
  auto copy_rows = [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b) {
      const std::size_t n = rows[b];
      T* x_b = x.data() + b * i_;  // row b of the batch
      if (type_ == FeatureType::kU8) {
        if (b + 1 < b1) kernels::prefetch_row(u8_.data() + rows[b + 1] * i_, i_);
        kernels::u8_to_real(x_b, u8_.data() + n * i_, i_);  // vectorised byte -> T
      } else {
        const float* src = f32_data() + n * i_;
        for (std::size_t i = 0; i < i_; ++i) x_b[i] = static_cast<T>(src[i]);
      }
    }
  };
  const std::size_t parts =
      std::min({num_threads(), nb, std::max<std::size_t>(1, nb * i_ / (std::size_t{1} << 15))});
  detail::parallel_parts(parts, [&](std::size_t p) {
    const detail::Range r = detail::part_range(nb, parts, p, 1);
    copy_rows(r.begin, r.end);
  });
}

template void Dataset::gather<float>(std::span<const std::size_t>, Matrix<float>&,
                                     Matrix<float>&) const;
template void Dataset::gather<double>(std::span<const std::size_t>, Matrix<double>&,
                                      Matrix<double>&) const;
template void Dataset::gather_targets<float>(std::span<const std::size_t>, Matrix<float>&) const;
template void Dataset::gather_targets<double>(std::span<const std::size_t>, Matrix<double>&) const;

Dataset Dataset::subset(std::span<const std::size_t> rows) const {
  if (rows.empty()) throw UsageError("Dataset::subset: no rows selected");
  Dataset d;
  d.n_ = rows.size();
  d.i_ = i_;
  d.type_ = type_;
  d.task_ = task_;
  d.class_names_ = class_names_;
  d.binary_ = binary_;
  d.k_ = k_;
  d.columns_ = columns_;
  if (type_ == FeatureType::kU8)
    d.u8_.reserve(rows.size() * i_);
  else
    d.f32_.reserve(rows.size() * i_);
  for (const std::size_t n : rows) {
    if (n >= n_)
      throw UsageError("Dataset::subset: row " + std::to_string(n) + " out of range for " +
                       std::to_string(n_) + " samples");
    const auto first = static_cast<std::ptrdiff_t>(n * i_);
    const auto last = static_cast<std::ptrdiff_t>((n + 1) * i_);
    if (type_ == FeatureType::kU8)
      d.u8_.insert(d.u8_.end(), u8_.begin() + first, u8_.begin() + last);
    else
      d.f32_.insert(d.f32_.end(), f32_data() + first, f32_data() + last);
    if (task_ == Task::kClassification) {
      d.labels_.push_back(labels_[n]);
    } else {
      const auto t0 = static_cast<std::ptrdiff_t>(n * k_);
      const auto t1 = static_cast<std::ptrdiff_t>((n + 1) * k_);
      d.targets_.insert(d.targets_.end(), targets_.begin() + t0, targets_.begin() + t1);
    }
  }
  return d;
}

void Dataset::use_single_binary_target() {
  if (task_ != Task::kClassification || class_names_.size() != 2)
    throw UsageError("Dataset: one binary target needs two-class data; this data has " +
                     (task_ == Task::kClassification ? std::to_string(class_names_.size()) + " classes"
                                                     : std::string("regression targets")));
  binary_ = true;
}

Dataset::Split Dataset::split(double validation_fraction, std::uint64_t seed) const {
  if (!(validation_fraction >= 0.0 && validation_fraction < 1.0))
    throw UsageError("Dataset::split: validation_fraction = " +
                     data_detail::format_double(validation_fraction) + " must be in [0, 1)");
  const auto n_val =
      static_cast<std::size_t>(std::llround(validation_fraction * static_cast<double>(n_)));
  if (n_val >= n_)
    throw UsageError("Dataset::split: validation_fraction = " +
                     data_detail::format_double(validation_fraction) + " leaves no training samples of " +
                     std::to_string(n_));
  std::vector<std::size_t> perm(n_);
  for (std::size_t n = 0; n < n_; ++n) perm[n] = n;
  std::mt19937_64 rng(seed);
  shuffle_indices(perm, rng);
  const auto cut = static_cast<std::ptrdiff_t>(n_val);
  std::sort(perm.begin(), perm.begin() + cut);
  std::sort(perm.begin() + cut, perm.end());
  Split s;
  s.train = subset(std::span<const std::size_t>(perm).subspan(n_val));
  if (n_val > 0) s.validation = subset(std::span<const std::size_t>(perm).first(n_val));
  return s;
}

Dataset one_hot_to_classes(const Dataset& data) {
  if (data.is_classification())
    throw UsageError("one_hot_to_classes: the dataset is already classification");
  const std::size_t K = data.target_width();
  if (K < 2) throw UsageError("one_hot_to_classes: needs K >= 2 target columns, got " +
                              std::to_string(K));
  const auto t = data.targets();
  std::vector<std::uint32_t> labels(data.size());
  for (std::size_t n = 0; n < data.size(); ++n) {
    const float* t_n = t.data() + n * K;
    std::size_t best = 0;
    std::size_t ties = 1;
    for (std::size_t k = 1; k < K; ++k) {
      if (t_n[k] > t_n[best]) {
        best = k;
        ties = 1;
      } else if (t_n[k] == t_n[best]) {
        ++ties;
      }
    }
    if (ties != 1)
      throw DataError("one_hot_to_classes: sample " + std::to_string(n) +
                      ": expected one largest target, found " + std::to_string(ties) + " equal");
    labels[n] = static_cast<std::uint32_t>(best);
  }
  std::vector<std::string> names(K);
  for (std::size_t k = 0; k < K; ++k) names[k] = std::to_string(k);
  const std::size_t I = data.features();
  if (data.feature_type() == FeatureType::kU8) {
    const auto f = data.features_u8();
    return Dataset::classification(I, std::vector<std::uint8_t>(f.begin(), f.end()),
                                   std::move(labels), std::move(names));
  }
  const auto f = data.features_f32();
  return Dataset::classification(I, std::vector<float>(f.begin(), f.end()), std::move(labels),
                                 std::move(names));
}

void shuffle_indices(std::span<std::size_t> v, std::mt19937_64& rng) {
  for (std::size_t k = v.size(); k > 1; --k) {
    // Uniform j in [0, k): reject the top partial block of 2^64 so every j is equally likely.
    const std::uint64_t bound = k;
    const std::uint64_t limit = std::uint64_t(0) - (std::uint64_t(0) - bound) % bound;
    std::uint64_t r = rng();
    while (limit != 0 && r >= limit) r = rng();
    const auto j = static_cast<std::size_t>(r % bound);
    std::swap(v[k - 1], v[j]);
  }
}

BatchOrder::BatchOrder(std::size_t n, std::uint64_t seed, bool shuffle)
    : seed_(seed), shuffle_(shuffle), order_(n) {
  for (std::size_t k = 0; k < n; ++k) order_[k] = k;
}

std::span<const std::size_t> BatchOrder::order(std::uint64_t epoch) {
  for (std::size_t k = 0; k < order_.size(); ++k) order_[k] = k;
  if (shuffle_) {
    std::mt19937_64 rng(mix64(seed_ ^ mix64(epoch)));
    shuffle_indices(order_, rng);
  }
  return order_;
}

}  // namespace bp
