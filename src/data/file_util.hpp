// Internal helpers shared by the data loaders: opening files with the right exception type,
// number parsing, and overflow-checked size arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bp::data_detail {

/// Throws NoInputError ("cannot open 'path': reason") when path is missing, a directory or
/// unreadable; returns the file size in bytes otherwise.
std::uint64_t check_readable(const std::string& path);
/// The whole file's bytes, as stored (no decompression). Throws NoInputError as above.
std::string read_binary_file(const std::string& path);
/// The whole file as text, inflated when it is gzip-compressed (starts 1f 8b). Throws
/// NoInputError as above, DataError "path: byte B: ..." for a corrupt or truncated gzip stream.
std::string read_text_file(const std::string& path);
/// text_from_bytes(bytes, name): bytes as they are, or inflated when they start with the gzip
/// magic 1f 8b (the in-memory half of read_text_file). DataError as read_text_file.
std::string text_from_bytes(std::string_view bytes, const std::string& name);

/// Asks the kernel to back the 2 MB-aligned part of [p, p + bytes) with 2 MB pages (Linux
/// transparent huge pages; in the "madvise" mode, as on this project's machines, only regions
/// that ask get them). Only pages not yet touched are affected, so call it between reserving a buffer and
/// filling it. Batches gather rows at random from the whole data set; with 4 KB pages nearly
/// every 784-byte Fashion-MNIST row misses the TLB (47 MB of rows against 8 MB of TLB reach),
/// and the W2 epoch's gather took 25.7 ms instead of 18.5 ms. A no-op where unsupported or for
/// buffers under 4 MB; failures are ignored (the pages stay small).
void advise_huge_pages(void* p, std::size_t bytes) noexcept;

/// Whether bytes start with the gzip magic 1f 8b.
bool is_gzip(std::string_view bytes);

/// Inflates a gzip stream held in memory, a piece at a time. Like zlib's gzread, concatenated
/// members are read one after the other and bytes after a member that do not start another
/// member are ignored. Errors are DataError "name: byte B: expected a valid gzip stream, found
/// corrupt data (zlib's reason)" or "... found truncated data (...)", B counting output bytes.
class GzipReader {
 public:
  GzipReader(std::string_view compressed, const std::string& name);
  ~GzipReader();
  GzipReader(const GzipReader&) = delete;
  GzipReader& operator=(const GzipReader&) = delete;
  /// Reads up to n bytes; fewer only at the end of the stream.
  std::size_t read(void* buf, std::size_t n);

 private:
  struct State;
  State* s_;
};

/// a * b, or nullopt on overflow of std::uint64_t.
std::optional<std::uint64_t> mul_checked(std::uint64_t a, std::uint64_t b);

/// A whole-token float parse: optional sign, decimal or exponent form, also nan/inf (which the
/// callers reject with their own message). nullopt when the token is not a number or is out
/// of float range.
std::optional<float> parse_float(std::string_view s);
/// A whole-token unsigned integer parse (decimal digits only).
std::optional<std::uint64_t> parse_uint(std::string_view s);

/// The shortest decimal form that reads back as v (e.g. "-1", "0.5", "1e+300").
std::string format_double(double v);

/// `s` shortened to at most 40 characters for messages, quoted: 'abc'. Control characters and
/// bytes >= 0x7f are written as \xNN, so a message stays one printable line.
std::string quote(std::string_view s);

/// Checks that text has no NUL byte and is valid UTF-8 (a leading byte-order mark is allowed).
/// Throws DataError "name:line: character C (byte B): expected UTF-8 text, found ..." otherwise.
void check_text(std::string_view text, const std::string& name);

}  // namespace bp::data_detail
