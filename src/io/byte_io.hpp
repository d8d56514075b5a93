// Little-endian byte writer and bounds-checked reader shared by the binary formats (model files,
// checkpoints). Internal: not installed. The reader never reads past `end` and names the byte
// offset of every failure.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "backprop/core/error.hpp"

namespace bp::io {

static_assert(std::endian::native == std::endian::little, "binary files assume a little-endian host");

/// Longest length-prefixed string a reader accepts (names, JSON configs).
inline constexpr std::uint32_t kMaxString = 1u << 24;

class Writer {
 public:
  template <class V>
  void put(V v) {
    unsigned char b[sizeof(V)];
    std::memcpy(b, &v, sizeof(V));
    out.insert(out.end(), b, b + sizeof(V));
  }
  /// u32 length + bytes.
  void put_str(const std::string& s) {
    put(static_cast<std::uint32_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  void put_bytes(const unsigned char* p, std::size_t n) { out.insert(out.end(), p, p + n); }
  std::vector<unsigned char> out;
};

class Reader {
 public:
  /// Reads bytes[begin, end); `name` (the file) starts every error message.
  Reader(const std::string& bytes, std::size_t begin, std::size_t end, const std::string& name)
      : b_(bytes), pos_(begin), end_(end), name_(name) {}
  std::size_t pos() const { return pos_; }
  std::size_t left() const { return end_ - pos_; }
  [[noreturn]] void fail(const std::string& what, std::size_t at) const {
    throw DataError(name_ + ": byte " + std::to_string(at) + ": " + what);
  }
  void need(std::size_t n, const char* what) const {
    if (n > left())
      fail(std::string("truncated: expected ") + std::to_string(n) + " bytes of " + what + ", found " +
               std::to_string(left()),
           pos_);
  }
  template <class V>
  V get(const char* what) {
    need(sizeof(V), what);
    V v;
    std::memcpy(&v, b_.data() + pos_, sizeof(V));
    pos_ += sizeof(V);
    return v;
  }
  std::string get_str(const char* what) {
    const std::size_t at = pos_;
    const auto n = get<std::uint32_t>(what);
    if (n > kMaxString) fail(std::string(what) + " length " + std::to_string(n) + " exceeds the limit", at);
    need(n, what);
    std::string s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  /// n raw bytes as a string (n already checked by the caller against left()).
  std::string get_bytes(std::size_t n, const char* what) {
    need(n, what);
    std::string s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  const std::string& b_;
  std::size_t pos_, end_;
  const std::string& name_;
};

/// zlib's CRC-32 of n bytes (any n: fed to zlib in chunks that fit its uInt).
inline std::uint32_t crc32_of(const unsigned char* p, std::size_t n, std::uint32_t crc = 0) {
  uLong c = crc == 0 ? crc32(0L, Z_NULL, 0) : crc;
  while (n > 0) {
    const uInt chunk = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
    c = crc32(c, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<std::uint32_t>(c);
}

}  // namespace bp::io
