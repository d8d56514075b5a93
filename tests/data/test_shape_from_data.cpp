// Sizes, loss and budget from the data (bp::shape_from_data, bp::default_epochs) and the task rule
// for label columns (bp::real_valued_label, bp::labels_to_regression), with the one-output target
// of two-class data (Dataset::use_single_binary_target). Expected values follow from the rules in
// the headers by hand.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backprop/data/task.hpp"
#include "backprop/data/shape_from_data.hpp"

namespace bp {
namespace {

using Sizes = std::vector<std::size_t>;

Dataset classes(std::size_t features, std::vector<std::string> names) {
  const std::size_t n = names.size();
  std::vector<std::uint32_t> labels(n);
  for (std::size_t k = 0; k < n; ++k) labels[k] = static_cast<std::uint32_t>(k);
  return Dataset::classification(features, std::vector<float>(n * features, 1.0f), labels, std::move(names));
}

Dataset regression(std::size_t features, std::size_t targets) {
  return Dataset::regression(features, std::vector<float>(2 * features, 1.0f), targets,
                             std::vector<float>(2 * targets, 0.5f));
}

TEST(ShapeFromData, DefaultHiddenLayerAndOutputsFromTheData) {
  const NetworkShape s = shape_from_data(classes(4, {"a", "b", "c"}), {});
  EXPECT_EQ(s.sizes, (Sizes{4, 100, 3}));
  EXPECT_EQ(s.loss, Loss::kSoftmaxCrossEntropy);
  EXPECT_FALSE(s.single_binary_output);
}

TEST(ShapeFromData, TwoClassesGetOneSigmoidOutputUnlessSoftmaxIsAsked) {
  const Dataset two = classes(3, {"no", "yes"});
  const NetworkShape s = shape_from_data(two, {});
  EXPECT_EQ(s.sizes, (Sizes{3, 100, 1}));
  EXPECT_EQ(s.loss, Loss::kBinaryCrossEntropy);
  EXPECT_TRUE(s.single_binary_output);
  const NetworkShape ce = shape_from_data(two, {.loss = Loss::kSoftmaxCrossEntropy});
  EXPECT_EQ(ce.sizes, (Sizes{3, 100, 2}));
  EXPECT_FALSE(ce.single_binary_output);
  const NetworkShape given = shape_from_data(two, {.layers = Sizes{3, 5, 1}});
  EXPECT_TRUE(given.single_binary_output);
  EXPECT_EQ(given.loss, Loss::kBinaryCrossEntropy);
  const NetworkShape pair = shape_from_data(two, {.layers = Sizes{3, 5, 2}});
  EXPECT_EQ(pair.loss, Loss::kSoftmaxCrossEntropy);
}

TEST(ShapeFromData, RegressionTakesMseAndOneOutputPerTarget) {
  const NetworkShape s = shape_from_data(regression(5, 2), {.hidden = Sizes{64, 32}});
  EXPECT_EQ(s.sizes, (Sizes{5, 64, 32, 2}));
  EXPECT_EQ(s.loss, Loss::kMse);
}

TEST(ShapeFromData, GivenLayersAreCheckedAgainstTheData) {
  const Dataset iris = classes(4, {"a", "b", "c"});
  try {
    shape_from_data(iris, {.layers = Sizes{784, 256, 10}});
    FAIL() << "no error";
  } catch (const DataShapeError& e) {
    EXPECT_EQ(e.key, "layers");
    EXPECT_NE(e.detail.find("the first size is 784 but the data has 4 features"), std::string::npos) << e.detail;
    EXPECT_NE(e.detail.find("--hidden 256"), std::string::npos) << e.detail;
  }
  try {
    shape_from_data(iris, {.layers = Sizes{4, 256, 10}});
    FAIL() << "no error";
  } catch (const DataShapeError& e) {
    EXPECT_NE(e.detail.find("the last size is 10 but the data has 3 classes"), std::string::npos) << e.detail;
  }
  EXPECT_THROW(shape_from_data(iris, {.layers = Sizes{4, 1}}), DataShapeError);  // 1 output: two classes only
  try {
    shape_from_data(iris, {.layers = Sizes{4, 8, 3}, .hidden = Sizes{9}});
    FAIL() << "no error";
  } catch (const DataShapeError& e) {
    EXPECT_EQ(e.key, "hidden");
  }
  EXPECT_EQ(shape_from_data(iris, {.layers = Sizes{4, 8, 3}, .hidden = Sizes{8}}).sizes, (Sizes{4, 8, 3}));
  try {
    shape_from_data(classes(2, {"a", "b"}), {.layers = Sizes{2, 1}, .loss = Loss::kSoftmaxCrossEntropy});
    FAIL() << "no error";
  } catch (const DataShapeError& e) {
    EXPECT_EQ(e.key, "loss");
  }
  EXPECT_THROW(shape_from_data(iris, {.hidden = Sizes{8, 0}}), DataShapeError);
}

TEST(ShapeFromData, DefaultEpochsGiveAtLeast200EpochsAnd1000Steps) {
  EXPECT_EQ(default_epochs(112, 200), 1000u);    // iris: one batch per epoch
  EXPECT_EQ(default_epochs(426, 200), 334u);     // 3 batches: ceil(1000 / 3)
  EXPECT_EQ(default_epochs(1347, 200), 200u);    // 7 batches: 200 epochs are 1400 steps
  EXPECT_EQ(default_epochs(60000, 128), 200u);
  EXPECT_EQ(default_epochs(50, 0), 1000u);       // full batch
}

TEST(TaskFromLabels, RealNumbersAreTargetsIntegersAndNamesAreClasses) {
  EXPECT_EQ(real_valued_label(classes(1, {"-1", "0.25", "3"})), std::optional<std::string>("0.25"));
  EXPECT_EQ(real_valued_label(classes(1, {"1", "2", "3"})), std::nullopt);
  EXPECT_EQ(real_valued_label(classes(1, {"2.0", "3"})), std::nullopt);  // integral values
  EXPECT_EQ(real_valued_label(classes(1, {"0.5", "setosa"})), std::nullopt);  // a name: classes
  EXPECT_EQ(real_valued_label(regression(1, 1)), std::nullopt);
}

TEST(TaskFromLabels, LabelsToRegressionTakesTheNumbers) {
  const Dataset d = Dataset::classification(1, std::vector<float>{1, 2, 3}, {1, 0, 1}, {"-0.5", "2.25"});
  const Dataset r = labels_to_regression(d);
  ASSERT_FALSE(r.is_classification());
  EXPECT_EQ(r.target_width(), 1u);
  EXPECT_EQ(std::vector<float>(r.targets().begin(), r.targets().end()), (std::vector<float>{2.25f, -0.5f, 2.25f}));
  EXPECT_EQ(r.feature(2, 0), 3.0f);
  EXPECT_THROW(labels_to_regression(classes(1, {"1", "x"})), DataError);
}

TEST(SingleBinaryTarget, ZeroOrOneForTheTwoClassesInNameOrder) {
  Dataset d = Dataset::classification(1, std::vector<float>{1, 2, 3}, {1, 0, 1}, {"no", "yes"});
  d.use_single_binary_target();
  EXPECT_EQ(d.target_width(), 1u);
  Matrix<double> x, y;
  const std::vector<std::size_t> rows{0, 1, 2};
  d.gather<double>(rows, x, y);
  ASSERT_EQ(y.cols(), 1u);
  EXPECT_EQ(y(0, 0), 1.0);
  EXPECT_EQ(y(1, 0), 0.0);
  EXPECT_EQ(y(2, 0), 1.0);
  const std::vector<std::size_t> some{1};
  EXPECT_TRUE(d.subset(some).single_binary_target());
  Dataset three = classes(1, {"a", "b", "c"});
  EXPECT_THROW(three.use_single_binary_target(), UsageError);
}

}  // namespace
}  // namespace bp
