// .npy reader (numpy.lib.format): magic, version, bounded header length, a parser for the
// header's dict literal (no eval), then a size check before the data is read.
#include "backprop/data/npy.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <utility>

#include "backprop/core/error.hpp"
#include "data/file_util.hpp"

namespace bp {
namespace {

constexpr std::uint64_t kMaxHeaderLen = 65536;

// Parser for the header literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
 public:
  HeaderParser(const std::string& path, std::string_view text, std::uint64_t offset)
      : path_(path), s_(text), offset_(offset) {}

  void parse(NpyArray& a, bool& fortran) {
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    skip_ws();
    expect('{');
    for (;;) {
      skip_ws();
      if (peek() == '}') break;
      const std::size_t key_pos = pos_;
      const std::string key = string_literal();
      skip_ws();
      expect(':');
      skip_ws();
      if (key == "descr") {
        a.descr = string_literal();
        seen_descr = true;
      } else if (key == "fortran_order") {
        fortran = boolean();
        seen_fortran = true;
      } else if (key == "shape") {
        a.shape = tuple();
        seen_shape = true;
      } else {
        fail(key_pos, "a key 'descr', 'fortran_order' or 'shape'", data_detail::quote(key));
      }
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_ws();
      if (peek() != '}') fail(pos_, "',' or '}'", found());
    }
    ++pos_;
    skip_ws();
    if (pos_ != s_.size()) fail(pos_, "the end of the header (spaces and '\\n')", found());
    if (!seen_descr || !seen_fortran || !seen_shape)
      fail(0, "the keys 'descr', 'fortran_order' and 'shape'", "a header missing one of them");
  }

 private:
  [[noreturn]] void fail(std::size_t pos, const std::string& expected, const std::string& what) {
    throw DataError(path_ + ": byte " + std::to_string(offset_ + pos) + ": npy header: expected " +
                    expected + ", found " + what);
  }
  std::string found() const {
    if (pos_ >= s_.size()) return "the end of the header";
    return data_detail::quote(s_.substr(pos_, 1));
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t')) ++pos_;
  }
  void expect(char c) {
    if (peek() != c) fail(pos_, std::string("'") + c + "'", found());
    ++pos_;
  }
  std::string string_literal() {
    const char q = peek();
    if (q != '\'' && q != '"') fail(pos_, "a quoted string", found());
    const std::size_t start = ++pos_;
    while (pos_ < s_.size() && s_[pos_] != q) {
      if (s_[pos_] == '\\') fail(pos_, "a plain string", "an escape sequence");
      ++pos_;
    }
    if (pos_ >= s_.size()) fail(start - 1, "a closing quote", "the end of the header");
    return std::string(s_.substr(start, pos_++ - start));
  }
  bool boolean() {
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail(pos_, "True or False", found());
  }
  std::vector<std::uint64_t> tuple() {
    std::vector<std::uint64_t> v;
    expect('(');
    for (;;) {
      skip_ws();
      if (peek() == ')') break;
      const std::size_t start = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      const auto n = data_detail::parse_uint(s_.substr(start, pos_ - start));
      if (!n) fail(start, "a non-negative integer dimension", found());
      v.push_back(*n);
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != ')') fail(pos_, "',' or ')'", found());
    }
    ++pos_;
    return v;
  }

  const std::string& path_;
  std::string_view s_;
  std::uint64_t offset_;
  std::size_t pos_ = 0;
};

std::string hex_escape(unsigned char c) {
  const char* hex = "0123456789abcdef";
  return std::string("\\x") + hex[c >> 4] + hex[c & 15];
}

std::uint64_t read_le(const unsigned char* b, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t k = n; k-- > 0;) v = (v << 8) | b[k];
  return v;
}

}  // namespace

