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
/// The whole file as text, inflated when it is gzip-compressed (starts 1f 8b). Throws
/// NoInputError as above, DataError "path: byte B: ..." for a corrupt or truncated gzip stream.
std::string read_text_file(const std::string& path);

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

/// `s` shortened to at most 40 characters for messages, quoted: 'abc'.
std::string quote(std::string_view s);

}  // namespace bp::data_detail
