// NPY loader: files written by NumPy (tests/data/gen_fixtures.py), hand-built headers, and one
// test per error.
#include "backprop/data/npy.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "testing/data_util.hpp"

namespace bp {
namespace {

using testing::Bytes;
using testing::le_bytes;
using testing::npy_bytes;
using testing::TempDir;

const std::string kFixtures = BP_DATA_FIXTURES_DIR;

std::string dict(const std::string& descr, const std::string& shape, bool fortran = false) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

TEST(Npy, NumpyWrittenFloat32AndInt64Labels) {
  const Dataset d = load_npy(kFixtures + "/features_f4.npy", kFixtures + "/labels_i8.npy");
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d.features(), 2u);
  EXPECT_EQ(d.feature_type(), FeatureType::kF32);
  EXPECT_FLOAT_EQ(d.feature(1, 1), 3.25f);
  EXPECT_FLOAT_EQ(d.feature(2, 0), 1e-3f);
  EXPECT_EQ(d.classes(), 3u);
  EXPECT_EQ(d.labels()[0], 2u);
}

TEST(Npy, NumpyWrittenV2Uint8IsFlattenedOnlyWhenAsked) {
  const NpyArray a = read_npy(kFixtures + "/images_u1_v2.npy");
  EXPECT_EQ(a.descr, "|u1");
  EXPECT_EQ(a.shape, (std::vector<std::uint64_t>{2, 2, 3}));
  EXPECT_EQ(a.rows, 2u);
  EXPECT_EQ(a.cols, 6u);
  TempDir t;
  const auto labels = t.write("l.npy", npy_bytes(dict("|u1", "(2,)"), {1, 0}));
  NpyOptions o;
  o.class_names = {"no", "yes"};
  // (2, 2, 3) is refused unless flattening is asked for: never flattened without a word.
  EXPECT_DATA_ERROR(load_npy(kFixtures + "/images_u1_v2.npy", labels, o), "images_u1_v2.npy: byte ",
                    "expected features of 1 or 2 dimensions (samples x values), found shape (2, 2, 3); "
                    "reshape it to (2, 6) first");
  EXPECT_DATA_ERROR(load_npy_features(kFixtures + "/images_u1_v2.npy"), "found shape (2, 2, 3)");
  o.flatten = true;
  const Dataset d = load_npy(kFixtures + "/images_u1_v2.npy", labels, o);
  EXPECT_EQ(d.feature_type(), FeatureType::kU8);
  EXPECT_EQ(d.features(), 6u);
  EXPECT_EQ(d.features_u8()[11], 11);
  EXPECT_EQ(d.class_names()[1], "yes");
}

TEST(Npy, RegressionFloat64Targets) {
  NpyOptions o;
  o.task = Task::kRegression;
  const Dataset d = load_npy(kFixtures + "/features_f4.npy", kFixtures + "/targets_f8.npy", o);
  EXPECT_EQ(d.target_width(), 2u);
  EXPECT_FLOAT_EQ(d.targets()[4], 100.0f);
}

TEST(Npy, HandBuiltV3Int32LabelsAnd1DFeatures) {
  TempDir t;
  const auto x = t.write("x.npy", npy_bytes("{\"descr\":\"<f8\",\"fortran_order\":False,\"shape\":(3,)}",
                                            le_bytes<double>({1.5, 2.5, -3.0}), 3));
  const auto y = t.write("y.npy", npy_bytes(dict("<i4", "(3, 1)"), le_bytes<std::int32_t>({0, 4, 1})));
  const Dataset d = load_npy(x, y);
  EXPECT_EQ(d.features(), 1u);
  EXPECT_FLOAT_EQ(d.feature(2, 0), -3.0f);
  EXPECT_EQ(d.classes(), 5u);
  EXPECT_EQ(d.labels()[1], 4u);
}

// ---- malformed files ----

class NpyErrors : public ::testing::Test {
 protected:
  TempDir t_;
  std::string labels_ = t_.write("labels.npy", npy_bytes(dict("|u1", "(2,)"), {0, 1}));
  std::string features(const Bytes& b) { return t_.write("x.npy", b); }
};

TEST_F(NpyErrors, BadMagic) {
  Bytes b = npy_bytes(dict("<f4", "(2,)"), le_bytes<float>({1, 2}));
  b[1] = 'X';
  EXPECT_DATA_ERROR(load_npy(features(b), labels_), "x.npy: byte 0:", "magic \\x93NUMPY",
                    "found '\\x93XUMPY'");
  EXPECT_DATA_ERROR(load_npy(features(Bytes{0x93, 'N'}), labels_), "found a 2-byte file");
}

TEST_F(NpyErrors, BadVersion) {
  Bytes b = npy_bytes(dict("<f4", "(2,)"), le_bytes<float>({1, 2}));
  b[6] = 4;
  EXPECT_DATA_ERROR(load_npy(features(b), labels_), "x.npy: byte 6:", "version 1.0, 2.0 or 3.0",
                    "found 4.0");
}

TEST_F(NpyErrors, FortranOrder) {
  EXPECT_DATA_ERROR(load_npy(kFixtures + "/fortran_f4.npy", labels_), "fortran_f4.npy: byte 10:",
                    "fortran_order False", "found True");
}

TEST_F(NpyErrors, UnsupportedDtype) {
  EXPECT_DATA_ERROR(load_npy(features(npy_bytes(dict(">f4", "(2,)"), le_bytes<float>({1, 2}))), labels_),
                    "x.npy: byte 10:", "expected descr '<f4'", "found '>f4'");
  EXPECT_DATA_ERROR(load_npy(features(npy_bytes(dict("<c16", "(1,)"), Bytes(16))), labels_),
                    "found '<c16'");
}

TEST_F(NpyErrors, SizeMismatch) {
  EXPECT_DATA_ERROR(load_npy(features(npy_bytes(dict("<f4", "(2, 2)"), le_bytes<float>({1, 2, 3}))), labels_),
                    "x.npy: byte 128:", "expected 16 data bytes for shape (2, 2) of <f4", "found 12");
  EXPECT_DATA_ERROR(load_npy(features(npy_bytes(dict("<f4", "(2,)"), le_bytes<float>({1, 2, 3}))), labels_),
                    "expected 8 data bytes", "found 12");
}

TEST_F(NpyErrors, HugeShapeInTinyFile) {
  EXPECT_DATA_ERROR(load_npy(features(npy_bytes(dict("<f8", "(4294967296, 4294967296)"), {})), labels_),
                    "x.npy: byte 10:", "overflow");
  EXPECT_DATA_ERROR(load_npy(features(npy_bytes(dict("<f8", "(1000000000, 1000)"), {})), labels_),
                    "expected 8000000000000 data bytes", "found 0");
}

TEST_F(NpyErrors, HugeHeaderLength) {
  Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0xff, 0xff, 0xff, 0xff, '{'};
  EXPECT_DATA_ERROR(load_npy(features(b), labels_), "x.npy: byte 8:",
                    "header length <= 65536", "found 4294967295");
  Bytes c = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0x00, 0x10, '{'};
  EXPECT_DATA_ERROR(load_npy(features(c), labels_), "x.npy: byte 8:", "header of 4096 bytes",
                    "truncated");
}

