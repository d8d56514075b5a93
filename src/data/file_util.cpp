// Internal helpers shared by the data loaders.
#include "data/file_util.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <new>
#include <system_error>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "backprop/core/error.hpp"

namespace bp::data_detail {

std::uint64_t check_readable(const std::string& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st))
    throw NoInputError("cannot open '" + path + "': no such file");
  if (std::filesystem::is_directory(st))
    throw NoInputError("cannot open '" + path + "': is a directory");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw NoInputError("cannot open '" + path + "': " + std::strerror(errno));
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw NoInputError("cannot open '" + path + "': " + ec.message());
  return size;
}

std::string read_binary_file(const std::string& path) {
  check_readable(path);
  std::ifstream f(path, std::ios::binary);
  if (!f) throw NoInputError("cannot open '" + path + "': " + std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) throw NoInputError("cannot read '" + path + "'");
  return bytes;
}

std::string read_text_file(const std::string& path) {
  std::string bytes = read_binary_file(path);
  if (!is_gzip(bytes)) return bytes;
  return text_from_bytes(bytes, path);
}

bool is_gzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string text_from_bytes(std::string_view bytes, const std::string& name) {
  if (!is_gzip(bytes)) return std::string(bytes);
  GzipReader in(bytes, name);
  std::string out;
  constexpr std::size_t kPiece = std::size_t(1) << 16;
  for (;;) {
    const std::size_t have = out.size();
    out.resize(have + kPiece);
    const std::size_t got = in.read(out.data() + have, kPiece);
    out.resize(have + got);
    if (got < kPiece) break;
  }
  return out;
}

struct GzipReader::State {
  z_stream zs{};
  std::string_view in;     // the compressed bytes
  std::size_t fed = 0;     // bytes of `in` handed to zlib so far
  std::uint64_t out = 0;   // bytes produced so far
  bool done = false;
  const std::string& name;
  explicit State(const std::string& n) : name(n) {}

  [[noreturn]] void fail(const char* found, const char* why) const {
    throw DataError(name + ": byte " + std::to_string(out) + ": expected a valid gzip stream, found " +
                    found + " (" + (why ? why : "zlib error") + ")");
  }
  // Hands zlib the next slice of input when it has none (avail_in is 32-bit).
  void feed() {
    if (zs.avail_in != 0 || fed >= in.size()) return;
    const std::size_t n = std::min<std::size_t>(in.size() - fed, std::size_t(1) << 30);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + fed));
    zs.avail_in = static_cast<uInt>(n);
    fed += n;
  }
  std::size_t unread() const { return zs.avail_in + (in.size() - fed); }
};

GzipReader::GzipReader(std::string_view compressed, const std::string& name) : s_(new State(name)) {
  s_->in = compressed;
  if (inflateInit2(&s_->zs, 16 + MAX_WBITS) != Z_OK) {  // 16: gzip wrapper only
    delete s_;
    throw std::bad_alloc();
  }
}

GzipReader::~GzipReader() {
  inflateEnd(&s_->zs);
  delete s_;
}

std::size_t GzipReader::read(void* buf, std::size_t n) {
  State& s = *s_;
  auto* dst = static_cast<unsigned char*>(buf);
  std::size_t got = 0;
  while (got < n && !s.done) {
    s.feed();
    const auto want = static_cast<uInt>(std::min<std::size_t>(n - got, std::size_t(1) << 30));
    s.zs.next_out = dst + got;
    s.zs.avail_out = want;
    const int r = inflate(&s.zs, Z_NO_FLUSH);
    const std::size_t produced = want - s.zs.avail_out;
    got += produced;
    s.out += produced;
    if (r == Z_STREAM_END) {
      // Another member follows only when the next bytes are a gzip magic; anything else after a
      // member is ignored, as zlib's gzread does.
      const std::size_t pos = s.in.size() - s.unread();
      if (is_gzip(s.in.substr(pos))) {
        if (inflateReset(&s.zs) != Z_OK) s.fail("corrupt data", s.zs.msg);
      } else {
        s.done = true;
      }
      continue;
    }
    if (r == Z_OK) continue;
    if (r == Z_MEM_ERROR) throw std::bad_alloc();
    if (r == Z_BUF_ERROR) {  // no progress: out of input, or this slice used up
      if (s.unread() == 0) s.fail("truncated data", "the stream ends early");
      if (s.zs.avail_in == 0) continue;
    }
    s.fail("corrupt data", s.zs.msg);
  }
  return got;
}

std::optional<std::uint64_t> mul_checked(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::nullopt;
  return a * b;
}

std::optional<float> parse_float(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);  // from_chars rejects a leading '+'
  if (s.empty() || s.front() == '+') return std::nullopt;
  // Parsed as double, then narrowed, so tiny values round to 0 instead of failing.
  double v = 0.0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  if (std::isfinite(v) && std::abs(v) > static_cast<double>(std::numeric_limits<float>::max()))
    return std::nullopt;
  return static_cast<float>(v);
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string format_double(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string quote(std::string_view s) {
  // Appends instead of operator+ chains: g++ 12 raises a false -Wrestrict on those.
  std::string r(1, '\'');
  const char* hex = "0123456789abcdef";
  for (const char ch : s.substr(0, s.size() > 40 ? 37 : s.size())) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      r.push_back(ch);
    } else {
      r.append("\\x");
      r.push_back(hex[c >> 4]);
      r.push_back(hex[c & 15]);
    }
  }
  if (s.size() > 40) r.append("...");
  r.push_back('\'');
  return r;
}

namespace {

// Length of the valid UTF-8 sequence at s[k], or 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t k) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(k);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // range of the second byte
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c == 0xe0) n = 3, lo = 0xa0;
  else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) n = 3;
  else if (c == 0xed) n = 3, hi = 0x9f;
  else if (c == 0xf0) n = 4, lo = 0x90;
  else if (c >= 0xf1 && c <= 0xf3) n = 4;
  else if (c == 0xf4) n = 4, hi = 0x8f;
  else return 0;
  if (k + n > s.size()) return 0;
  if (b(k + 1) < lo || b(k + 1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (b(k + i) < 0x80 || b(k + i) > 0xbf) return 0;
  return n;
}

}  // namespace

void check_text(std::string_view text, const std::string& name) {
  std::size_t line = 1, chars = 0;  // chars: characters before k on this line
  for (std::size_t k = 0; k < text.size();) {
    const auto c = static_cast<unsigned char>(text[k]);
    const std::size_t n = c == 0 ? 0 : utf8_length(text, k);
    if (n == 0) {
      const char* hex = "0123456789ABCDEF";
      std::string found = c == 0 ? std::string("a NUL byte (is this a binary file?)")
                                 : std::string("the byte 0x") + hex[c >> 4] + hex[c & 15] +
                                       " (not valid UTF-8; save the file as UTF-8)";
      throw DataError(name + ":" + std::to_string(line) + ": character " + std::to_string(chars + 1) +
                      " (byte " + std::to_string(k) + "): expected UTF-8 text, found " + found);
    }
    if (c == '\n') {
      ++line;
      chars = 0;
    } else {
      ++chars;
    }
    k += n;
  }
}

void advise_huge_pages(void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHuge = std::uintptr_t{1} << 21;
  if (p == nullptr || bytes < 2 * kHuge) return;
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t lo = (a + kHuge - 1) & ~(kHuge - 1), hi = (a + bytes) & ~(kHuge - 1);
  if (hi > lo) (void)madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

}  // namespace bp::data_detail
