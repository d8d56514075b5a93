// CSV loader: header detection, label/target selection, quoting, and one test per error.
#include "backprop/data/csv.hpp"

#include <gtest/gtest.h>

#include "testing/data_util.hpp"

namespace bp {
namespace {

using testing::TempDir;

TEST(Csv, HeaderAutoStringLabelsSorted) {
  TempDir t;
  const auto p = t.write("iris.csv",
                         "sepal,petal,species\n5.1,1.4,virginica\n4.9,+1.5e0,setosa\n"
                         "6.0,-2,virginica\n");
  const Dataset d = load_csv(p);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d.features(), 2u);
  EXPECT_EQ(d.class_names(), (std::vector<std::string>{"setosa", "virginica"}));
  EXPECT_EQ(d.labels()[0], 1u);
  EXPECT_EQ(d.labels()[1], 0u);
  EXPECT_FLOAT_EQ(d.feature(1, 1), 1.5f);
  EXPECT_FLOAT_EQ(d.feature(2, 1), -2.0f);
}

TEST(Csv, NoHeaderNumericLabelsSortNumerically) {
  TempDir t;
  // Label in column 0; "10" must sort after "9" (numeric order, not byte order).
  const auto p = t.write("d.csv", "10,1,2\n9,3,4\n2,5,6\n");
  CsvOptions o;
  o.label_index = 0;
  const Dataset d = load_csv(p, o);
  EXPECT_EQ(d.class_names(), (std::vector<std::string>{"2", "9", "10"}));
  EXPECT_EQ(d.labels()[0], 2u);
  EXPECT_FLOAT_EQ(d.feature(0, 0), 1.0f);
  EXPECT_FLOAT_EQ(d.feature(2, 1), 6.0f);
}

TEST(Csv, QuotesCrlfAndTrailingBlankLines) {
  TempDir t;
  const auto p = t.write("q.csv",
                         "x,\"y, quoted\",label\r\n1,2,\"say \"\"hi\"\"\"\r\n3,\"4\",\"a,b\"\r\n\r\n\n");
  const Dataset d = load_csv(p);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.class_names(), (std::vector<std::string>{"a,b", "say \"hi\""}));
  EXPECT_EQ(d.labels()[0], 1u);
  EXPECT_FLOAT_EQ(d.feature(1, 1), 4.0f);
}

TEST(Csv, TabAndSemicolonDelimiters) {
  TempDir t;
  CsvOptions o;
  o.delimiter = '\t';
  EXPECT_EQ(load_csv(t.write("t.tsv", "1\t2\tx\n3\t4\ty\n"), o).size(), 2u);
  o.delimiter = ';';
  const Dataset d = load_csv(t.write("s.csv", "a;b;c\n1.5;2;x\n"), o);
  EXPECT_EQ(d.features(), 2u);
  EXPECT_EQ(d.class_names()[0], "x");
  o.delimiter = '|';
  EXPECT_USAGE_ERROR(load_csv(t.write("s.csv", "1;x\n"), o), "delimiter");
}

TEST(Csv, LabelByNameAndNegativeIndex) {
  TempDir t;
  const auto p = t.write("n.csv", "a,label,b\n1,x,2\n3,y,4\n");
  CsvOptions o;
  o.label_name = "label";
  const Dataset d = load_csv(p, o);
  EXPECT_EQ(d.features(), 2u);
  EXPECT_FLOAT_EQ(d.feature(1, 1), 4.0f);
  EXPECT_EQ(d.labels()[1], 1u);
  CsvOptions neg;
  neg.label_index = -2;
  EXPECT_EQ(load_csv(p, neg).class_names(), (std::vector<std::string>{"x", "y"}));
}

TEST(Csv, GivenClassNamesFixTheMapping) {
  TempDir t;
  CsvOptions o;
  o.class_names = {"z", "y", "x"};
  const Dataset d = load_csv(t.write("c.csv", "1,x\n2,z\n"), o);
  EXPECT_EQ(d.classes(), 3u);
  EXPECT_EQ(d.labels()[0], 2u);
  EXPECT_EQ(d.labels()[1], 0u);
  EXPECT_DATA_ERROR(load_csv(t.write("u.csv", "1,x\n2,w\n"), o), "u.csv:2:", "column 2",
                    "'w' is not one of the 3 given class names");
}

