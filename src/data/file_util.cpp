// Internal helpers shared by the data loaders.
#include "data/file_util.hpp"

#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <system_error>

#include "backprop/error.hpp"

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

std::string read_text_file(const std::string& path) {
  check_readable(path);
  std::ifstream f(path, std::ios::binary);
  if (!f) throw NoInputError("cannot open '" + path + "': " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) throw NoInputError("cannot read '" + path + "'");
  if (text.size() < 2 || static_cast<unsigned char>(text[0]) != 0x1f ||
      static_cast<unsigned char>(text[1]) != 0x8b)
    return text;
  // gzip (magic 1f 8b): inflate the whole stream; gzread handles concatenated members.
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) throw NoInputError("cannot open '" + path + "'");
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const int r = gzread(gz, buf, sizeof buf);
    int err = Z_OK;
    if (r < 0 || (r == 0 && (gzerror(gz, &err), err != Z_OK && err != Z_STREAM_END))) {
      const char* msg = gzerror(gz, &err);
      const std::string why = msg ? msg : "zlib error";
      gzclose(gz);
      throw DataError(path + ": byte " + std::to_string(out.size()) +
                      ": expected a valid gzip stream, found corrupt or truncated data (" + why + ")");
    }
    if (r == 0) break;
    out.append(buf, static_cast<std::size_t>(r));
  }
  gzclose(gz);
  return out;
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
  r.append(s.substr(0, s.size() > 40 ? 37 : s.size()));
  if (s.size() > 40) r.append("...");
  r.push_back('\'');
  return r;
}

}  // namespace bp::data_detail