namespace {

// The magic, the version and the header length; returns the header text, and in `prefix` the
// offset where it starts.
std::string_view read_npy_preamble(std::string_view file, const std::string& path, std::uint64_t& prefix) {
  unsigned char pre[12] = {};
  const std::size_t got = std::min<std::size_t>(8, file.size());
  if (got) std::memcpy(pre, file.data(), got);
  if (got < 8 || std::memcmp(pre, "\x93NUMPY", 6) != 0) {
    std::string seen;
    for (std::size_t k = 0; k < std::min<std::size_t>(got, 6); ++k)
      seen += (pre[k] >= 32 && pre[k] < 127) ? std::string(1, static_cast<char>(pre[k]))
                                             : hex_escape(pre[k]);
    throw DataError(path + ": byte 0: expected the npy magic \\x93NUMPY, found " +
                    (data_detail::is_gzip(file) ? std::string("a gzip stream (decompress it first)")
                     : got < 8                   ? "a " + std::to_string(got) + "-byte file"
                                                 : "'" + seen + "'"));
  }
  const unsigned major = pre[6], minor = pre[7];
  if (major < 1 || major > 3 || minor != 0)
    throw DataError(path + ": byte 6: expected npy version 1.0, 2.0 or 3.0, found " +
                    std::to_string(major) + "." + std::to_string(minor));
  const std::size_t len_size = major == 1 ? 2 : 4;
  if (file.size() < 8 + len_size)
    throw DataError(path + ": byte 8: expected a " + std::to_string(len_size) +
                    "-byte header length, found the end of the file");
  std::memcpy(pre + 8, file.data() + 8, len_size);
  const std::uint64_t header_len = read_le(pre + 8, len_size);
  prefix = 8 + len_size;
  if (header_len > kMaxHeaderLen)
    throw DataError(path + ": byte 8: expected a header length <= " +
                    std::to_string(kMaxHeaderLen) + ", found " + std::to_string(header_len));
  if (prefix + header_len > file.size())
    throw DataError(path + ": byte 8: expected a header of " + std::to_string(header_len) +
                    " bytes, found only " + std::to_string(file.size() - prefix) +
                    " bytes after the header length (truncated)");
  return file.substr(static_cast<std::size_t>(prefix), static_cast<std::size_t>(header_len));
}

// The item size of a.descr, and the element count of a.shape (checked against overflow).
std::uint64_t check_descr_and_shape(NpyArray& a, const std::string& path, std::uint64_t prefix) {
  const std::string& d = a.descr;
  if (d == "|u1" || d == "<u1") a.itemsize = 1;
  else if (d == "<i4" || d == "<f4") a.itemsize = 4;
  else if (d == "<i8" || d == "<f8") a.itemsize = 8;
  else
    throw DataError(path + ": byte " + std::to_string(prefix) +
                    ": expected descr '<f4', '<f8', '|u1', '<i4' or '<i8', found " +
                    data_detail::quote(d));
  if (a.shape.empty())
    throw DataError(path + ": byte " + std::to_string(prefix) +
                    ": expected a shape with at least 1 dimension, found () (a 0-D array)");
  std::uint64_t count = 1;
  for (const auto dim : a.shape) {
    const auto next = data_detail::mul_checked(count, dim);
    if (!next) throw DataError(path + ": byte " + std::to_string(prefix) +
                               ": expected a shape whose size fits in 64 bits, found an overflow");
    count = *next;
  }
  return count;
}

// The n little-endian values at raw into the array of a's type.
void read_npy_values(NpyArray& a, const unsigned char* raw, std::size_t n) {
  if (a.itemsize == 1) {
    a.u8.reserve(n);
    data_detail::advise_huge_pages(a.u8.data(), a.u8.capacity());  // before the first touch
    a.u8.assign(raw, raw + n);
  } else if (a.descr == "<f4") {
    a.f32.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      const auto bits = static_cast<std::uint32_t>(read_le(raw + 4 * k, 4));
      std::memcpy(&a.f32[k], &bits, 4);
    }
  } else if (a.descr == "<f8") {
    a.f64.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint64_t bits = read_le(raw + 8 * k, 8);
      std::memcpy(&a.f64[k], &bits, 8);
    }
  } else {
    a.i64.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      std::uint64_t bits = read_le(raw + a.itemsize * k, a.itemsize);
      if (a.itemsize == 4 && (bits & 0x80000000u)) bits |= 0xFFFFFFFF00000000ULL;  // sign-extend
      std::memcpy(&a.i64[k], &bits, 8);
    }
  }
}

}  // namespace

NpyArray read_npy(const std::string& path) {
  return read_npy_bytes(data_detail::read_binary_file(path), path);
}

