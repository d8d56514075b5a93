// Unlabelled features for prediction: CSV (with and without a trailing label column), IDX images
// only, NPY features only, and Dataset::unlabelled itself.
#include <gtest/gtest.h>

#include "backprop/data/csv.hpp"
#include "backprop/data/idx.hpp"
#include "backprop/data/npy.hpp"
#include "backprop/error.hpp"
#include "data/data_test_util.hpp"

namespace bp {
namespace {

using testing::Bytes;
using testing::TempDir;

CsvOptions features_only(std::size_t width) {
  CsvOptions o;
  o.features_only = true;
  o.features = width;
  return o;
}

TEST(Features, UnlabelledDatasetGathersAnEmptyTarget) {
  const Dataset d = Dataset::unlabelled(2, std::vector<float>{1, 2, 3, 4, 5, 6});
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.target_width(), 0u);
  Matrix<float> x, y;
  const std::size_t rows[] = {2, 0};
  d.gather<float>(rows, x, y);
  EXPECT_EQ(x, Matrix<float>(2, 2, {5, 6, 1, 2}));
  EXPECT_EQ(y.rows(), 2u);
  EXPECT_EQ(y.cols(), 0u);
  EXPECT_THROW(Dataset::unlabelled(4, std::vector<float>{1, 2, 3}), UsageError);  // 3 not a multiple of 4
}

TEST(Features, CsvWithoutLabels) {
  TempDir t;
  const Dataset d = load_csv(t.write("x.csv", "a,b\n1,2\n3,4.5\n"), features_only(2));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.features(), 2u);
  EXPECT_EQ(d.feature(1, 1), 4.5f);
}

TEST(Features, CsvTrailingLabelColumnIsSkippedEvenWhenNotANumber) {
  TempDir t;
  const Dataset d = load_csv(t.write("x.csv", "1,2,cat\n3,4,dog\n"), features_only(2));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.feature(1, 0), 3.0f);
}

TEST(Features, CsvOfTheWrongWidthNamesBothCounts) {
  TempDir t;
  const std::string p = t.write("w.csv", "1,2,3,4,5\n");
  EXPECT_DATA_ERROR(load_csv(p, features_only(2)), "w.csv:1", "expected 2 features", "found 5 columns");
}

TEST(Features, CsvRaggedAndNaNRowsAreErrors) {
  TempDir t;
  EXPECT_DATA_ERROR(load_csv(t.write("r.csv", "1,2\n3\n"), features_only(2)), "r.csv:2", "expected 2 fields, found 1");
  EXPECT_DATA_ERROR(load_csv(t.write("n.csv", "1,2\nnan,3\n"), features_only(2)), "n.csv:2", "finite");
}

TEST(Features, IdxImagesOnly) {
  TempDir t;
  const Dataset d = load_idx_images(t.write("img", testing::idx_bytes(0x08, {2, 1, 3}, {1, 2, 3, 4, 5, 6})));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.features(), 3u);
  EXPECT_EQ(d.feature_type(), FeatureType::kU8);
  EXPECT_EQ(d.feature(1, 2), 6.0f);
  EXPECT_DATA_ERROR(load_idx_images(t.write("short", testing::idx_bytes(0x08, {2, 3}, {1, 2, 3}))), "short");
}

TEST(Features, NpyFeaturesOnly) {
  TempDir t;
  const Dataset d = load_npy_features(
      t.write("x.npy", testing::npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", {7, 8, 9, 10})));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.feature_type(), FeatureType::kU8);
  EXPECT_EQ(d.feature(1, 0), 9.0f);
}

}  // namespace
}  // namespace bp
