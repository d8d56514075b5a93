// Metrics: hand-computed small cases, a larger case against numpy (tests/reference/
// gen_metrics_reference.py), batch-split invariance, tie rules, and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "backprop/train/metrics.hpp"

namespace bp {
namespace {
namespace ref {
#include "reference/metrics_reference.inc"
}  // namespace ref

// Rows [begin, end) of a row-major array as a Matrix<T>.
template <class T>
Matrix<T> rows_of(const double* data, std::size_t cols, std::size_t begin, std::size_t end) {
  std::vector<T> v;
  for (std::size_t k = begin * cols; k < end * cols; ++k) v.push_back(static_cast<T>(data[k]));
  return Matrix<T>(end - begin, cols, std::move(v));
}

// Ratios of small integer counts: both sides are one correctly rounded division (or a mean of a
// few), so 4 ulp (EXPECT_DOUBLE_EQ) is exact enough and catches any wrong count.
template <class T>
void hand_classification(bool as_targets) {
  // C = 3. Scores, true label -> predicted (argmax, lowest index on ties), rank (# strictly above)
  //   n0 [0.1, 0.7, 0.2] label 1 -> pred 1, rank 0
  //   n1 [0.5, 0.3, 0.2] label 0 -> pred 0, rank 0
  //   n2 [0.2, 0.2, 0.6] label 1 -> pred 2, rank 1 (only 0.6 > 0.2)
  //   n3 [0.4, 0.4, 0.2] label 1 -> pred 0 (tie, lowest index), rank 0 (0.4 is not > 0.4)
  //   n4 [0.3, 0.3, 0.3] label 2 -> pred 0 (three-way tie), rank 0
  // accuracy = 2/5 (n0, n1); top-1 = 4/5 (ranks 0: n0, n1, n3, n4); top-2 = 5/5.
  // confusion (rows true, cols predicted): [[1,0,0], [1,1,1], [1,0,0]]
  // precision = TP/column: [1/3, 1/1, 0/1];  recall = TP/row: [1/1, 1/3, 0/1]
  // F1 = 2PR/(P+R): [2(1/3)/(4/3) = 1/2, 1/2, 0 (P + R = 0)]
  // macro P = (1/3 + 1 + 0)/3 = 4/9, macro R = 4/9, macro F1 = (1/2 + 1/2 + 0)/3 = 1/3
  const double scores[] = {0.1, 0.7, 0.2, 0.5, 0.3, 0.2, 0.2, 0.2, 0.6,
                           0.4, 0.4, 0.2, 0.3, 0.3, 0.3};
  const std::vector<std::size_t> labels = {1, 0, 1, 1, 2};
  ClassificationMetrics<T> m(3);
  for (auto [b, e] : {std::pair<std::size_t, std::size_t>{0, 2}, {2, 5}}) {  // two batches
    const Matrix<T> out = rows_of<T>(scores, 3, b, e);
    if (as_targets) {
      Matrix<T> t(e - b, 3);
      for (std::size_t n = b; n < e; ++n) t(n - b, labels[n]) = 1;
      m.add_batch(out, t);
    } else {
      m.add_batch(out, std::span<const std::size_t>(labels.data() + b, e - b));
    }
  }
  EXPECT_EQ(m.count(), 5u);
  EXPECT_DOUBLE_EQ(m.accuracy(), 0.4);
  EXPECT_DOUBLE_EQ(m.top_k_accuracy(1), 0.8);
  EXPECT_DOUBLE_EQ(m.top_k_accuracy(2), 1.0);
  EXPECT_DOUBLE_EQ(m.top_k_accuracy(7), 1.0);
  const std::vector<std::uint64_t> confusion = {1, 0, 0, 1, 1, 1, 1, 0, 0};
  EXPECT_EQ(m.confusion(), confusion);
  EXPECT_EQ(m.confusion(1, 2), 1u);
  EXPECT_EQ(m.support(1), 3u);
  EXPECT_DOUBLE_EQ(m.precision(0), 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.precision(1), 1.0);
  EXPECT_DOUBLE_EQ(m.precision(2), 0.0);
  EXPECT_DOUBLE_EQ(m.recall(0), 1.0);
  EXPECT_DOUBLE_EQ(m.recall(1), 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.recall(2), 0.0);
  EXPECT_DOUBLE_EQ(m.f1(0), 0.5);
  EXPECT_DOUBLE_EQ(m.f1(1), 0.5);
  EXPECT_DOUBLE_EQ(m.f1(2), 0.0);
  EXPECT_DOUBLE_EQ(m.macro_precision(), 4.0 / 9);
  EXPECT_DOUBLE_EQ(m.macro_recall(), 4.0 / 9);
  EXPECT_DOUBLE_EQ(m.macro_f1(), 1.0 / 3);
  m.reset();
  EXPECT_EQ(m.count(), 0u);
  EXPECT_THROW(m.accuracy(), UsageError);
}
TEST(ClassificationMetrics, HandComputedLabels) {
  hand_classification<float>(false);
  hand_classification<double>(false);
}
TEST(ClassificationMetrics, HandComputedOneHotTargets) {
  hand_classification<float>(true);
  hand_classification<double>(true);
}

template <class T>
void hand_binary() {
  // One sigmoid column y read as scores (1 - y, y):
  //   y 0.9 label 1 -> (0.1, 0.9)  pred 1, rank 0
  //   y 0.2 label 1 -> (0.8, 0.2)  pred 0, rank 1
  //   y 0.5 label 0 -> (0.5, 0.5)  pred 0 (tie, lowest index), rank 0
  //   y 0.6 label 0 -> (0.4, 0.6)  pred 1, rank 1
  // accuracy = 2/4, top-1 = 2/4, top-2 = 1; confusion [[1, 1], [1, 1]]
  const Matrix<T> y(4, 1, {T(0.9), T(0.2), T(0.5), T(0.6)});
  const std::vector<std::size_t> labels = {1, 1, 0, 0};
  const Matrix<T> t(4, 1, {1, 1, 0, 0});  // same labels as targets: class 1 when t > 0.5
  ClassificationMetrics<T> a(2), b(2);
  a.add_batch(y, labels);
  b.add_batch(y, t);
  for (const auto* m : {&a, &b}) {
    EXPECT_DOUBLE_EQ(m->accuracy(), 0.5);
    EXPECT_DOUBLE_EQ(m->top_k_accuracy(1), 0.5);
    EXPECT_DOUBLE_EQ(m->top_k_accuracy(2), 1.0);
    EXPECT_EQ(m->confusion(), (std::vector<std::uint64_t>{1, 1, 1, 1}));
  }
}
TEST(ClassificationMetrics, BinarySingleColumn) {
  hand_binary<float>();
  hand_binary<double>();
}

// The numpy reference (240 samples, 6 classes, many ties, one class never true nor predicted),
// fed in batches of 1, 7, 100 and the rest. Counts are exact; the ratios are single divisions on
// both sides, and the macro means sum 6 terms in the same order, so 4 ulp (EXPECT_DOUBLE_EQ).
template <class T>
void reference_classification() {
  ClassificationMetrics<T> m(ref::kClasses);
  const std::size_t cuts[] = {0, 1, 8, 108, ref::kClassN};
  for (std::size_t k = 0; k + 1 < std::size(cuts); ++k)
    m.add_batch(rows_of<T>(ref::kScores, ref::kClasses, cuts[k], cuts[k + 1]),
                std::span<const std::size_t>(ref::kLabels + cuts[k], cuts[k + 1] - cuts[k]));
  ASSERT_EQ(m.count(), ref::kClassN);
  EXPECT_DOUBLE_EQ(m.accuracy(), ref::kAccuracy);
  for (std::size_t k = 1; k <= ref::kClasses; ++k)
    EXPECT_DOUBLE_EQ(m.top_k_accuracy(k), ref::kTopK[k - 1]) << "k = " << k;
  for (std::size_t i = 0; i < ref::kClasses * ref::kClasses; ++i)
    EXPECT_EQ(m.confusion()[i], ref::kConfusion[i]) << "confusion[" << i << "]";
  for (std::size_t c = 0; c < ref::kClasses; ++c) {
    EXPECT_DOUBLE_EQ(m.precision(c), ref::kPrecision[c]) << "class " << c;
    EXPECT_DOUBLE_EQ(m.recall(c), ref::kRecall[c]) << "class " << c;
    EXPECT_DOUBLE_EQ(m.f1(c), ref::kF1[c]) << "class " << c;
  }
  EXPECT_DOUBLE_EQ(m.macro_precision(), ref::kMacroPrecision);
  EXPECT_DOUBLE_EQ(m.macro_recall(), ref::kMacroRecall);
  EXPECT_DOUBLE_EQ(m.macro_f1(), ref::kMacroF1);
  EXPECT_GT(m.top_k_accuracy(1), m.accuracy());  // the data has ties at the maximum
}
TEST(ClassificationMetrics, MatchesNumpyReference) {
  reference_classification<float>();
  reference_classification<double>();
}

TEST(ClassificationMetrics, Errors) {
  EXPECT_THROW(ClassificationMetrics<double>(1), UsageError);
  ClassificationMetrics<double> m(3);
  // Nothing added: every final value is undefined.
  EXPECT_THROW(m.accuracy(), UsageError);
  EXPECT_THROW(m.top_k_accuracy(1), UsageError);
  EXPECT_THROW(m.precision(0), UsageError);
  EXPECT_THROW(m.macro_f1(), UsageError);
  // An empty batch is accepted and counts nothing.
  m.add_batch(Matrix<double>(0, 3), std::span<const std::size_t>());
  EXPECT_EQ(m.count(), 0u);
  const Matrix<double> out(2, 3, {0.1, 0.2, 0.7, 0.3, 0.3, 0.4});
  const std::vector<std::size_t> bad_label = {0, 3}, one_label = {0};
  EXPECT_THROW(m.add_batch(out, bad_label), UsageError);
  EXPECT_THROW(m.add_batch(out, one_label), UsageError);
  EXPECT_THROW(m.add_batch(Matrix<double>(2, 2), std::vector<std::size_t>{0, 1}), UsageError);
  EXPECT_THROW(m.add_batch(out, Matrix<double>(2, 2)), UsageError);
  try {
    m.add_batch(Matrix<double>(2, 3, {0, 0, 0, 0, NAN, 0}), std::vector<std::size_t>{0, 1});
    FAIL() << "no exception";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("row 1 column 1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(m.count(), 0u);  // a rejected batch counts nothing
  m.add_batch(out, std::vector<std::size_t>{2, 2});
  EXPECT_THROW(m.top_k_accuracy(0), UsageError);
  EXPECT_THROW(m.precision(3), UsageError);
  EXPECT_THROW(m.confusion(0, 3), UsageError);
}

template <class T>
void hand_regression() {
  // O = 2, N = 3 (one batch of 1 row, then one of 2):
  //   y = [[1, 2], [2, 2], [3, 2]],  t = [[1, 2], [3, 2], [5, 2]]
  //   output 0: e = y - t = [0, -1, -2]: MSE = (0 + 1 + 4)/3 = 5/3, MAE = 3/3 = 1,
  //             mean t = 3, SST = 4 + 0 + 4 = 8, R² = 1 - 5/8 = 0.375
  //   output 1: exact predictions of a constant target: MSE 0, MAE 0, R² = 1 (SSE = SST = 0)
  //   averages: MSE 5/6, MAE 1/2, R² (0.375 + 1)/2 = 0.6875
  const double y[] = {1, 2, 2, 2, 3, 2}, t[] = {1, 2, 3, 2, 5, 2};
  RegressionMetrics<T> m(2);
  m.add_batch(rows_of<T>(y, 2, 0, 1), rows_of<T>(t, 2, 0, 1));
  m.add_batch(rows_of<T>(y, 2, 1, 3), rows_of<T>(t, 2, 1, 3));
  EXPECT_EQ(m.count(), 3u);
  EXPECT_DOUBLE_EQ(m.mse(0), 5.0 / 3);
  EXPECT_DOUBLE_EQ(m.mae(0), 1.0);
  EXPECT_DOUBLE_EQ(m.r2(0), 0.375);
  EXPECT_EQ(m.mse(1), 0.0);
  EXPECT_EQ(m.r2(1), 1.0);
  EXPECT_DOUBLE_EQ(m.mse(), 5.0 / 6);
  EXPECT_DOUBLE_EQ(m.mae(), 0.5);
  EXPECT_DOUBLE_EQ(m.r2(), 0.6875);
  // A constant target predicted with any error: R² = 0 by definition (SST = 0, SSE = 0.25).
  RegressionMetrics<T> c(1);
  c.add_batch(Matrix<T>(3, 1, {2, 2, T(2.5)}), Matrix<T>(3, 1, {2, 2, 2}));
  EXPECT_EQ(c.r2(0), 0.0);
  EXPECT_DOUBLE_EQ(c.mse(0), 0.25 / 3);
}
TEST(RegressionMetrics, HandComputed) {
  hand_regression<float>();
  hand_regression<double>();
}

// The numpy reference (150 x 4; outputs 2 and 3 have constant targets), in batches of 1, 7, 100
// and the rest. Inputs are multiples of 1/16, so every error and square is exact and only the
// sums round: numpy sums pairwise, we sum in order and run Welford for SST; each is within
// N * eps = 150 * 2.2e-16 = 3.3e-14 relative of the exact value, so 1e-13 relative covers both.
template <class T>
void reference_regression() {
  RegressionMetrics<T> m(ref::kRegOutputs);
  const std::size_t cuts[] = {0, 1, 8, 108, ref::kRegN};
  for (std::size_t k = 0; k + 1 < std::size(cuts); ++k)
    m.add_batch(rows_of<T>(ref::kRegOutputsData, ref::kRegOutputs, cuts[k], cuts[k + 1]),
                rows_of<T>(ref::kRegTargets, ref::kRegOutputs, cuts[k], cuts[k + 1]));
  auto near = [](double got, double want, const std::string& name) {
    EXPECT_NEAR(got, want, 1e-13 * std::max(1.0, std::abs(want))) << name;
  };
  for (std::size_t o = 0; o < ref::kRegOutputs; ++o) {
    near(m.mse(o), ref::kMse[o], "mse " + std::to_string(o));
    near(m.mae(o), ref::kMae[o], "mae " + std::to_string(o));
    near(m.r2(o), ref::kR2[o], "r2 " + std::to_string(o));
  }
  EXPECT_EQ(m.r2(2), 0.0);  // constant target, wrong predictions
  EXPECT_EQ(m.r2(3), 1.0);  // constant target, exact predictions
  near(m.mse(), ref::kMseMean, "mse mean");
  near(m.mae(), ref::kMaeMean, "mae mean");
  near(m.r2(), ref::kR2Mean, "r2 mean");
}
TEST(RegressionMetrics, MatchesNumpyReference) {
  reference_regression<float>();
  reference_regression<double>();
}

TEST(RegressionMetrics, Errors) {
  EXPECT_THROW(RegressionMetrics<float>(0), UsageError);
  RegressionMetrics<float> m(2);
  EXPECT_THROW(m.mse(), UsageError);  // nothing added
  EXPECT_THROW(m.r2(0), UsageError);
  m.add_batch(Matrix<float>(0, 2), Matrix<float>(0, 2));  // empty batch: accepted, no samples
  EXPECT_EQ(m.count(), 0u);
  EXPECT_THROW(m.add_batch(Matrix<float>(2, 3), Matrix<float>(2, 3)), UsageError);
  EXPECT_THROW(m.add_batch(Matrix<float>(2, 2), Matrix<float>(3, 2)), UsageError);
  m.add_batch(Matrix<float>(1, 2, {1, 2}), Matrix<float>(1, 2, {1, 2}));
  EXPECT_THROW(m.mse(2), UsageError);
  // NaN propagates rather than throws.
  m.add_batch(Matrix<float>(1, 2, {NAN, 2}), Matrix<float>(1, 2, {1, 2}));
  EXPECT_TRUE(std::isnan(m.mse(0)));
  m.reset();
  EXPECT_EQ(m.count(), 0u);
  EXPECT_THROW(m.mae(), UsageError);
}

}  // namespace
}  // namespace bp