NpyArray read_npy_bytes(std::string_view file, const std::string& path) {
  std::uint64_t prefix = 0;
  const std::string header(read_npy_preamble(file, path, prefix));
  NpyArray a;
  bool fortran = false;
  HeaderParser(path, header, prefix).parse(a, fortran);
  if (fortran)
    throw DataError(path + ": byte " + std::to_string(prefix) +
                    ": expected fortran_order False (C order), found True; save with "
                    "np.save(path, np.ascontiguousarray(a))");
  const std::uint64_t count = check_descr_and_shape(a, path, prefix);
  a.data_offset = prefix + header.size();
  const auto bytes = data_detail::mul_checked(count, a.itemsize);
  const std::uint64_t remaining = file.size() - a.data_offset;
  std::string shape;
  for (std::size_t k = 0; k < a.shape.size(); ++k) {
    if (k) shape.append(", ");
    shape.append(std::to_string(a.shape[k]));
  }
  if (!bytes || *bytes != remaining)
    throw DataError(path + ": byte " + std::to_string(a.data_offset) + ": expected " +
                    (bytes ? std::to_string(*bytes) : std::string("more than 2^64")) +
                    " data bytes for shape (" + shape + ") of " + a.descr + ", found " +
                    std::to_string(remaining));
  a.rows = static_cast<std::size_t>(a.shape[0]);
  a.cols = a.rows == 0 ? 0 : static_cast<std::size_t>(count / a.shape[0]);
  read_npy_values(a, reinterpret_cast<const unsigned char*>(file.data() + a.data_offset),
                  static_cast<std::size_t>(count));
  return a;
}

namespace {

// Element k of any numeric array as double.
double value_at(const NpyArray& a, std::size_t k) {
  if (!a.u8.empty()) return a.u8[k];
  if (!a.f32.empty()) return static_cast<double>(a.f32[k]);
  if (!a.f64.empty()) return a.f64[k];
  return static_cast<double>(a.i64[k]);
}

// All values as finite float32; the error names the element's byte offset.
std::vector<float> to_float(const NpyArray& a, const std::string& path) {
  const std::size_t n = a.rows * a.cols;
  std::vector<float> out(n);
  for (std::size_t k = 0; k < n; ++k) {
    const double v = value_at(a, k);
    if (!std::isfinite(v) || std::abs(v) > static_cast<double>(std::numeric_limits<float>::max()))
      throw DataError(path + ": byte " + std::to_string(a.data_offset + k * a.itemsize) +
                      ": expected a finite float32 value, found " + data_detail::format_double(v));
    out[k] = static_cast<float>(v);
  }
  return out;
}

}  // namespace

