// Unlabelled features for prediction: Dataset::unlabelled (K = 0) through gather, subset and
// split; load_features for each format, its width check, format detection and errors.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>

#include "backprop/data/csv.hpp"
#include "backprop/data/features.hpp"
#include "backprop/core/error.hpp"
#include "testing/data_util.hpp"

namespace bp {
namespace {

using testing::Bytes;
using testing::TempDir;

FeatureOptions width(std::size_t w, bool allow_label = true) {
  FeatureOptions o;
  o.width = w;
  o.allow_label_column = allow_label;
  return o;
}

// Big-endian float32 bytes, as IDX stores them.
Bytes be_f32(std::initializer_list<float> values) {
  Bytes b;
  for (const float v : values) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(bits >> s));
  }
  return b;
}

std::string npy_dict(const char* descr, const char* shape) {
  return std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
}

void expect_features(const Dataset& d, std::size_t n, std::size_t i, const std::vector<float>& values) {
  ASSERT_EQ(d.size(), n);
  ASSERT_EQ(d.features(), i);
  EXPECT_EQ(d.target_width(), 0u);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < i; ++c) EXPECT_EQ(d.feature(r, c), values[r * i + c]) << r << "," << c;
}

// --- Dataset with K = 0 ---------------------------------------------------------------------

TEST(Features, UnlabelledDatasetGathersAnEmptyTarget) {
  const Dataset d = Dataset::unlabelled(2, std::vector<float>{1, 2, 3, 4, 5, 6});
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.target_width(), 0u);
  EXPECT_TRUE(d.targets().empty());
  Matrix<float> x, y;
  const std::size_t rows[] = {2, 0};
  d.gather<float>(rows, x, y);
  EXPECT_EQ(x, Matrix<float>(2, 2, {5, 6, 1, 2}));
  EXPECT_EQ(y.rows(), 2u);
  EXPECT_EQ(y.cols(), 0u);
  Matrix<double> xd, yd;
  d.gather<double>(rows, xd, yd);
  EXPECT_EQ(yd.cols(), 0u);
  const std::size_t bad[] = {3};
  EXPECT_THROW(d.gather<float>(bad, x, y), UsageError);
  EXPECT_THROW(Dataset::unlabelled(4, std::vector<float>{1, 2, 3}), UsageError);  // 3 not a multiple of 4
  EXPECT_THROW(Dataset::unlabelled(0, std::vector<float>{}), UsageError);
}

TEST(Features, UnlabelledSubsetAndSplitKeepKZero) {
  const Dataset d = Dataset::unlabelled(1, std::vector<std::uint8_t>{10, 11, 12, 13, 14});
  const std::size_t rows[] = {4, 1, 4};
  const Dataset s = d.subset(rows);
  expect_features(s, 3, 1, {14, 11, 14});
  EXPECT_EQ(s.feature_type(), FeatureType::kU8);
  const auto parts = d.split(0.4, 7);
  EXPECT_EQ(parts.train.size(), 3u);
  EXPECT_EQ(parts.validation.size(), 2u);
  EXPECT_EQ(parts.train.target_width(), 0u);
  EXPECT_EQ(parts.validation.target_width(), 0u);
  EXPECT_THROW(one_hot_to_classes(d), UsageError);
}

// --- CSV ------------------------------------------------------------------------------------

TEST(Features, CsvEveryFieldIsAFeature) {
  TempDir t;
  expect_features(load_features(t.write("x.csv", "1,2\n3,4.5\n-1e2,0\n")), 3, 2, {1, 2, 3, 4.5f, -100, 0});
  expect_features(load_features(t.write("y.csv", "1,2\n3,4.5\n"), width(2)), 2, 2, {1, 2, 3, 4.5f});
}

TEST(Features, CsvHeaderAutoAndForced) {
  TempDir t;
  const std::string p = t.write("h.csv", "a,b\n1,2\n3,4\n");
  expect_features(load_features(p, width(2)), 2, 2, {1, 2, 3, 4});
  // A header over a label column, whose name is the only non-number.
  expect_features(load_features(t.write("hl.csv", "1,2,label\n5,6,cat\n"), width(2)), 2, 2, {1, 2, 5, 6});
  FeatureOptions yes = width(2);
  yes.header = CsvOptions::Header::kYes;
  expect_features(load_features(t.write("n.csv", "1,2\n3,4\n"), yes), 1, 2, {3, 4});
  FeatureOptions no = width(2);
  no.header = CsvOptions::Header::kNo;
  EXPECT_DATA_ERROR(load_features(p, no), "h.csv:1", "column 1", "expected a number, found 'a'");
}