TEST_F(NpyErrors, MalformedHeaderDict) {
  EXPECT_DATA_ERROR(load_npy(features(npy_bytes("{'descr': '<f4', 'shape': (2,)}", le_bytes<float>({1, 2}))), labels_),
                    "x.npy: byte 10:", "the keys 'descr', 'fortran_order' and 'shape'");
  EXPECT_DATA_ERROR(load_npy(features(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
                                                le_bytes<float>({1, 2}))), labels_),
                    "x.npy: byte 66:", "a key 'descr'", "found 'x'");
  EXPECT_DATA_ERROR(load_npy(features(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1)}",
                                                le_bytes<float>({1, 2}))), labels_),
                    "non-negative integer dimension", "found '-'");
  EXPECT_DATA_ERROR(load_npy(features(npy_bytes("__import__('os')", {})), labels_), "expected '{'",
                    "found '_'");
}

TEST_F(NpyErrors, ZeroDimensionalArray) {
  EXPECT_DATA_ERROR(load_npy(features(npy_bytes(dict("<f4", "()"), le_bytes<float>({1}))), labels_),
                    "x.npy: byte 10:", "found () (a 0-D array)");
}

TEST_F(NpyErrors, BadLabels) {
  const std::string x = features(npy_bytes(dict("<f4", "(2,)"), le_bytes<float>({1, 2})));
  EXPECT_DATA_ERROR(load_npy(x, t_.write("y.npy", npy_bytes(dict("<i8", "(2,)"), le_bytes<std::int64_t>({0, -1})))),
                    "y.npy: byte 136:", "integer >= 0", "found -1");
  EXPECT_DATA_ERROR(load_npy(x, t_.write("y.npy", npy_bytes(dict("<f4", "(2,)"), le_bytes<float>({0.5f, 1})))),
                    "y.npy: byte 128:", "found 0.5");
  NpyOptions o;
  o.classes = 1;
  EXPECT_DATA_ERROR(load_npy(x, labels_, o), "labels.npy: byte 129:", "label < 1 classes, found 1");
  EXPECT_DATA_ERROR(load_npy(x, t_.write("y.npy", npy_bytes(dict("|u1", "(3,)"), {0, 1, 1}))),
                    "y.npy: byte 128:", "expected 2 rows", "found 3");
}

TEST_F(NpyErrors, NonFiniteFeature) {
  EXPECT_DATA_ERROR(load_npy(features(npy_bytes(dict("<f4", "(2,)"),
                                                le_bytes<float>({1, std::numeric_limits<float>::infinity()}))),
                             labels_),
                    "x.npy: byte 132:", "finite float32", "inf");
  EXPECT_DATA_ERROR(load_npy(features(npy_bytes(dict("<f8", "(2,)"), le_bytes<double>({1, 1e300}))), labels_),
                    "x.npy: byte 136:", "finite float32", "found 1e+300");
}

TEST_F(NpyErrors, MissingFile) {
  EXPECT_NO_INPUT_ERROR(load_npy(t_.path("none.npy"), labels_), "none.npy");
}

}  // namespace
}  // namespace bp
