// IDX loader: u8 and f32 images, plain and gzip, Fashion-MNIST when installed, one test per error.
#include "backprop/data/idx.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <filesystem>
#include <limits>

#include "testing/data_util.hpp"

namespace bp {
namespace {

using testing::Bytes;
using testing::idx_bytes;
using testing::TempDir;

constexpr std::uint8_t kU8 = 0x08;
constexpr std::uint8_t kF32 = 0x0D;

// 3 images of 2x2 u8 and their labels 1, 0, 2.
Bytes images3() { return idx_bytes(kU8, {3, 2, 2}, {0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 255}); }
Bytes labels3() { return idx_bytes(kU8, {3}, {1, 0, 2}); }

Bytes be_f32(std::initializer_list<float> values) {
  Bytes b;
  for (const float v : values) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &v, 4);
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(bits >> s));
  }
  return b;
}

TEST(Idx, PlainU8StaysCompact) {
  TempDir t;
  const Dataset d = load_idx(t.write("img", images3()), t.write("lab", labels3()));
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d.features(), 4u);
  EXPECT_EQ(d.feature_type(), FeatureType::kU8);
  EXPECT_EQ(d.features_u8().size(), 12u);
  EXPECT_EQ(d.features_u8()[11], 255);
  EXPECT_EQ(d.classes(), 3u);  // max label 2 + 1
  EXPECT_EQ(d.class_names(), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(d.labels()[0], 1u);
}

TEST(Idx, GzipAndOptions) {
  TempDir t;
  IdxOptions o;
  o.classes = 10;
  const Dataset d = load_idx(t.write_gz("img.gz", images3()), t.write_gz("lab.gz", labels3()), o);
  EXPECT_EQ(d.classes(), 10u);
  EXPECT_EQ(d.class_names()[9], "9");
  EXPECT_EQ(d.features_u8()[4], 10);
  IdxOptions named;
  named.class_names = {"tee", "pants", "dress"};
  EXPECT_EQ(load_idx(t.path("img.gz"), t.path("lab.gz"), named).class_names()[1], "pants");
}

TEST(Idx, Float32Images) {
  TempDir t;
  const Dataset d = load_idx(t.write("f", idx_bytes(kF32, {2, 1}, be_f32({0.5f, -3.25f}))),
                             t.write("l", idx_bytes(kU8, {2}, {0, 1})));
  EXPECT_EQ(d.feature_type(), FeatureType::kF32);
  EXPECT_FLOAT_EQ(d.feature(1, 0), -3.25f);
}