TEST(Features, CsvTrailingLabelColumnIsSkippedEvenWhenNotANumber) {
  TempDir t;
  expect_features(load_features(t.write("x.csv", "1,2,cat\n3,4,dog\n"), width(2)), 2, 2, {1, 2, 3, 4});
  expect_features(load_features(t.write("z.csv", "x1,x2,y\n1,2,0.5\n"), width(2)), 1, 2, {1, 2});
  // Not allowed: width + 1 fields are a width error naming the line.
  EXPECT_DATA_ERROR(load_features(t.write("x2.csv", "1,2,3\n"), width(2, false)), "x2.csv:1",
                    "expected 2 features per sample (the model's input)", "found 3 fields");
  // Width 0: the label column is read as a feature, so a non-number is an error.
  EXPECT_DATA_ERROR(load_features(t.write("x3.csv", "1,2,3\n4,5,cat\n")), "x3.csv:2", "column 3",
                    "expected a number, found 'cat'");
}

TEST(Features, CsvOfTheWrongWidthNamesTheLineAndBothCounts) {
  TempDir t;
  EXPECT_DATA_ERROR(load_features(t.write("w.csv", "1,2,3,4,5\n"), width(2)), "w.csv:1",
                    "expected 2 features per sample (the model's input), or 3 fields with a label",
                    "found 5 fields");
  EXPECT_DATA_ERROR(load_features(t.write("v.csv", "7\n"), width(2)), "v.csv:1", "found 1 fields");
}

TEST(Features, CsvRaggedNaNAndInfRowsAreErrors) {
  TempDir t;
  EXPECT_DATA_ERROR(load_features(t.write("r.csv", "1,2\n3\n"), width(2)), "r.csv:2", "expected 2 fields, found 1");
  EXPECT_DATA_ERROR(load_features(t.write("r2.csv", "1,2,a\n3,4\n"), width(2)), "r2.csv:2",
                    "expected 3 fields, found 2");
  EXPECT_DATA_ERROR(load_features(t.write("n.csv", "1,2\nnan,3\n")), "n.csv:2", "column 1", "finite", "'nan'");
  EXPECT_DATA_ERROR(load_features(t.write("i.csv", "1,-inf\n")), "i.csv:1", "column 2", "finite");
  EXPECT_DATA_ERROR(load_features(t.write("e.csv", "a,b\n")), "e.csv", "at least one data row");
}

TEST(Features, CsvDelimitersTsvAndGzip) {
  TempDir t;
  expect_features(load_features(t.write("x.tsv", "1\t2\n3\t4\n"), width(2)), 2, 2, {1, 2, 3, 4});
  FeatureOptions semi = width(2);
  semi.delimiter = ';';
  expect_features(load_features(t.write("s.txt", "1;2\n"), semi), 1, 2, {1, 2});
  const std::string text = "a,b\n1,2\n3,4\n";
  const std::string gz = t.write_gz("x.csv.gz", Bytes(text.begin(), text.end()));
  expect_features(load_features(gz, width(2)), 2, 2, {1, 2, 3, 4});
  Bytes cut = testing::read_bytes(gz);
  cut.resize(cut.size() - 6);  // loses part of the trailer: a truncated stream
  EXPECT_DATA_ERROR(load_features(t.write("cut.csv.gz", cut)), "cut.csv.gz: byte", "gzip");
}

// --- IDX ------------------------------------------------------------------------------------

TEST(Features, IdxImagesU8AndF32) {
  TempDir t;
  const Dataset d = load_features(t.write("img-idx3-ubyte", testing::idx_bytes(0x08, {2, 1, 3}, {1, 2, 3, 4, 5, 6})),
                                  width(3));
  EXPECT_EQ(d.feature_type(), FeatureType::kU8);
  expect_features(d, 2, 3, {1, 2, 3, 4, 5, 6});
  const Dataset f = load_features(t.write_gz("f-idx2-ubyte.gz", testing::idx_bytes(0x0D, {2, 2}, be_f32({0.5f, -1, 2, 3}))));
  EXPECT_EQ(f.feature_type(), FeatureType::kF32);
  expect_features(f, 2, 2, {0.5f, -1, 2, 3});
}