namespace {

// An array of more than 2 dimensions is taken as (N, d1 x ... x dk) only when asked for.
void check_dimensions(const NpyArray& a, const std::string& path, bool flatten, const char* what) {
  if (a.shape.size() <= 2 || flatten) return;
  std::string shape;
  for (std::size_t k = 0; k < a.shape.size(); ++k) shape += (k ? ", " : "") + std::to_string(a.shape[k]);
  throw DataError(path + ": byte " + std::to_string(a.data_offset) + ": expected " + what +
                  " of 1 or 2 dimensions (samples x values), found shape (" + shape + "); reshape it to (" +
                  std::to_string(a.rows) + ", " + std::to_string(a.cols) +
                  ") first, e.g. np.save(path, a.reshape(len(a), -1))");
}

Dataset npy_features(NpyArray xa, const std::string& path, bool flatten) {
  check_dimensions(xa, path, flatten, "features");
  if (xa.rows == 0 || xa.cols == 0)
    throw DataError(path + ": byte " + std::to_string(xa.data_offset) +
                    ": expected at least one sample with at least one feature, found shape with 0");
  const std::size_t I = xa.cols;
  if (xa.itemsize == 1 && !xa.u8.empty()) return Dataset::unlabelled(I, std::move(xa.u8));
  return Dataset::unlabelled(I, to_float(xa, path));
}

Dataset npy_dataset(NpyArray xa, const std::string& features_path, const NpyArray& ya,
                    const std::string& targets_path, const NpyOptions& options) {
  check_dimensions(xa, features_path, options.flatten, "features");
  check_dimensions(ya, targets_path, options.flatten, options.task == Task::kRegression ? "targets" : "labels");
  const std::size_t N = xa.rows;
  const std::size_t I = xa.cols;
  if (N == 0 || I == 0)
    throw DataError(features_path + ": byte " + std::to_string(xa.data_offset) +
                    ": expected at least one sample with at least one feature, found shape with 0");
  if (ya.rows != N)
    throw DataError(targets_path + ": byte " + std::to_string(ya.data_offset) + ": expected " +
                    std::to_string(N) + " rows (the sample count of " + features_path +
                    "), found " + std::to_string(ya.rows));
  auto features_u8 = [&]() { return std::move(xa.u8); };

  if (options.task == Task::kRegression) {
    std::vector<float> t = to_float(ya, targets_path);
    if (ya.cols == 0)
      throw DataError(targets_path + ": expected at least one target column, found 0");
    if (xa.itemsize == 1) return Dataset::regression(I, features_u8(), ya.cols, std::move(t));
    return Dataset::regression(I, to_float(xa, features_path), ya.cols, std::move(t));
  }

  if (ya.cols != 1)
    throw DataError(targets_path + ": byte " + std::to_string(ya.data_offset) +
                    ": expected 1 label per sample (shape (N,) or (N, 1)), found " +
                    std::to_string(ya.cols));
  std::size_t classes =
      options.class_names.empty() ? options.classes : options.class_names.size();
  if (!options.class_names.empty() && options.classes != 0 && options.classes != classes)
    throw UsageError("NpyOptions: classes = " + std::to_string(options.classes) + " but " +
                     std::to_string(classes) + " class names");
  std::vector<std::uint32_t> labels(N);
  std::uint32_t max_label = 0;
  for (std::size_t n = 0; n < N; ++n) {
    const double v = value_at(ya, n);
    if (!(v >= 0.0 && v <= 4294967295.0 && v == std::floor(v)))
      throw DataError(targets_path + ": byte " + std::to_string(ya.data_offset + n * ya.itemsize) +
                      ": expected a label that is an integer >= 0, found " + data_detail::format_double(v));
    labels[n] = static_cast<std::uint32_t>(v);
    if (labels[n] > max_label) max_label = labels[n];
    if (classes != 0 && labels[n] >= classes)
      throw DataError(targets_path + ": byte " + std::to_string(ya.data_offset + n * ya.itemsize) +
                      ": expected a label < " + std::to_string(classes) + " classes, found " +
                      std::to_string(labels[n]));
  }
  if (classes == 0) {
    if (max_label >= (1u << 20))
      throw DataError(targets_path + ": expected at most 2^20 classes, found a label " +
                      std::to_string(max_label));
    classes = std::size_t(max_label) + 1;
  }
  std::vector<std::string> names = options.class_names;
  if (names.empty())
    for (std::size_t c = 0; c < classes; ++c) names.push_back(std::to_string(c));
  if (xa.itemsize == 1)
    return Dataset::classification(I, features_u8(), std::move(labels), std::move(names));
  return Dataset::classification(I, to_float(xa, features_path), std::move(labels),
                                 std::move(names));
}

}  // namespace

Dataset load_npy_features(const std::string& path, bool flatten) {
  return npy_features(read_npy(path), path, flatten);
}

Dataset load_npy_features_bytes(std::string_view bytes, const std::string& name, bool flatten) {
  return npy_features(read_npy_bytes(bytes, name), name, flatten);
}

Dataset load_npy(const std::string& features_path, const std::string& targets_path,
                 const NpyOptions& options) {
  NpyArray xa = read_npy(features_path);
  const NpyArray ya = read_npy(targets_path);
  return npy_dataset(std::move(xa), features_path, ya, targets_path, options);
}

Dataset load_npy_bytes(std::string_view features, const std::string& features_name,
                       std::string_view targets, const std::string& targets_name,
                       const NpyOptions& options) {
  NpyArray xa = read_npy_bytes(features, features_name);
  const NpyArray ya = read_npy_bytes(targets, targets_name);
  return npy_dataset(std::move(xa), features_name, ya, targets_name, options);
}

}  // namespace bp