TEST(Idx, FashionMnist) {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  if (!std::filesystem::exists(dir + "train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST not installed under " << dir;
  // Expected values checked independently with python3's gzip module: the first labels, and the
  // sum of the first image's 784 pixels (76247 train, 33456 t10k).
  const Dataset train = load_idx(dir + "train-images-idx3-ubyte.gz",
                                 dir + "train-labels-idx1-ubyte.gz");
  ASSERT_EQ(train.size(), 60000u);
  EXPECT_EQ(train.features(), 784u);
  EXPECT_EQ(train.classes(), 10u);
  EXPECT_EQ(train.features_u8().size(), 60000u * 784u);  // 47 MB as uint8
  const std::uint32_t want_train[] = {9, 0, 0, 3, 0};
  for (std::size_t n = 0; n < 5; ++n) EXPECT_EQ(train.labels()[n], want_train[n]) << n;
  long sum = 0;
  for (std::size_t i = 0; i < 784; ++i) sum += train.features_u8()[i];
  EXPECT_EQ(sum, 76247);

  const Dataset test = load_idx(dir + "t10k-images-idx3-ubyte.gz", dir + "t10k-labels-idx1-ubyte.gz");
  ASSERT_EQ(test.size(), 10000u);
  const std::uint32_t want_test[] = {9, 2, 1, 1, 6};
  for (std::size_t n = 0; n < 5; ++n) EXPECT_EQ(test.labels()[n], want_test[n]) << n;
  sum = 0;
  for (std::size_t i = 0; i < 784; ++i) sum += test.features_u8()[i];
  EXPECT_EQ(sum, 33456);
}

// The VmFlags of the mapping that holds address p, from /proc/self/smaps ("" when not found).
std::string vm_flags_of(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find('-') < 17) {
      inside = a >= lo && a < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

TEST(Idx, LargeArraysAskForHugePages) {
  // A byte array over 4 MB is advised for 2 MB pages before it is filled (batches read its rows
  // at random; data_detail::advise_huge_pages): its 2 MB-aligned interior carries the "hg" flag.
  if (!std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled") ||
      !std::filesystem::exists("/proc/self/smaps"))
    GTEST_SKIP() << "no transparent huge pages here";
  TempDir t;
  const std::uint32_t n = 8000;  // 8000 x 784 bytes = 6.3 MB
  Bytes pixels(std::size_t{n} * 784);
  for (std::size_t k = 0; k < pixels.size(); ++k) pixels[k] = std::uint8_t(k * 7);
  const Dataset d = load_idx(t.write("img", idx_bytes(kU8, {n, 28, 28}, pixels)),
                             t.write("lab", idx_bytes(kU8, {n}, Bytes(n, 3))));
  ASSERT_EQ(d.features_u8().size(), pixels.size());
  EXPECT_TRUE(std::equal(pixels.begin(), pixels.end(), d.features_u8().begin()));
  const auto a = reinterpret_cast<std::uintptr_t>(d.features_u8().data());
  const auto aligned = (a + (std::uintptr_t{1} << 21) - 1) & ~((std::uintptr_t{1} << 21) - 1);
  const std::string flags = vm_flags_of(reinterpret_cast<const void*>(aligned));
  ASSERT_FALSE(flags.empty()) << "no mapping found for the array";
  EXPECT_NE(flags.find(" hg"), std::string::npos) << flags;
}

// ---- malformed files ----

TEST(IdxErrors, TruncatedData) {
  TempDir t;
  Bytes b = images3();
  b.pop_back();
  EXPECT_DATA_ERROR(load_idx(t.write("img", b), t.write("lab", labels3())), "img: byte 27:",
                    "expected 12 data bytes (3x2x2 x 1)", "truncated");
}

TEST(IdxErrors, TrailingGarbage) {
  TempDir t;
  Bytes b = labels3();
  b.push_back(7);
  b.push_back(7);
  EXPECT_DATA_ERROR(load_idx(t.write("img", images3()), t.write("lab", b)), "lab: byte 11:",
                    "found 2 trailing bytes");
}

TEST(IdxErrors, WrongMagic) {
  TempDir t;
  Bytes b = images3();
  b[0] = 0x12;
  EXPECT_DATA_ERROR(load_idx(t.write("img", b), t.write("lab", labels3())), "img: byte 0:",
                    "expected IDX magic", "found 12 00 08 03");
}

TEST(IdxErrors, UnsupportedType) {
  TempDir t;
  EXPECT_DATA_ERROR(load_idx(t.write("img", idx_bytes(0x0B, {1, 1}, {0, 0})), t.write("lab", labels3())),
                    "img: byte 2:", "0x08 (u8) or 0x0D (f32)", "found 0x0B (i16)");
}

TEST(IdxErrors, ZeroDims) {
  TempDir t;
  EXPECT_DATA_ERROR(load_idx(t.write("img", Bytes{0, 0, 8, 0}), t.write("lab", labels3())),
                    "img: byte 3:", "at least 1 dimension, found 0");
  EXPECT_DATA_ERROR(load_idx(t.write("img", idx_bytes(kU8, {3, 0, 2}, {})), t.write("lab", labels3())),
                    "img: byte 8:", "dimension 1 >= 1, found 0");
}

TEST(IdxErrors, ShortHeader) {
  TempDir t;
  EXPECT_DATA_ERROR(load_idx(t.write("img", Bytes{0, 0}), t.write("lab", labels3())),
                    "img: byte 2:", "4-byte IDX magic");
  EXPECT_DATA_ERROR(load_idx(t.write("img", Bytes{0, 0, 8, 3, 0, 0, 0, 3}), t.write("lab", labels3())),
                    "img: byte 8:", "3 4-byte dimension sizes");
}

TEST(IdxErrors, HugeDeclaredDimsInTinyFile) {
  TempDir t;
  // 4e9 x 4e9 x 4e9 bytes overflows 64 bits: rejected from the header alone.
  const std::uint32_t big = 4000000000u;
  EXPECT_DATA_ERROR(load_idx(t.write("img", idx_bytes(kU8, {big, big, big}, {1})), t.write("lab", labels3())),
                    "img: byte 8:", "product overflows");
  // 4e9 x 1000 = 4 TB declared in a 17-byte file: rejected by the size check, nothing allocated.
  EXPECT_DATA_ERROR(load_idx(t.write("img", idx_bytes(kU8, {big, 1000}, {1})), t.write("lab", labels3())),
                    "img: byte 13:", "expected 4000000000000 data bytes", "truncated");
  // The same in gzip, where the size is unknown up front: read in chunks, fails at the end.
  EXPECT_DATA_ERROR(load_idx(t.write_gz("img.gz", idx_bytes(kU8, {big, 1000}, {1})), t.write("lab", labels3())),
                    "img.gz: byte 13:", "truncated");
}

TEST(IdxErrors, GzipOfGarbage) {
  TempDir t;
  Bytes b = {0x1f, 0x8b};
  for (int k = 0; k < 64; ++k) b.push_back(static_cast<std::uint8_t>(k * 37 + 11));
  EXPECT_DATA_ERROR(load_idx(t.write("img.gz", b), t.write("lab", labels3())), "img.gz: byte 0:",
                    "valid gzip stream, found corrupt data (unknown compression method)");
}

TEST(IdxErrors, GzipCutShort) {
  TempDir t;
  Bytes data = idx_bytes(kU8, {200, 10}, {});
  for (std::size_t k = 0; k < 2000; ++k) data.push_back(static_cast<std::uint8_t>(k * 7919 % 251));
  Bytes gz = testing::read_bytes(t.write_gz("full.gz", data));
  gz.resize(gz.size() / 2);
  EXPECT_DATA_ERROR(load_idx(t.write("img.gz", gz), t.write("lab", labels3())), "img.gz: byte",
                    "gzip stream", "truncated");
}

TEST(IdxErrors, GzipLongerThanDeclared) {
  TempDir t;
  Bytes b = labels3();
  b.push_back(1);
  EXPECT_DATA_ERROR(load_idx(t.write("img", images3()), t.write_gz("lab.gz", b)), "lab.gz: byte 11:",
                    "found trailing bytes");
}

TEST(IdxErrors, CountMismatch) {
  TempDir t;
  EXPECT_DATA_ERROR(load_idx(t.write("img", images3()), t.write("lab", idx_bytes(kU8, {2}, {0, 1}))),
                    "lab: byte 4:", "expected 3 labels", "found 2");
}

TEST(IdxErrors, LabelFileShapeAndType) {
  TempDir t;
  EXPECT_DATA_ERROR(load_idx(t.write("img", images3()), t.write("lab", idx_bytes(kU8, {3, 1}, {0, 1, 2}))),
                    "lab: byte 3:", "1-D label file, found 2 dimensions");
  EXPECT_DATA_ERROR(load_idx(t.write("img", images3()), t.write("lab", idx_bytes(kF32, {3}, be_f32({0, 1, 2})))),
                    "lab: byte 2:", "label type 0x08", "found 0x0D (f32)");
}

TEST(IdxErrors, LabelNotBelowClasses) {
  TempDir t;
  IdxOptions o;
  o.classes = 2;
  EXPECT_DATA_ERROR(load_idx(t.write("img", images3()), t.write("lab", labels3()), o),
                    "lab: byte 10:", "expected a label < 2 classes, found 2");
}

TEST(IdxErrors, NonFiniteFloat) {
  TempDir t;
  EXPECT_DATA_ERROR(load_idx(t.write("f", idx_bytes(kF32, {2, 1}, be_f32({0.5f, std::numeric_limits<float>::quiet_NaN()}))),
                             t.write("l", idx_bytes(kU8, {2}, {0, 1}))),
                    "f: byte 16:", "expected a finite float");
}

TEST(IdxErrors, MissingFile) {
  TempDir t;
  EXPECT_NO_INPUT_ERROR(load_idx(t.path("nope"), t.write("lab", labels3())), "nope", "cannot open");
}

}  // namespace
}  // namespace bp