TEST(Features, IdxWidthTruncatedAndNaN) {
  TempDir t;
  const std::string p = t.write("a.idx", testing::idx_bytes(0x08, {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_DATA_ERROR(load_features(p, width(3)), "a.idx: expected 3 features per sample (the model's input), found 4");
  EXPECT_DATA_ERROR(load_features(t.write("short-idx", testing::idx_bytes(0x08, {2, 3}, {1, 2, 3}))), "short-idx: byte 15",
                    "truncated");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_DATA_ERROR(load_features(t.write("n-idx", testing::idx_bytes(0x0D, {1, 2}, be_f32({1, nan})))), "n-idx: byte 16",
                    "finite");
  EXPECT_DATA_ERROR(load_features(t.write("m-idx", Bytes{1, 2, 8, 1})), "m-idx: byte 0", "magic");
}

// --- NPY ------------------------------------------------------------------------------------

TEST(Features, NpyU8StaysU8AndOthersBecomeF32) {
  TempDir t;
  const Dataset u = load_features(t.write("x.npy", testing::npy_bytes(npy_dict("|u1", "(2, 2)"), {7, 8, 9, 10})), width(2));
  EXPECT_EQ(u.feature_type(), FeatureType::kU8);
  expect_features(u, 2, 2, {7, 8, 9, 10});
  const std::string p3 =
      t.write("f.npy", testing::npy_bytes(npy_dict("<f8", "(1, 2, 2)"), testing::le_bytes<double>({1.5, -2, 3, 4})));
  // More than 2 dimensions: refused, naming the shape, unless flattening is asked for.
  EXPECT_DATA_ERROR(load_features(p3), "f.npy: byte 128: expected features of 1 or 2 dimensions (samples x values), "
                                       "found shape (1, 2, 2); reshape it to (1, 4) first");
  FeatureOptions flat;
  flat.flatten = true;
  const Dataset f = load_features(p3, flat);
  EXPECT_EQ(f.feature_type(), FeatureType::kF32);
  expect_features(f, 1, 4, {1.5f, -2, 3, 4});
  const Dataset i = load_features(t.write("i.npy", testing::npy_bytes(npy_dict("<i4", "(3,)"), testing::le_bytes<std::int32_t>({1, -2, 3}))));
  expect_features(i, 3, 1, {1, -2, 3});
}

TEST(Features, NpyWidthAndNaN) {
  TempDir t;
  const std::string p = t.write("x.npy", testing::npy_bytes(npy_dict("<f4", "(1, 3)"), testing::le_bytes<float>({1, 2, 3})));
  EXPECT_DATA_ERROR(load_features(p, width(2)), "x.npy: expected 2 features per sample (the model's input), found 3");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_DATA_ERROR(load_features(t.write("n.npy", testing::npy_bytes(npy_dict("<f4", "(1, 2)"), testing::le_bytes<float>({1, nan})))),
                    "n.npy: byte 132", "finite");
}

// --- FANN -----------------------------------------------------------------------------------

TEST(Features, FannInputsOnly) {
  TempDir t;
  const std::string p = t.write("xor.data", "2 2 1\n0 1\n1\n1 1\n-1\n");
  const Dataset d = load_features(p, width(2));
  EXPECT_EQ(d.feature_type(), FeatureType::kF32);
  expect_features(d, 2, 2, {0, 1, 1, 1});
  EXPECT_DATA_ERROR(load_features(p, width(3)), "xor.data: expected 3 features per sample (the model's input), found 2");
  EXPECT_DATA_ERROR(load_features(t.write("b.fann", "1 2 1\n0 nan\n1\n")), "b.fann:2", "finite");
}

// --- format choice and options ----------------------------------------------------------------

TEST(Features, DetectsTheFormatFromTheName) {
  EXPECT_EQ(detect_feature_format("dir/a.CSV"), "csv");
  EXPECT_EQ(detect_feature_format("a.tsv.gz"), "csv");
  EXPECT_EQ(detect_feature_format("a.txt"), "csv");
  EXPECT_EQ(detect_feature_format("a.npy"), "npy");
  EXPECT_EQ(detect_feature_format("a.data"), "fann");
  EXPECT_EQ(detect_feature_format("a.fann"), "fann");
  EXPECT_EQ(detect_feature_format("a.train"), "fann");
  EXPECT_EQ(detect_feature_format("a.test"), "fann");
  EXPECT_EQ(detect_feature_format("t10k-images-idx3-ubyte.gz"), "idx");
  EXPECT_EQ(detect_feature_format("images-ubyte"), "idx");
  EXPECT_EQ(detect_feature_format("x.idx"), "idx");
  EXPECT_USAGE_ERROR(detect_feature_format("idx/a.bin"), "idx/a.bin", "cannot tell the format");
}

TEST(Features, ExplicitFormatOptionsAndMissingFiles) {
  TempDir t;
  FeatureOptions csv = width(2);
  csv.format = "csv";
  expect_features(load_features(t.write("x.bin", "1,2\n"), csv), 1, 2, {1, 2});
  EXPECT_USAGE_ERROR(load_features(t.path("x.bin")), "x.bin", "cannot tell the format");
  FeatureOptions fann;
  fann.format = "fann";
  EXPECT_DATA_ERROR(load_features(t.path("x.bin"), fann), "x.bin:1", "header");
  EXPECT_NO_INPUT_ERROR(load_features(t.path("missing.csv")), "missing.csv");
  EXPECT_NO_INPUT_ERROR(load_features(t.path("missing.bin")), "missing.bin");
  FeatureOptions bad;
  bad.format = "json";
  EXPECT_USAGE_ERROR(bad.validate(), "format = 'json'");
  EXPECT_USAGE_ERROR(load_features(t.path("x.bin"), bad), "format = 'json'");
  bad = FeatureOptions{};
  bad.delimiter = '|';
  EXPECT_USAGE_ERROR(bad.validate(), "delimiter = '|'");
}

}  // namespace
}  // namespace bp
