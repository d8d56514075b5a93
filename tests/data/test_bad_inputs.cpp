// The bad-input table: one row per malformed file, for every reader (CSV, IDX, NPY, FANN, model
// files, network descriptions, load_features). Each row builds its input bytes here, runs one
// reader, and checks the exception's exit code (bp::ExitCode) and that its one-line message
// matches a regex naming the file, the line/column or byte offset, what was expected and what was
// found. Expected offsets come from the layout of the bytes built here. The CLI's half of the
// table is tests/cli/bad_inputs.cmake.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "backprop/data/csv.hpp"
#include "backprop/data/fann.hpp"
#include "backprop/data/features.hpp"
#include "backprop/data/idx.hpp"
#include "backprop/data/npy.hpp"
#include "backprop/core/error.hpp"
#include "backprop/io/model.hpp"
#include "backprop/tutorial/netspec.hpp"
#include "testing/data_util.hpp"
#include "nn/dense_at.hpp"

namespace bp {
namespace {

using testing::Bytes;
using testing::idx_bytes;
using testing::le_bytes;
using testing::npy_bytes;
using testing::TempDir;

Bytes B(std::string_view s) { return Bytes(s.begin(), s.end()); }
// A string literal's bytes, NULs included.
template <std::size_t N>
Bytes L(const char (&s)[N]) {
  return Bytes(s, s + N - 1);
}
Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
Bytes cut(Bytes a, std::size_t drop) {
  a.resize(a.size() - drop);
  return a;
}

// A gzip stream of b (deflate with the gzip wrapper), in memory.
Bytes gzip(const Bytes& b) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  Bytes out(deflateBound(&zs, static_cast<uLong>(b.size())) + 32);
  zs.next_in = const_cast<Bytef*>(b.data());
  zs.avail_in = static_cast<uInt>(b.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Model files byte by byte (docs/file-formats.md), so that any field can be wrong.
struct ModelWriter {
  Bytes body;
  template <class V>
  ModelWriter& put(V v) {
    body = cat(body, le_bytes<V>({v}));
    return *this;
  }
  ModelWriter& str(std::string_view s) {
    put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    body = cat(body, B(s));
    return *this;
  }
  // One layer header: in, out, activation, alpha, dropout, flags.
  ModelWriter& layer(std::uint64_t in, std::uint64_t out, std::string_view act = "relu", double dropout = 0) {
    put<std::uint64_t>(in).put<std::uint64_t>(out).str(act).put<double>(-1).put<double>(dropout);
    return put<std::uint8_t>(1).put<std::uint8_t>(1);
  }
  // After the layers: no preprocessing, class names, seed 1, config "{}".
  ModelWriter& tail(std::vector<std::string> classes = {}) {
    str("none").put<std::uint64_t>(0).put<std::uint32_t>(static_cast<std::uint32_t>(classes.size()));
    for (const auto& c : classes) str(c);
    return put<std::uint64_t>(1).str("{}");
  }
  // The whole file: magic, version, scalar size, body size, body, CRC-32.
  Bytes file(std::uint32_t version = 1, std::uint32_t scalar = 4) const {
    Bytes f = B(std::string_view("BPMODEL\0", 8));
    f = cat(f, le_bytes<std::uint32_t>({version, scalar}));
    f = cat(f, le_bytes<std::uint64_t>({body.size()}));
    f = cat(f, body);
    const auto crc = static_cast<std::uint32_t>(crc32(0, f.data(), static_cast<uInt>(f.size())));
    return cat(f, le_bytes<std::uint32_t>({crc}));
  }
};

// A valid 2 -> 1 float model; weights w0, w1, then bias b (3 floats, the last 12 bytes before the CRC).
Bytes model_2_1(float w0 = 0.5f, std::string_view loss = "mse", std::uint32_t version = 1) {
  ModelWriter m;
  m.str(loss).put<std::uint32_t>(1).layer(2, 1, "identity").tail();
  m.put<float>(w0).put<float>(-0.25f).put<float>(0.125f);
  return m.file(version);
}

const std::string kPlainNpyDict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";

struct Row {
  std::string name;                                  // test name
  std::vector<std::pair<std::string, Bytes>> files;  // written to a fresh directory
  std::function<void(const TempDir&)> load;          // the reader under test
  ExitCode code;
  std::string regex;                                 // std::regex_search on e.what()
};

std::ostream& operator<<(std::ostream& os, const Row& r) { return os << r.name; }

// Rows that read one file with one reader.
template <class F>
Row one(std::string name, std::string file, Bytes bytes, F reader, ExitCode code, std::string regex) {
  const std::string f = file;
  return {std::move(name), {{std::move(file), std::move(bytes)}},
          [f, reader](const TempDir& t) { (void)reader(t.path(f)); }, code, std::move(regex)};
}

const auto csv = [](const std::string& p) { return load_csv(p); };
const auto idx_images = [](const std::string& p) { return load_idx_images(p); };
const auto npy_features = [](const std::string& p) { return load_npy_features(p); };
const auto fann = [](const std::string& p) { return load_fann(p); };
const auto model = [](const std::string& p) { return load_model<float>(p); };
const auto netspec = [](const std::string& p) { return load_netspec(p); };
const auto features = [](const std::string& p) { return load_features(p); };
constexpr ExitCode kData = ExitCode::kData;
constexpr ExitCode kUsage = ExitCode::kUsage;
constexpr ExitCode kConfig = ExitCode::kConfig;

std::vector<Row> rows() {
  std::vector<Row> r;
  // ---- CSV
  r.push_back(one("csv_empty", "e.csv", {}, csv, kData, R"(e\.csv: expected a header or data row, found an empty file$)"));
  r.push_back(one("csv_header_only", "h.csv", B("a,b,c\n"), csv, kData,
                  R"(h\.csv: expected at least one data row after the header, found none)"));
  r.push_back(one("csv_ragged", "r.csv", B("a,b,c\n1,2,x\n3,4\n"), csv, kData, R"(r\.csv:3: expected 3 fields, found 2$)"));
  r.push_back(one("csv_text_after_quote", "q.csv", B("a,b\n\"1\"7,x\n"), csv, kData,
                  R"(q\.csv:2: column 1: expected a delimiter after the closing '"', found '7'$)"));
  r.push_back(one("csv_unterminated_quote", "u.csv", B("a,b\n1,\"x\n"), csv, kData,
                  R"(u\.csv:2: column 2: expected a closing '"', found the end of the file$)"));
  r.push_back(one("csv_nan", "n.csv", B("a,b,c\n1,nan,x\n"), csv, kData,
                  R"(n\.csv:2: column 2 \('b'\): expected a finite number, found 'nan'$)"));
  r.push_back(one("csv_inf", "i.csv", B("1,-inf,x\n"), csv, kData, R"(i\.csv:1: column 2: expected a finite number, found '-inf'$)"));
  r.push_back(one("csv_beyond_float", "o.csv", B("a,b\n1e999,x\n"), csv, kData,
                  R"(o\.csv:2: column 1 \('a'\): expected a number, found '1e999'$)"));
  r.push_back(one("csv_not_a_number", "b.csv", B("a,b,c\n1,4x,y\n"), csv, kData,
                  R"(b\.csv:2: column 2 \('b'\): expected a number, found '4x'$)"));
  // "a,b\n" is bytes 0-3, so the NUL after "1" is byte 5, the line's 2nd character.
  r.push_back(one("csv_nul_byte", "z.csv", B(std::string_view("a,b\n1\0,x\n", 9)), csv, kData,
                  R"(z\.csv:2: character 2 \(byte 5\): expected UTF-8 text, found a NUL byte)"));
  r.push_back(one("csv_bad_utf8", "u8.csv", B("a,b\n1,\xff\n"), csv, kData,
                  R"(u8\.csv:2: character 3 \(byte 6\): expected UTF-8 text, found the byte 0xFF \(not valid UTF-8)"));
  r.push_back(one("csv_overlong_utf8", "ol.csv", B("a,b\n1,\xc0\x80\n"), csv, kData,
                  R"(ol\.csv:2: character 3 \(byte 6\): expected UTF-8 text, found the byte 0xC0)"));
  r.push_back(one("csv_utf8_surrogate", "s.csv", B("x,\xc3\xa9\n1,\xed\xa0\x80\n"), csv, kData,
                  R"(s\.csv:2: character 3 \(byte 7\): expected UTF-8 text, found the byte 0xED)"));
  r.push_back(one("csv_blank_line_inside", "bl.csv", B("1,a\n\n2,b\n"), csv, kData,
                  R"(bl\.csv:2: expected a row of fields, found a blank line$)"));
  {
    // The whole 12-byte text inflates before the cut trailer is noticed: the error is at byte 12.
    const Bytes text = B("1,2,a\n3,4,b\n");
    r.push_back(one("csv_gzip_truncated", "t.csv.gz", cut(gzip(text), 6), csv, kData,
                    R"(t\.csv\.gz: byte 12: expected a valid gzip stream, found truncated data)"));
  }
  // 1f 8b then method 9 (only 8, deflate, exists): nothing can be inflated.
  r.push_back(one("csv_gzip_corrupt", "c.csv", L("\x1f\x8b\x09\x00\x00\x00\x00\x00\x00\x03xxxx"), csv, kData,
                  R"(c\.csv: byte 0: expected a valid gzip stream, found corrupt data \(unknown compression method\)$)"));
  {
    CsvOptions o;
    o.class_names = {"a", "b"};
    r.push_back(one("csv_unknown_class", "k.csv", B("x,y,c\n1,2,a\n3,4,c\n"),
                    [o](const std::string& p) { return load_csv(p, o); }, kData,
                    R"(k\.csv:3: column 3 \('c'\): label 'c' is not one of the 2 given class names$)"));
    CsvOptions bad;
    bad.delimiter = '|';
    r.push_back(one("csv_bad_delimiter_option", "d.csv", B("1|2\n"),
                    [bad](const std::string& p) { return load_csv(p, bad); }, kUsage, R"(delimiter = '\|' must be)"));
  }

  // ---- IDX (images 16-byte header for 3 dims; labels 8-byte header)
  r.push_back(one("idx_empty", "img", {}, idx_images, kData,
                  R"(img: byte 0: expected a 4-byte IDX magic 00 00 <type> <ndims>, found the end of the file after 0 bytes$)"));
  r.push_back(one("idx_wrong_magic", "img", L("\x12\x00\x08\x01\x00\x00\x00\x01\x05"), idx_images, kData,
                  R"(img: byte 0: expected IDX magic 00 00 <type> <ndims>, found 12 00 08 01$)"));
  r.push_back(one("idx_gzip_wrong_magic", "img.gz", gzip(B("PK\x03\x04")), idx_images, kData,
                  R"(img\.gz: byte 0: expected IDX magic 00 00 <type> <ndims>, found 50 4b 03 04 \(after gunzip\)$)"));
  r.push_back(one("idx_unsupported_type", "img", idx_bytes(0x0B, {2}, {0, 0, 0, 0}), idx_images, kData,
                  R"(img: byte 2: expected element type 0x08 \(u8\) or 0x0D \(f32\), found 0x0B \(i16\)$)"));
  r.push_back(one("idx_no_dims", "img", idx_bytes(0x08, {}, {}), idx_images, kData,
                  R"(img: byte 3: expected at least 1 dimension, found 0$)"));
  r.push_back(one("idx_zero_dim", "img", idx_bytes(0x08, {2, 0}, {}), idx_images, kData,
                  R"(img: byte 8: expected dimension 1 >= 1, found 0$)"));
  r.push_back(one("idx_overflowing_dims", "img", idx_bytes(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {}),
                  idx_images, kData,
                  R"(img: byte 8: expected a data size that fits in memory, found dimensions whose product overflows$)"));
  r.push_back(one("idx_dims_cut_short", "img", cut(idx_bytes(0x08, {3, 2, 2}, {}), 8), idx_images, kData,
                  R"(img: byte 8: expected 3 4-byte dimension sizes, found the end of the file$)"));
  r.push_back(one("idx_truncated", "img", idx_bytes(0x08, {3, 2, 2}, Bytes(10, 7)), idx_images, kData,
                  R"(img: byte 26: expected 12 data bytes \(3x2x2 x 1\) after the 16-byte header, found the end of the file \(truncated\)$)"));
  r.push_back(one("idx_header_larger_than_file", "img", idx_bytes(0x08, {60000, 28, 28}, Bytes(5, 0)), idx_images, kData,
                  R"(img: byte 21: expected 47040000 data bytes \(60000x28x28 x 1\) after the 16-byte header, found the end of the file)"));
  r.push_back(one("idx_trailing_garbage", "lab", idx_bytes(0x08, {3}, {0, 1, 2, 9, 9}), idx_images, kData,
                  R"(lab: byte 11: expected the end of the file after 3 data bytes \(3 x 1\), found 2 trailing bytes$)"));
  r.push_back(one("idx_gzip_truncated", "img.gz", cut(gzip(idx_bytes(0x08, {3, 2, 2}, Bytes(12, 1))), 14), idx_images,
                  kData, R"(img\.gz: byte [0-9]+: expected a valid gzip stream, found corrupt or truncated data)"));
  r.push_back(one("idx_gzip_corrupt", "img.gz", L("\x1f\x8b\x09\x00\x00\x00\x00\x00\x00\x03xxxx"), idx_images, kData,
                  R"(img\.gz: byte 0: expected a valid gzip stream, found corrupt data \(unknown compression method\)$)"));
  r.push_back(one("idx_f32_nan", "f", idx_bytes(0x0D, {1, 1}, {0x7f, 0xc0, 0, 0}), idx_images, kData,
                  R"(f: byte 12: expected a finite float, found nan$)"));
  r.push_back(one("idx_f32_inf", "f", idx_bytes(0x0D, {2}, {0, 0, 0, 0, 0xff, 0x80, 0, 0}), idx_images, kData,
                  R"(f: byte 12: expected a finite float, found -inf$)"));
  {
    const Bytes img = idx_bytes(0x08, {3, 2}, Bytes(6, 1));
    auto pair = [img](std::string name, Bytes labels, IdxOptions o, std::string regex) {
      return Row{std::move(name), {{"img", img}, {"lab", std::move(labels)}},
                 [o](const TempDir& t) { (void)load_idx(t.path("img"), t.path("lab"), o); }, kData, std::move(regex)};
    };
    r.push_back(pair("idx_label_count", idx_bytes(0x08, {2}, {0, 1}), {},
                     R"(lab: byte 4: expected 3 labels \(the image count of .*img\), found 2$)"));
    r.push_back(pair("idx_labels_2d", idx_bytes(0x08, {3, 1}, {0, 1, 0}), {},
                     R"(lab: byte 3: expected a 1-D label file, found 2 dimensions$)"));
    r.push_back(pair("idx_labels_f32", idx_bytes(0x0D, {3}, Bytes(12, 0)), {},
                     R"(lab: byte 2: expected label type 0x08 \(u8\), found 0x0D \(f32\)$)"));
    IdxOptions two;
    two.classes = 2;
    r.push_back(pair("idx_label_out_of_range", idx_bytes(0x08, {3}, {0, 1, 2}), two,
                     R"(lab: byte 10: expected a label < 2 classes, found 2$)"));
  }

  // ---- NPY. npy_bytes pads the header to a multiple of 64 bytes: every dict below is 60 or 61
  // characters, so 10 + dict + '\n' > 64 and the data starts at byte 128.
  const Bytes f4x4 = le_bytes<float>({1, 2, 3, 4});
  r.push_back(one("npy_empty", "x.npy", {}, npy_features, kData,
                  R"(x\.npy: byte 0: expected the npy magic \\x93NUMPY, found a 0-byte file$)"));
  {
    Bytes bad = npy_bytes(kPlainNpyDict, f4x4);
    bad[1] = 'X';
    r.push_back(one("npy_wrong_magic", "x.npy", bad, npy_features, kData,
                    R"(x\.npy: byte 0: expected the npy magic \\x93NUMPY, found '\\x93XUMPY'$)"));
    Bytes v4 = npy_bytes(kPlainNpyDict, f4x4);
    v4[6] = 4;
    r.push_back(one("npy_newer_version", "x.npy", v4, npy_features, kData,
                    R"(x\.npy: byte 6: expected npy version 1\.0, 2\.0 or 3\.0, found 4\.0$)"));
    Bytes big = npy_bytes(kPlainNpyDict, f4x4, 2);
    for (int k = 8; k < 12; ++k) big[static_cast<std::size_t>(k)] = 0xff;
    r.push_back(one("npy_header_length_huge", "x.npy", big, npy_features, kData,
                    R"(x\.npy: byte 8: expected a header length <= 65536, found 4294967295$)"));
    // Header length 4096 in a 138-byte file: 128 bytes follow the 10-byte prefix.
    Bytes longer = npy_bytes(kPlainNpyDict, Bytes(10, 0));
    longer[8] = 0x00;
    longer[9] = 0x10;
    r.push_back(one("npy_header_beyond_file", "x.npy", longer, npy_features, kData,
                    R"(x\.npy: byte 8: expected a header of 4096 bytes, found only 128 bytes after the header length \(truncated\)$)"));
  }
  r.push_back(one("npy_gzip_not_decompressed", "x.npy", gzip(npy_bytes(kPlainNpyDict, f4x4)), npy_features, kData,
                  R"(x\.npy: byte 0: expected the npy magic \\x93NUMPY, found a gzip stream \(decompress it first\)$)"));
  r.push_back(one("npy_unsupported_dtype", "x.npy", npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", f4x4),
                  npy_features, kData, R"(x\.npy: byte 10: expected descr '<f4', '<f8', '\|u1', '<i4' or '<i8', found '>f4'$)"));
  r.push_back(one("npy_unknown_key", "x.npy", npy_bytes("{'descr': '<f4', 'x': 1}", f4x4), npy_features, kData,
                  R"(x\.npy: byte 27: npy header: expected a key 'descr', 'fortran_order' or 'shape', found 'x'$)"));
  r.push_back(one("npy_fortran_order", "x.npy", npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", f4x4),
                  npy_features, kData, R"(x\.npy: byte 10: expected fortran_order False \(C order\), found True)"));
  r.push_back(one("npy_0d", "x.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", le_bytes<float>({1})),
                  npy_features, kData, R"(x\.npy: byte 10: expected a shape with at least 1 dimension, found \(\) \(a 0-D array\)$)"));
  r.push_back(one("npy_shape_overflow", "x.npy",
                  npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", f4x4),
                  npy_features, kData, R"(x\.npy: byte 10: expected a shape whose size fits in 64 bits, found an overflow$)"));
  r.push_back(one("npy_zero_dim", "x.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", {}),
                  npy_features, kData, R"(x\.npy: byte 128: expected at least one sample with at least one feature, found shape with 0$)"));
  r.push_back(one("npy_truncated_data", "x.npy", npy_bytes(kPlainNpyDict, cut(f4x4, 4)), npy_features, kData,
                  R"(x\.npy: byte 128: expected 16 data bytes for shape \(2, 2\) of <f4, found 12$)"));
  r.push_back(one("npy_trailing_garbage", "x.npy", npy_bytes(kPlainNpyDict, cat(f4x4, B("junk"))), npy_features, kData,
                  R"(x\.npy: byte 128: expected 16 data bytes for shape \(2, 2\) of <f4, found 20$)"));
  r.push_back(one("npy_nan", "x.npy", npy_bytes(kPlainNpyDict, le_bytes<float>({1, 2, std::nanf(""), 4})), npy_features,
                  kData, R"(x\.npy: byte 136: expected a finite float32 value, found nan$)"));
  r.push_back(one("npy_f8_beyond_float", "x.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", le_bytes<double>({1, 1e300})),
                  npy_features, kData, R"(x\.npy: byte 136: expected a finite float32 value, found 1e\+300$)"));
  {
    const Bytes x = npy_bytes(kPlainNpyDict, f4x4);
    r.push_back(Row{"npy_negative_label",
                    {{"x.npy", x}, {"y.npy", npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", le_bytes<std::int64_t>({0, -1}))}},
                    [](const TempDir& t) { (void)load_npy(t.path("x.npy"), t.path("y.npy")); }, kData,
                    R"(y\.npy: byte 136: expected a label that is an integer >= 0, found -1$)"});
    r.push_back(Row{"npy_row_mismatch",
                    {{"x.npy", x}, {"y.npy", npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", le_bytes<std::int64_t>({0, 1, 1}))}},
                    [](const TempDir& t) { (void)load_npy(t.path("x.npy"), t.path("y.npy")); }, kData,
                    R"(y\.npy: byte 128: expected 2 rows \(the sample count of .*x\.npy\), found 3$)"});
  }

  // ---- FANN
  r.push_back(one("fann_empty", "e.data", {}, fann, kData,
                  R"(e\.data:1: expected the header 'num_pairs num_input num_output', found the end of the file for num_pairs$)"));
  r.push_back(one("fann_bad_header", "h.data", B("2 2.5 1\n"), fann, kData,
                  R"(h\.data:1: expected the header 'num_pairs num_input num_output', found '2\.5' for num_input$)"));
  r.push_back(one("fann_zero", "z.data", B("0 1 1\n"), fann, kData, R"(z\.data:1: expected num_pairs >= 1, found 0$)"));
  {
    const Bytes text = B("1000000000 1000000 1\n1 2\n");
    r.push_back(one("fann_header_claims_too_much", "g.data", text, fann, kData,
                    R"(g\.data:1: expected a header whose 1000000000 pairs x \(1000000 inputs \+ 1 outputs\) fit in the file's )" +
                        std::to_string(text.size()) + " bytes, found a header claiming more$"));
    const Bytes overflow = B("18446744073709551615 18446744073709551615 1\n");
    r.push_back(one("fann_header_overflow", "o.data", overflow, fann, kData,
                    R"(o\.data:1: expected a header whose 18446744073709551615 pairs x \(18446744073709551615 inputs \+ 1 outputs\) fit in the file's )" +
                        std::to_string(overflow.size()) + " bytes"));
  }
  r.push_back(one("fann_truncated", "s.data", B("2 2 1\n0 0\n0\n1 1\n"), fann, kData,
                  R"(s\.data:4: expected 6 numbers after the header \(2 pairs x \(2 inputs \+ 1 outputs\)\), found 5 \(end of file at output 1 of pair 2\)$)"));
  r.push_back(one("fann_trailing_numbers", "m.data", B("1 1 1\n0 0 5\n"), fann, kData,
                  R"(m\.data:2: expected the end of the file after 1 pairs, found more numbers: '5'$)"));
  r.push_back(one("fann_nan", "n.data", B("1 1 1\n0\nnan\n"), fann, kData,
                  R"(n\.data:3: output 1 of pair 1: expected a finite number, found 'nan'$)"));
  r.push_back(one("fann_nul_byte", "b.data", B(std::string_view("1 1 1\n0\0 1\n", 11)), fann, kData,
                  R"(b\.data:2: input 1 of pair 1: expected a number, found '0\\x00'$)"));

  // ---- model files (header: magic 0-7, version 8, scalar 12, body size 16, body from 24)
  r.push_back(one("model_empty", "m.bpm", {}, model, kData, R"(m\.bpm: byte 0: not a backprop model file: expected magic "BPMODEL\\0"$)"));
  {
    Bytes bad = model_2_1();
    bad[0] = 'X';
    r.push_back(one("model_wrong_magic", "m.bpm", bad, model, kData, R"(m\.bpm: byte 0: not a backprop model file)"));
  }
  r.push_back(one("model_gzip", "m.bpm", gzip(model_2_1()), model, kData,
                  R"(m\.bpm: byte 0: not a backprop model file: expected magic "BPMODEL\\0", found a gzip stream \(decompress it first\)$)"));
  r.push_back(one("model_newer_version", "m.bpm", model_2_1(0.5f, "mse", 4), model, kData,
                  R"(m\.bpm: byte 8: format version 4 is newer than this backprop reads \(3\); upgrade backprop$)"));
  r.push_back(one("model_version_0", "m.bpm", model_2_1(0.5f, "mse", 0), model, kData,
                  R"(m\.bpm: byte 8: format version 0 is not a valid version$)"));
  {
    const Bytes good = model_2_1();
    const std::string size = std::to_string(good.size());
    r.push_back(one("model_truncated", "m.bpm", cut(good, 1), model, kData,
                    R"(m\.bpm: byte 16: truncated or corrupt: expected )" + size + R"( bytes \(header, a body of )" +
                        std::to_string(good.size() - 28) + R"( bytes as the header says, checksum\), found )" +
                        std::to_string(good.size() - 1) + "$"));
    r.push_back(one("model_trailing_byte", "m.bpm", cat(good, {0}), model, kData,
                    "m\\.bpm: byte " + size + ": expected the end of the file after " + size +
                        " bytes, found 1 trailing bytes$"));
    Bytes flipped = good;
    flipped[good.size() - 6] ^= 1;  // inside the bias: the CRC no longer matches
    r.push_back(one("model_bad_checksum", "m.bpm", flipped, model, kData,
                    "m\\.bpm: byte " + std::to_string(good.size() - 4) + ": checksum mismatch: stored [0-9]+, computed [0-9]+; the file is corrupt$"));
    // The first weight is the 12th-last..9th-last byte before the 4-byte CRC.
    r.push_back(one("model_nan_weight", "m.bpm", model_2_1(std::nanf("")), model, kData,
                    "m\\.bpm: byte " + std::to_string(good.size() - 16) + ": layer 1 weight\\[0\\] is nan; expected a finite value$"));
    (void)size;
  }
  {
    ModelWriter w;
    w.str("mse").put<std::uint32_t>(1).layer(2, 1).tail();
    r.push_back(one("model_scalar_size", "m.bpm", w.file(1, 3), model, kData,
                    R"(m\.bpm: byte 12: scalar size 3; expected 4 \(float\) or 8 \(double\)$)"));
    // Layer header at body offset 4 + 3 ("mse") + 4 (L) = 11, file offset 35.
    ModelWriter huge;
    huge.str("mse").put<std::uint32_t>(1).layer(1u << 24, 1u << 24).tail();
    r.push_back(one("model_layer_larger_than_file", "m.bpm", huge.file(), model, kData,
                    R"(m\.bpm: byte 35: layer 1 declares 281474993487872 parameters, more than the [0-9]+ bytes left$)"));
    ModelWriter zero;
    zero.str("mse").put<std::uint32_t>(1).layer(0, 3).tail();
    r.push_back(one("model_zero_width", "m.bpm", zero.file(), model, kData,
                    R"(m\.bpm: byte 35: layer 1 is 0x3; expected sizes in 1\.\.16777216$)"));
    ModelWriter wide;
    wide.str("mse").put<std::uint32_t>(1).layer(std::uint64_t(1) << 32, std::uint64_t(1) << 32).tail();
    r.push_back(one("model_2p32_by_2p32", "m.bpm", wide.file(), model, kData,
                    R"(m\.bpm: byte 35: layer 1 is 4294967296x4294967296; expected sizes in 1\.\.16777216$)"));
    ModelWriter layers0;
    layers0.str("mse").put<std::uint32_t>(0).tail();
    r.push_back(one("model_no_layers", "m.bpm", layers0.file(), model, kData,
                    R"(m\.bpm: byte 31: layer count 0; expected 1\.\.4096$)"));
    ModelWriter act;
    act.str("mse").put<std::uint32_t>(1).layer(1, 1, "swish").tail();
    act.put<float>(1).put<float>(1);
    r.push_back(one("model_unknown_activation", "m.bpm", act.file(), model, kData,
                    R"(m\.bpm: byte 51: layer 1: .*swish)"));
    ModelWriter cls;
    cls.str("mse").put<std::uint32_t>(1).layer(1, 2, "identity").tail({"ok", "bad\xff"});
    for (int k = 0; k < 4; ++k) cls.put<float>(1);
    // Layer header 35..91 (16 + 4+8 + 8 + 8 + 2 = 46 bytes: 35 + 46 = 81), "none" 81..89, P 89..97,
    // C 97..101, "ok" 101..107, "bad\xff" from 107.
    r.push_back(one("model_class_name_not_utf8", "m.bpm", cls.file(), model, kData,
                    R"(m\.bpm: byte 107: class name 2: expected UTF-8 text without control characters, found the byte 0xFF at offset 3 of the name$)"));
    ModelWriter drop;
    drop.str("mse").put<std::uint32_t>(1).layer(1, 1, "identity", 0.5).tail();
    drop.put<float>(1).put<float>(1);
    r.push_back(one("model_output_dropout", "m.bpm", drop.file(), model, kData,
                    R"(m\.bpm: byte 24: layer 1 \(the output layer\) has dropout 0\.5[0-9]*; expected 0$)"));
    // Found by fuzz_model: a negative scale loaded, then failed when the model was used.
    // Layer header 35..81, "standard" 81..93, P 93..101, offsets 101..117, scales from 117.
    ModelWriter neg;
    neg.str("mse").put<std::uint32_t>(1).layer(2, 1, "identity");
    neg.str("standard").put<std::uint64_t>(2).put<double>(0).put<double>(0).put<double>(1).put<double>(-2);
    neg.put<std::uint32_t>(0).put<std::uint64_t>(1).str("{}");
    neg.put<float>(1).put<float>(1).put<float>(1);
    r.push_back(one("model_negative_scale", "m.bpm", neg.file(), model, kData,
                    R"(m\.bpm: byte 125: preprocessing scale\[1\] is -2; expected a finite value > 0$)"));
  }

  // ---- network descriptions (ConfigError, exit 78)
  r.push_back(one("netspec_malformed", "n.json", B("{\"layers\": [,]}"), netspec, kConfig,
                  R"(n\.json: malformed JSON at byte 13: )"));
  r.push_back(one("netspec_gzip", "n.json", gzip(B("{}")), netspec, kConfig,
                  R"(n\.json: malformed JSON at byte 1: expected JSON text, found a gzip stream \(decompress it first\)$)"));
  r.push_back(one("netspec_unknown_key", "n.json", B(R"({"layers": [], "input": [1], "target": [1], "lr": 1})"), netspec, kConfig,
                  R"(n\.json: lr: expected no such key \(known keys: .*\), found the unknown key "lr"$)"));
  r.push_back(one("netspec_wrong_type", "n.json",
                  B(R"({"layers": [{"in": "two", "out": 1, "activation": "relu", "weights": [[1, 2]]}], "input": [1, 2], "target": [1]})"),
                  netspec, kConfig, R"(n\.json: layers\[0\]\.in: expected a positive integer, found the string "two"$)"));
  r.push_back(one("netspec_huge_layer", "n.json",
                  B(R"({"layers": [{"in": 4294967296, "out": 4294967296, "activation": "relu", "weights": []}], "input": [1], "target": [1]})"),
                  netspec, kConfig,
                  R"(n\.json: layers\[0\]\.weights: expected an array of 4294967296 rows \(one per neuron\) of 4294967296 numbers, found an array of 0$)"));
  r.push_back(one("netspec_number_overflow", "n.json",
                  B(R"({"layers": [{"in": 1, "out": 1, "activation": "relu", "weights": [[1e400]]}], "input": [1], "target": [1]})"),
                  netspec, kConfig, R"(n\.json: malformed JSON: .*1e400)"));

  // ---- load_features (format by name)
  r.push_back(one("features_unknown_name", "data.bin", B("1,2\n"), features, kUsage,
                  R"(data\.bin: cannot tell the format from the file name)"));
  r.push_back(one("features_gzip_npy", "x.npy.gz", gzip(npy_bytes(kPlainNpyDict, f4x4)), features, kData,
                  R"(x\.npy\.gz: byte 0: expected the npy magic \\x93NUMPY, found a gzip stream \(decompress it first\)$)"));
  r.push_back(one("features_idx_empty", "t10k-images-idx3-ubyte", {}, features, kData,
                  R"(idx3-ubyte: byte 0: expected a 4-byte IDX magic)"));
  {
    FeatureOptions w3;
    w3.width = 3;
    r.push_back(one("features_width_mismatch", "x.npy", npy_bytes(kPlainNpyDict, f4x4),
                    [w3](const std::string& p) { return load_features(p, w3); }, kData,
                    R"(x\.npy: expected 3 features per sample \(the model's input\), found 2$)"));
  }
  return r;
}

class BadInput : public ::testing::TestWithParam<Row> {};

TEST_P(BadInput, FailsWithItsExitCodeAndMessage) {
  const Row& row = GetParam();
  TempDir t;
  for (const auto& [name, bytes] : row.files) t.write(name, bytes);
  try {
    row.load(t);
    FAIL() << "no exception for " << row.name;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(static_cast<int>(e.code()), static_cast<int>(row.code)) << msg;
    EXPECT_TRUE(std::regex_search(msg, std::regex(row.regex))) << "message: " << msg << "\nregex:   " << row.regex;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "not one line: " << msg;
    for (const char c : msg)
      EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20) << "control byte in: " << msg;
  } catch (const std::exception& e) {
    FAIL() << "not a bp::Error: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Table, BadInput, ::testing::ValuesIn(rows()),
                         [](const ::testing::TestParamInfo<Row>& p) { return p.param.name; });

TEST(BadInputTable, HasAtLeast40Rows) { EXPECT_GE(rows().size(), 40u); }

// Every loader returns a new object by value, so a failed load cannot touch an existing one: the
// assignment never happens. These tests pin that down for a Dataset and a Model.
TEST(BadInputTable, FailedLoadLeavesTheExistingDatasetUnchanged) {
  TempDir t;
  Dataset d = load_csv(t.write("good.csv", "a,b,c\n1,2,x\n3,4,y\n"));
  const std::string bad = t.write("bad.csv", "a,b,c\n1,2,x\n3,4\n");
  EXPECT_THROW(d = load_csv(bad), DataError);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.features(), 2u);
  EXPECT_EQ(d.class_names(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(d.feature(1, 1), 4.0f);
}

TEST(BadInputTable, FailedLoadLeavesTheExistingModelUnchanged) {
  TempDir t;
  const Bytes good = model_2_1();
  Model<float> m = load_model<float>(t.write("good.bpm", good));
  const auto before = model_to_bytes(m.net, m.info);
  EXPECT_THROW(m = load_model<float>(t.write("bad.bpm", model_2_1(0.5f, "mse", 2))), DataError);
  EXPECT_EQ(model_to_bytes(m.net, m.info), before);
  EXPECT_EQ(dense_at(m.net, 0).weights().value(0, 0), 0.5f);
}

// The in-memory entry points the fuzz targets use read what the path versions read.
TEST(BadInputTable, BytesEntryPointsMatchThePathVersions) {
  TempDir t;
  const Bytes text = B("x,y,label\n1,2,a\n3,4,b\n");
  // Two concatenated gzip members then bytes that are not a member: zlib's gzread reads both
  // members and ignores the rest; the in-memory reader does the same.
  const Bytes two = cat(cat(gzip(B("x,y,label\n1,2,a\n")), gzip(B("3,4,b\n"))), B("junk"));
  const std::string as_bytes(two.begin(), two.end());
  const Dataset from_path = load_csv(t.write("two.csv.gz", two));
  const Dataset from_bytes = load_csv_bytes(as_bytes, "two.csv.gz");
  ASSERT_EQ(from_path.size(), 2u);
  ASSERT_EQ(from_bytes.size(), 2u);
  EXPECT_EQ(from_bytes.class_names(), from_path.class_names());
  EXPECT_EQ(from_bytes.feature(1, 1), 4.0f);
  const Bytes img = idx_bytes(0x08, {2, 3}, {1, 2, 3, 4, 5, 6});
  const Bytes gz = gzip(img);
  const Dataset idx_mem = load_idx_images_bytes(std::string(gz.begin(), gz.end()), "img.gz");
  EXPECT_EQ(idx_mem.size(), 2u);
  EXPECT_EQ(idx_mem.feature(1, 2), 6.0f);
  EXPECT_EQ(load_idx_images(t.write("img.gz", gz)).feature(1, 2), 6.0f);
}

}  // namespace
}  // namespace bp
