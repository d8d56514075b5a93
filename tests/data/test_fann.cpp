// FANN training-data loader: loose line breaks, one_hot_to_classes, one test per error.
#include "backprop/data/fann.hpp"

#include <gtest/gtest.h>

#include "testing/data_util.hpp"

namespace bp {
namespace {

using testing::TempDir;

TEST(Fann, XorWithLooseLineBreaks) {
  TempDir t;
  // Pair 3 has its output on the input line, pair 4 splits its inputs: both are valid FANN.
  const auto p = t.write("xor.data", "4 2 1\n-1 -1\n-1\n-1 1\n1\n1 -1 1\n1\n1\r\n-1\n");
  const Dataset d = load_fann(p);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_FALSE(d.is_classification());
  EXPECT_EQ(d.features(), 2u);
  EXPECT_EQ(d.target_width(), 1u);
  EXPECT_FLOAT_EQ(d.feature(2, 0), 1.0f);
  EXPECT_FLOAT_EQ(d.targets()[2], 1.0f);
  EXPECT_FLOAT_EQ(d.targets()[3], -1.0f);
}

TEST(Fann, OneHotOutputsAsClasses) {
  TempDir t;
  const Dataset d = one_hot_to_classes(load_fann(t.write("c.data", "2 1 3\n0.5\n0 0 1\n0.25\n1 0 0\n")));
  EXPECT_EQ(d.classes(), 3u);
  EXPECT_EQ(d.labels()[0], 2u);
  EXPECT_EQ(d.labels()[1], 0u);
}

TEST(FannErrors, TooFewNumbers) {
  TempDir t;
  EXPECT_DATA_ERROR(load_fann(t.write("s.data", "2 2 1\n1 2\n3\n4 5\n")), "s.data:4:",
                    "expected 6 numbers after the header (2 pairs x (2 inputs + 1 outputs)), found 5",
                    "output 1 of pair 2");
}

TEST(FannErrors, TooManyNumbers) {
  TempDir t;
  EXPECT_DATA_ERROR(load_fann(t.write("m.data", "1 2 1\n1 2\n3\n\n4\n")), "m.data:5:",
                    "after 1 pairs, found more numbers: '4'");
}

TEST(FannErrors, BadToken) {
  TempDir t;
  EXPECT_DATA_ERROR(load_fann(t.write("b.data", "1 2 1\n1 x2\n3\n")), "b.data:2:",
                    "input 2 of pair 1", "expected a number, found 'x2'");
  EXPECT_DATA_ERROR(load_fann(t.write("n.data", "1 2 1\n1 2\nNaN\n")), "n.data:3:",
                    "output 1 of pair 1", "finite number, found 'NaN'");
}

TEST(FannErrors, BadHeader) {
  TempDir t;
  EXPECT_DATA_ERROR(load_fann(t.write("h.data", "2 2.5 1\n")), "h.data:1:",
                    "'num_pairs num_input num_output'", "found '2.5' for num_input");
  EXPECT_DATA_ERROR(load_fann(t.write("z.data", "0 2 1\n")), "z.data:1:", "num_pairs >= 1, found 0");
  EXPECT_DATA_ERROR(load_fann(t.write("e.data", "")), "e.data:1:", "found the end of the file");
}

TEST(FannErrors, HugeHeaderInTinyFile) {
  TempDir t;
  EXPECT_DATA_ERROR(load_fann(t.write("g.data", "1000000000 1000000 1\n1 2\n")), "g.data:1:",
                    "fit in the file's", "found a header claiming more");
  EXPECT_DATA_ERROR(load_fann(t.write("o.data", "18446744073709551615 18446744073709551615 2\n")),
                    "o.data:1:", "claiming more");
}

TEST(FannErrors, MissingFile) {
  TempDir t;
  EXPECT_NO_INPUT_ERROR(load_fann(t.path("x.data")), "x.data", "cannot open");
}

}  // namespace
}  // namespace bp
