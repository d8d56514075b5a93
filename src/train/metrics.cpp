// Classification and regression metrics, accumulated over batches (rules in docs/metrics.md).
#include "backprop/train/metrics.hpp"

#include <cmath>
#include <string>

#include "backprop/core/error.hpp"

namespace bp {

namespace {

std::string shape(std::size_t rows, std::size_t cols) {
  return "(" + std::to_string(rows) + ", " + std::to_string(cols) + ")";
}

// Score of class c in row `r` of a score matrix; a single column y stands for (1 - y, y).
template <class T>
double score(std::span<const T> r, std::size_t c) {
  if (r.size() == 1) return c == 0 ? 1 - static_cast<double>(r[0]) : static_cast<double>(r[0]);
  return static_cast<double>(r[c]);
}

// argmax over C classes, lowest index on ties.
template <class T>
std::size_t argmax(std::span<const T> r, std::size_t C) {
  std::size_t best = 0;
  for (std::size_t c = 1; c < C; ++c)
    if (score(r, c) > score(r, best)) best = c;
  return best;
}

template <class T>
void check_no_nan(const Matrix<T>& m, const char* name) {
  for (std::size_t n = 0; n < m.rows(); ++n)
    for (std::size_t c = 0; c < m.cols(); ++c)
      if (std::isnan(m(n, c)))
        throw UsageError(std::string("ClassificationMetrics::add_batch: ") + name + " row " +
                         std::to_string(n) + " column " + std::to_string(c) +
                         " is NaN; a class ranking needs comparable scores");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Classification

template <class T>
ClassificationMetrics<T>::ClassificationMetrics(std::size_t classes)
    : classes_(classes), confusion_(classes * classes, 0), rank_(classes, 0) {
  if (classes < 2)
    throw UsageError("ClassificationMetrics: classes = " + std::to_string(classes) +
                     " must be >= 2");
}

template <class T>
void ClassificationMetrics<T>::add_batch(const Matrix<T>& outputs,
                                         std::span<const std::size_t> labels) {
  const std::size_t C = classes_;
  const bool binary = C == 2 && outputs.cols() == 1;
  if (outputs.cols() != C && !binary)
    throw UsageError("ClassificationMetrics::add_batch: outputs are " +
                     shape(outputs.rows(), outputs.cols()) + ", expected (N, " +
                     std::to_string(C) + ")" + (C == 2 ? " or (N, 1)" : ""));
  if (labels.size() != outputs.rows())
    throw UsageError("ClassificationMetrics::add_batch: " + std::to_string(labels.size()) +
                     " labels for " + std::to_string(outputs.rows()) + " output rows");
  for (std::size_t n = 0; n < labels.size(); ++n)
    if (labels[n] >= C)
      throw UsageError("ClassificationMetrics::add_batch: label " + std::to_string(labels[n]) +
                       " of row " + std::to_string(n) + " is not a class; expected 0.." +
                       std::to_string(C - 1));
  check_no_nan(outputs, "output");
  for (std::size_t n = 0; n < outputs.rows(); ++n) add_row(outputs.row(n), labels[n]);
}

template <class T>
void ClassificationMetrics<T>::add_batch(const Matrix<T>& outputs, const Matrix<T>& targets) {
  if (targets.rows() != outputs.rows() || targets.cols() != outputs.cols())
    throw UsageError("ClassificationMetrics::add_batch: targets are " +
                     shape(targets.rows(), targets.cols()) + ", outputs are " +
                     shape(outputs.rows(), outputs.cols()) + "; expected the same shape");
  check_no_nan(targets, "target");
  std::vector<std::size_t> labels(targets.rows());
  const std::size_t C = targets.cols() == 1 ? 2 : targets.cols();
  for (std::size_t n = 0; n < targets.rows(); ++n) labels[n] = argmax(targets.row(n), C);
  add_batch(outputs, std::span<const std::size_t>(labels));
}

template <class T>
void ClassificationMetrics<T>::add_row(std::span<const T> r, std::size_t label) {
  const std::size_t C = classes_;
  const double s_true = score(r, label);
  std::size_t above = 0;  // classes scoring strictly above the true class
  for (std::size_t c = 0; c < C; ++c)
    if (score(r, c) > s_true) ++above;
  ++rank_[above];
  ++confusion_[label * C + argmax(r, C)];
  ++count_;
}

template <class T>
void ClassificationMetrics<T>::reset() {
  count_ = 0;
  for (auto& v : confusion_) v = 0;
  for (auto& v : rank_) v = 0;
}

template <class T>
void ClassificationMetrics<T>::check_samples(const char* what) const {
  if (count_ == 0)
    throw UsageError(std::string("ClassificationMetrics::") + what +
                     ": no samples added; the metric is undefined");
}

template <class T>
void ClassificationMetrics<T>::check_class(std::size_t c, const char* what) const {
  if (c >= classes_)
    throw UsageError(std::string("ClassificationMetrics::") + what + ": class " +
                     std::to_string(c) + " out of range; expected 0.." +
                     std::to_string(classes_ - 1));
}

template <class T>
double ClassificationMetrics<T>::accuracy() const {
  check_samples("accuracy");
  std::uint64_t hits = 0;
  for (std::size_t c = 0; c < classes_; ++c) hits += confusion_[c * classes_ + c];
  return static_cast<double>(hits) / static_cast<double>(count_);
}

template <class T>
double ClassificationMetrics<T>::top_k_accuracy(std::size_t k) const {
  check_samples("top_k_accuracy");
  if (k == 0) throw UsageError("ClassificationMetrics::top_k_accuracy: k = 0 must be >= 1");
  std::uint64_t hits = 0;
  for (std::size_t r = 0; r < k && r < classes_; ++r) hits += rank_[r];
  return static_cast<double>(hits) / static_cast<double>(count_);
}

template <class T>
std::uint64_t ClassificationMetrics<T>::confusion(std::size_t true_class,
                                                  std::size_t predicted) const {
  check_class(true_class, "confusion");
  check_class(predicted, "confusion");
  return confusion_[true_class * classes_ + predicted];
}

template <class T>
double ClassificationMetrics<T>::precision(std::size_t c) const {
  check_samples("precision");
  check_class(c, "precision");
  std::uint64_t predicted = 0;
  for (std::size_t t = 0; t < classes_; ++t) predicted += confusion_[t * classes_ + c];
  return predicted == 0 ? 0.0
                        : static_cast<double>(confusion_[c * classes_ + c]) /
                              static_cast<double>(predicted);
}

template <class T>
double ClassificationMetrics<T>::recall(std::size_t c) const {
  check_samples("recall");
  check_class(c, "recall");
  const std::uint64_t truly = support(c);
  return truly == 0 ? 0.0
                    : static_cast<double>(confusion_[c * classes_ + c]) /
                          static_cast<double>(truly);
}

template <class T>
double ClassificationMetrics<T>::f1(std::size_t c) const {
  const double p = precision(c), r = recall(c);
  return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
}

template <class T>
std::uint64_t ClassificationMetrics<T>::support(std::size_t c) const {
  check_class(c, "support");
  std::uint64_t s = 0;
  for (std::size_t p = 0; p < classes_; ++p) s += confusion_[c * classes_ + p];
  return s;
}

template <class T>
double ClassificationMetrics<T>::macro_precision() const {
  double sum = 0;
  for (std::size_t c = 0; c < classes_; ++c) sum += precision(c);
  return sum / static_cast<double>(classes_);
}

template <class T>
double ClassificationMetrics<T>::macro_recall() const {
  double sum = 0;
  for (std::size_t c = 0; c < classes_; ++c) sum += recall(c);
  return sum / static_cast<double>(classes_);
}

template <class T>
double ClassificationMetrics<T>::macro_f1() const {
  double sum = 0;
  for (std::size_t c = 0; c < classes_; ++c) sum += f1(c);
  return sum / static_cast<double>(classes_);
}

// ---------------------------------------------------------------------------------------------
// Regression

template <class T>
RegressionMetrics<T>::RegressionMetrics(std::size_t outputs)
    : outputs_(outputs), sse_(outputs, 0), sae_(outputs, 0), t_mean_(outputs, 0),
      t_m2_(outputs, 0) {
  if (outputs == 0) throw UsageError("RegressionMetrics: outputs = 0 must be >= 1");
}

template <class T>
void RegressionMetrics<T>::add_batch(const Matrix<T>& outputs, const Matrix<T>& targets) {
  const std::size_t O = outputs_;
  if (outputs.cols() != O || targets.rows() != outputs.rows() || targets.cols() != O)
    throw UsageError("RegressionMetrics::add_batch: outputs are " +
                     shape(outputs.rows(), outputs.cols()) + " and targets " +
                     shape(targets.rows(), targets.cols()) + ", expected both (N, " +
                     std::to_string(O) + ")");
  for (std::size_t n = 0; n < outputs.rows(); ++n) {
    ++count_;
    const auto k = static_cast<double>(count_);
    const auto y_n = outputs.row(n);
    const auto t_n = targets.row(n);
    for (std::size_t o = 0; o < O; ++o) {
      const double y = static_cast<double>(y_n[o]), t = static_cast<double>(t_n[o]);
      const double e = y - t;
      sse_[o] += e * e;
      sae_[o] += std::abs(e);
      // Welford (1962): exact for a constant target (delta stays 0), so SST == 0 is detected.
      const double delta = t - t_mean_[o];
      t_mean_[o] += delta / k;
      t_m2_[o] += delta * (t - t_mean_[o]);
    }
  }
}

template <class T>
void RegressionMetrics<T>::reset() {
  count_ = 0;
  for (auto* v : {&sse_, &sae_, &t_mean_, &t_m2_})
    for (auto& x : *v) x = 0;
}

template <class T>
void RegressionMetrics<T>::check_samples(const char* what) const {
  if (count_ == 0)
    throw UsageError(std::string("RegressionMetrics::") + what +
                     ": no samples added; the metric is undefined");
}

template <class T>
void RegressionMetrics<T>::check_output(std::size_t o, const char* what) const {
  check_samples(what);
  if (o >= outputs_)
    throw UsageError(std::string("RegressionMetrics::") + what + ": output " + std::to_string(o) +
                     " out of range; expected 0.." + std::to_string(outputs_ - 1));
}

template <class T>
double RegressionMetrics<T>::mse(std::size_t o) const {
  check_output(o, "mse");
  return sse_[o] / static_cast<double>(count_);
}

template <class T>
double RegressionMetrics<T>::mae(std::size_t o) const {
  check_output(o, "mae");
  return sae_[o] / static_cast<double>(count_);
}

template <class T>
double RegressionMetrics<T>::r2(std::size_t o) const {
  check_output(o, "r2");
  if (t_m2_[o] == 0) return sse_[o] == 0 ? 1.0 : 0.0;
  return 1 - sse_[o] / t_m2_[o];
}

template <class T>
double RegressionMetrics<T>::mse() const {
  double sum = 0;
  for (std::size_t o = 0; o < outputs_; ++o) sum += mse(o);
  return sum / static_cast<double>(outputs_);
}

template <class T>
double RegressionMetrics<T>::mae() const {
  double sum = 0;
  for (std::size_t o = 0; o < outputs_; ++o) sum += mae(o);
  return sum / static_cast<double>(outputs_);
}

template <class T>
double RegressionMetrics<T>::r2() const {
  double sum = 0;
  for (std::size_t o = 0; o < outputs_; ++o) sum += r2(o);
  return sum / static_cast<double>(outputs_);
}

template class ClassificationMetrics<float>;
template class ClassificationMetrics<double>;
template class RegressionMetrics<float>;
template class RegressionMetrics<double>;

}  // namespace bp
