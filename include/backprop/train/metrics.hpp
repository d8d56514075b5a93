// Evaluation metrics, accumulated batch by batch so that a test set never has to sit in one
// Matrix: classification (accuracy, top-k, confusion matrix, precision / recall / F1) and
// regression (MSE, MAE, R²). Definitions, tie rules and edge cases: docs/metrics.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "backprop/core/matrix.hpp"

namespace bp {

/// Classification metrics over C classes, from score rows (N, C): logits, probabilities, or any
/// scores where higher means more likely. With C == 2 the scores may also be one column (N, 1),
/// a single sigmoid output y, read as the two scores (1 - y, y).
///
/// Rules (see docs/metrics.md):
///  - predicted class = argmax of the row; on ties the lowest class index wins. accuracy() and
///    the confusion matrix use it.
///  - top-k: a sample counts as a hit when fewer than k classes score strictly higher than its
///    true class, so a tie with the true class counts in its favour. top_k_accuracy(1) is
///    therefore >= accuracy(), and equal when no row has a tie at its maximum.
///  - precision, recall or F1 whose denominator is 0 is reported as 0 (as scikit-learn's
///    zero_division=0); macro averages are plain means over all C classes, such classes included.
///  - every final value throws UsageError while count() == 0 (nothing to average); a batch of
///    0 rows is accepted and changes nothing.
template <class T>
class ClassificationMetrics {
 public:
  /// classes: C >= 2. Throws UsageError otherwise.
  explicit ClassificationMetrics(std::size_t classes);

  /// outputs: (N, C) scores (or (N, 1) when C == 2); labels: N true classes, each < C.
  /// Throws UsageError, before counting anything, on a shape mismatch, a label >= C, or a NaN
  /// score (naming the row and column).
  void add_batch(const Matrix<T>& outputs, std::span<const std::size_t> labels);
  /// As above with targets of the outputs' shape (one-hot or class probabilities): the true class
  /// of a row is the argmax of its target row, lowest index on ties (for (N, 1): 1 when t > 0.5).
  void add_batch(const Matrix<T>& outputs, const Matrix<T>& targets);
  /// Forgets every sample.
  void reset();

  std::size_t classes() const noexcept { return classes_; }
  std::size_t count() const noexcept { return count_; }  ///< samples added so far

  /// Fraction of samples whose predicted class is the true class.
  double accuracy() const;
  /// Fraction of samples whose true class is within the top k (rule above); k >= 1, and
  /// k >= C gives 1.
  double top_k_accuracy(std::size_t k) const;
  /// Confusion counts, C x C row-major: entry [t * C + p] counts samples of true class t that
  /// were predicted as p (rows = true class, columns = predicted class). Empty-safe.
  const std::vector<std::uint64_t>& confusion() const noexcept { return confusion_; }
  std::uint64_t confusion(std::size_t true_class, std::size_t predicted) const;

  double precision(std::size_t c) const;  ///< TP / (TP + FP), column c; 0 when nothing predicted c
  double recall(std::size_t c) const;     ///< TP / (TP + FN), row c; 0 when no sample is class c
  double f1(std::size_t c) const;         ///< 2 P R / (P + R); 0 when P + R == 0
  std::uint64_t support(std::size_t c) const;  ///< samples whose true class is c
  double macro_precision() const;  ///< mean of precision(c) over the C classes
  double macro_recall() const;     ///< mean of recall(c) over the C classes
  double macro_f1() const;         ///< mean of f1(c) over the C classes (not F1 of the means)

 private:
  void check_samples(const char* what) const;
  void check_class(std::size_t c, const char* what) const;
  void add_row(std::span<const T> scores, std::size_t label);
  std::size_t classes_;
  std::uint64_t count_ = 0;
  std::vector<std::uint64_t> confusion_;  // (C, C), [true][predicted]
  // rank_[r]: samples with exactly r classes scoring strictly above the true class
  std::vector<std::uint64_t> rank_;
};

/// Regression metrics over O outputs, from outputs and targets of shape (N, O). Sums are kept in
/// double per output; the targets' mean and spread are tracked with Welford's update, so R² needs
/// only one pass. NaN or infinite values are not rejected: they propagate into the results.
/// Every final value throws UsageError while count() == 0.
template <class T>
class RegressionMetrics {
 public:
  /// outputs: O >= 1. Throws UsageError otherwise.
  explicit RegressionMetrics(std::size_t outputs);

  /// outputs, targets: (N, O). Throws UsageError naming both shapes when they differ from (·, O).
  void add_batch(const Matrix<T>& outputs, const Matrix<T>& targets);
  void reset();

  std::size_t outputs() const noexcept { return outputs_; }
  std::size_t count() const noexcept { return count_; }  ///< samples (rows) added so far

  double mse(std::size_t o) const;  ///< (1/N) Σ_n (y_no - t_no)²
  double mae(std::size_t o) const;  ///< (1/N) Σ_n |y_no - t_no|
  /// 1 - SSE_o / SST_o with SST_o = Σ_n (t_no - mean_o)². For a constant target (SST_o == 0):
  /// 1 when the predictions are exact (SSE_o == 0), else 0 (scikit-learn's force_finite rule).
  double r2(std::size_t o) const;
  double mse() const;  ///< mean of mse(o) over outputs = mean over all N * O entries
  double mae() const;  ///< mean of mae(o) over outputs
  double r2() const;   ///< mean of r2(o) over outputs (unweighted, "uniform average")

 private:
  void check_samples(const char* what) const;
  void check_output(std::size_t o, const char* what) const;
  std::size_t outputs_;
  std::uint64_t count_ = 0;
  std::vector<double> sse_, sae_;         // Σ (y - t)², Σ |y - t|, per output
  std::vector<double> t_mean_, t_m2_;     // Welford: running mean and Σ (t - mean)² of targets
};

}  // namespace bp
