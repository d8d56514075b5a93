// CSV column names: what the loader records (Dataset::columns), matching a model's columns by
// header name (CsvOptions::feature_names), the positional fallback without a header, and the
// hints for a wrong delimiter or decimal commas.
#include <gtest/gtest.h>

#include "backprop/data/csv.hpp"
#include "backprop/data/features.hpp"
#include "testing/data_util.hpp"

namespace bp {
namespace {

using testing::TempDir;

std::vector<float> row(const Dataset& d, std::size_t n) {
  std::vector<float> v;
  for (std::size_t i = 0; i < d.features(); ++i) v.push_back(d.feature(n, i));
  return v;
}

TEST(CsvColumns, HeaderNamesAreRecorded) {
  TempDir t;
  CsvOptions o;
  o.label_name = "species";
  const Dataset d = load_csv(t.write("i.csv", "species,sepal,petal\nsetosa,5.1,1.4\nvirginica,6,2\n"), o);
  EXPECT_EQ(d.columns().features, (std::vector<std::string>{"sepal", "petal"}));
  EXPECT_EQ(d.columns().label, "species");
  EXPECT_EQ(d.columns().label_index, 0);
  EXPECT_TRUE(d.columns().targets.empty());
  // A subset (the training part of a split) keeps them.
  const std::size_t first = 0;
  EXPECT_EQ(d.subset({&first, 1}).columns(), d.columns());

  CsvOptions r;
  r.task = Task::kRegression;
  r.target_names = {"y"};
  const Dataset g = load_csv(t.write("r.csv", "y,x1,x2\n1,2,3\n4,5,6\n"), r);
  EXPECT_EQ(g.columns().features, (std::vector<std::string>{"x1", "x2"}));
  EXPECT_EQ(g.columns().targets, (std::vector<std::string>{"y"}));
  EXPECT_EQ(g.columns().label_index, -1);
}

TEST(CsvColumns, WithoutAHeaderOnlyTheLabelIndexIsRecorded) {
  TempDir t;
  CsvOptions o;
  o.label_index = 1;
  const Dataset d = load_csv(t.write("n.csv", "1,a,2\n3,b,4\n"), o);
  EXPECT_TRUE(d.columns().features.empty());
  EXPECT_EQ(d.columns().label, "");
  EXPECT_EQ(d.columns().label_index, 1);
}

TEST(CsvColumns, AHeaderNamingAColumnTwiceIsRefused) {
  TempDir t;
  EXPECT_DATA_ERROR(load_csv(t.write("d.csv", "x,x,label\n1,2,a\n")),
                    "d.csv:1: column 2: the header names 'x' twice (also column 1)");
}

// Reading data for a model trained on columns (x, y) with the label "label".
CsvOptions for_model() {
  CsvOptions o;
  o.feature_names = {"x", "y"};
  o.label_name = "label";
  o.class_names = {"a", "b"};
  return o;
}

TEST(CsvColumns, ColumnsAreMatchedByNameInAnyOrder) {
  TempDir t;
  // Features swapped, the label first and an extra text column: matched by name, extra ignored.
  const Dataset d = load_csv(t.write("m.csv", "label,id,y,x\nb,row-1,20,10\na,row-2,40,30\n"), for_model());
  ASSERT_EQ(d.features(), 2u);
  EXPECT_EQ(row(d, 0), (std::vector<float>{10, 20}));
  EXPECT_EQ(row(d, 1), (std::vector<float>{30, 40}));
  EXPECT_EQ(d.labels()[0], 1u);
  EXPECT_EQ(d.labels()[1], 0u);
  EXPECT_EQ(d.columns().features, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(d.columns().label_index, 0);
}

TEST(CsvColumns, AMissingFeatureColumnIsNamed) {
  TempDir t;
  EXPECT_DATA_ERROR(load_csv(t.write("m.csv", "x,z,label\n1,2,a\n"), for_model()),
                    "m.csv:1: feature column 'y' not found in the header (x, z, label)");
  EXPECT_DATA_ERROR(load_csv(t.write("l.csv", "x,y,kind\n1,2,a\n"), for_model()),
                    "l.csv:1: label column 'label' not found in the header (x, y, kind)");
  EXPECT_DATA_ERROR(load_csv(t.write("t.csv", "x,y,y,label\n1,2,3,a\n"), for_model()),
                    "t.csv:1: the header names 'y' twice");
}

TEST(CsvColumns, WithoutAHeaderColumnsAreMatchedByPosition) {
  TempDir t;
  CsvOptions o = for_model();
  o.label_index = 0;  // where the training file had its label
  const Dataset d = load_csv(t.write("p.csv", "b,1,2\na,3,4\n"), o);
  EXPECT_EQ(row(d, 0), (std::vector<float>{1, 2}));
  EXPECT_EQ(d.labels()[0], 1u);
  // A headerless file with another feature count names both counts.
  EXPECT_DATA_ERROR(load_csv(t.write("w.csv", "b,1,2,3\n"), o),
                    "w.csv:1: expected 2 features per sample (the model's input), found 3");
  // --header no with a model's names is not a usage error: the names are for files with a header.
  o.header = CsvOptions::Header::kNo;
  EXPECT_EQ(load_csv(t.write("q.csv", "b,1,2\n"), o).size(), 1u);
}

TEST(CsvColumns, RegressionTargetsAreMatchedByName) {
  TempDir t;
  CsvOptions o;
  o.task = Task::kRegression;
  o.feature_names = {"x"};
  o.target_names = {"y"};
  const Dataset d = load_csv(t.write("r.csv", "y,note,x\n0.5,hello,2\n"), o);
  EXPECT_EQ(d.feature(0, 0), 2.0f);
  EXPECT_EQ(d.targets()[0], 0.5f);
}

TEST(CsvColumns, PredictInputsAreMatchedByNameOrByPosition) {
  TempDir t;
  FeatureOptions o;
  o.width = 2;
  o.feature_names = {"x", "y"};
  const Dataset d = load_features(t.write("f.csv", "y,label,x\n2,north,1\n"), o);
  EXPECT_EQ(row(d, 0), (std::vector<float>{1, 2}));
  EXPECT_DATA_ERROR(load_features(t.write("g.csv", "x,label\n1,a\n"), o),
                    "g.csv:1: feature column 'y' not found in the header (x, label)");
  // Without a header: by position; a row with one more field drops the model's label column.
  o.label_index = 0;
  const Dataset p = load_features(t.write("h.csv", "north,1,2\n"), o);
  EXPECT_EQ(row(p, 0), (std::vector<float>{1, 2}));
}

TEST(CsvColumns, DecimalCommasAndOtherDelimitersGetAHint) {
  TempDir t;
  CsvOptions semicolon;
  semicolon.delimiter = ';';
  EXPECT_DATA_ERROR(load_csv(t.write("s.csv", "a;b;species\n1,5;2,3;setosa\n"), semicolon),
                    "s.csv:2: column 1 ('a'): expected a number, found '1,5'; decimal commas are not supported: "
                    "write '1.5' (a decimal point)");
  // The same file read with the default ',': one field in the header row.
  EXPECT_DATA_ERROR(load_csv(t.write("c.csv", "a;b;species\n1,5;2,3;setosa\n")),
                    "c.csv:1: expected more than 1 fields (features + label), found 1; it holds ';': if the file is "
                    "';'-delimited, give that delimiter (--delimiter ';'); decimal commas (1,5) are not supported");
  EXPECT_DATA_ERROR(load_csv(t.write("d.csv", "x,y,label\n1;2,3,a\n")),
                    "d.csv:2: column 1 ('x'): expected a number, found '1;2'; it holds ';'");
  EXPECT_DATA_ERROR(load_csv(t.write("t.csv", "x,y,label\n1\t2,3,a\n")),
                    "found '1\\x092'; it holds tab: if the file is tab-delimited, give that delimiter (--delimiter tab)");
  // No hint where nothing suggests one.
  try {
    load_csv(t.write("n.csv", "x,y,label\nabc,3,a\n"));
    ADD_FAILURE();
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()).find("delimiter"), std::string::npos) << e.what();
  }
}

TEST(CsvColumns, DatasetRefusesNamesThatDoNotFit) {
  Dataset d = Dataset::classification(2, std::vector<float>{1, 2}, {0}, {"a"});
  ColumnNames c;
  c.features = {"x"};
  EXPECT_USAGE_ERROR(d.set_columns(c), "1 feature names for 2 features");
  c = {};
  c.targets = {"t"};
  EXPECT_USAGE_ERROR(d.set_columns(c), "1 target names");
  Dataset r = Dataset::regression(1, std::vector<float>{1}, 1, {2});
  c = {};
  c.label = "y";
  EXPECT_USAGE_ERROR(r.set_columns(c), "a label column for regression data");
  c = {};
  c.features = {"x"};
  c.targets = {"y"};
  r.set_columns(c);
  EXPECT_EQ(r.columns().targets[0], "y");
}

}  // namespace
}  // namespace bp