TEST(Csv, RegressionLastKAndNamed) {
  TempDir t;
  const auto p = t.write("r.csv", "a,b,t1,t2\n1,2,3,4\n5,6,7,8\n");
  CsvOptions o;
  o.task = Task::kRegression;
  o.target_columns = 2;
  const Dataset d = load_csv(p, o);
  EXPECT_FALSE(d.is_classification());
  EXPECT_EQ(d.features(), 2u);
  EXPECT_EQ(d.target_width(), 2u);
  EXPECT_FLOAT_EQ(d.targets()[3], 8.0f);
  CsvOptions named;
  named.task = Task::kRegression;
  named.target_names = {"t2", "a"};
  const Dataset e = load_csv(p, named);
  EXPECT_EQ(e.features(), 2u);  // b, t1
  EXPECT_FLOAT_EQ(e.targets()[0], 4.0f);
  EXPECT_FLOAT_EQ(e.targets()[1], 1.0f);
  EXPECT_FLOAT_EQ(e.feature(1, 1), 7.0f);
  named.target_names = {"nope"};
  EXPECT_DATA_ERROR(load_csv(p, named), "r.csv:1:", "target column 'nope' not found");
}

// ---- malformed files ----

TEST(CsvErrors, RaggedRow) {
  TempDir t;
  EXPECT_DATA_ERROR(load_csv(t.write("train.csv", "a,b,c\n1,2,x\n3,4\n")), "train.csv:3:",
                    "expected 3 fields, found 2");
}

TEST(CsvErrors, BadNumberNamesColumn) {
  TempDir t;
  EXPECT_DATA_ERROR(load_csv(t.write("b.csv", "a,b,c\n1,2,x\n3,4x,y\n")), "b.csv:3:",
                    "column 2 ('b')", "expected a number, found '4x'");
}

TEST(CsvErrors, NanAndInfRejected) {
  TempDir t;
  EXPECT_DATA_ERROR(load_csv(t.write("n.csv", "1,2,x\nnan,4,y\n")), "n.csv:2:", "column 1",
                    "expected a finite number, found 'nan'");
  EXPECT_DATA_ERROR(load_csv(t.write("i.csv", "1,2,x\n3,-inf,y\n")), "i.csv:2:", "column 2",
                    "found '-inf'");
  EXPECT_DATA_ERROR(load_csv(t.write("o.csv", "1,2,x\n3,1e999,y\n")), "o.csv:2:",
                    "expected a number, found '1e999'");
}

TEST(CsvErrors, EmptyFileAndHeaderOnly) {
  TempDir t;
  EXPECT_DATA_ERROR(load_csv(t.write("e.csv", "")), "e.csv", "empty file");
  EXPECT_DATA_ERROR(load_csv(t.write("h.csv", "a,b,label\n\n")), "h.csv",
                    "expected at least one data row");
}

TEST(CsvErrors, LabelColumnNotFound) {
  TempDir t;
  CsvOptions o;
  o.label_name = "species";
  EXPECT_DATA_ERROR(load_csv(t.write("l.csv", "a,b,kind\n1,2,x\n"), o), "l.csv:1:",
                    "label column 'species' not found", "a, b, kind");
  CsvOptions idx;
  idx.label_index = 5;
  EXPECT_DATA_ERROR(load_csv(t.write("k.csv", "1,2,x\n"), idx), "k.csv:1:",
                    "label column index 5 out of range for 3 columns");
}

TEST(CsvErrors, UnterminatedQuoteAndJunkAfterQuote) {
  TempDir t;
  EXPECT_DATA_ERROR(load_csv(t.write("q.csv", "1,2,x\n3,4,\"y\n")), "q.csv:2:", "column 3",
                    "closing '\"'");
  EXPECT_DATA_ERROR(load_csv(t.write("j.csv", "1,2,x\n3,\"4\"5,y\n")), "j.csv:2:", "column 2",
                    "found '5'");
}

TEST(CsvErrors, BlankLineInsideData) {
  TempDir t;
  EXPECT_DATA_ERROR(load_csv(t.write("b.csv", "1,2,x\n\n3,4,y\n")), "b.csv:2:",
                    "found a blank line");
}

TEST(CsvErrors, EmptyLabelAndTooFewColumns) {
  TempDir t;
  EXPECT_DATA_ERROR(load_csv(t.write("e.csv", "1,2,x\n3,4,\n")), "e.csv:2:", "column 3",
                    "expected a label");
  EXPECT_DATA_ERROR(load_csv(t.write("one.csv", "x\ny\n")), "one.csv:1:",
                    "expected more than 1 fields", "found 1");
}

TEST(CsvErrors, MissingFileIsNoInput) {
  TempDir t;
  EXPECT_NO_INPUT_ERROR(load_csv(t.path("missing.csv")), "missing.csv", "cannot open");
  EXPECT_NO_INPUT_ERROR(load_csv(t.path("")), "is a directory");
}

}  // namespace
}  // namespace bp
