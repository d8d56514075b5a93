// FANN training-data reader: a stream of whitespace-separated numbers with line tracking.
#include "backprop/data/fann.hpp"

#include <cmath>
#include <string_view>
#include <utility>
#include <vector>

#include "backprop/core/error.hpp"
#include "data/file_util.hpp"

namespace bp {
namespace {

// Splits text into whitespace-separated tokens, counting lines.
class Tokens {
 public:
  explicit Tokens(std::string_view text) : s_(text) {}
  // Next token, or empty at the end; line() is the token's line afterwards.
  std::string_view next() {
    while (pos_ < s_.size() && is_space(s_[pos_])) {
      if (s_[pos_] == '\n') ++line_;
      ++pos_;
    }
    const std::size_t start = pos_;
    while (pos_ < s_.size() && !is_space(s_[pos_])) ++pos_;
    if (pos_ > start || token_line_ == 0) token_line_ = line_;
    return s_.substr(start, pos_ - start);
  }
  // Line of the last token (at the end of input: of the last token before it).
  std::size_t line() const { return token_line_; }

 private:
  static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  }
  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t token_line_ = 0;
};

}  // namespace

namespace {

// The reader proper, on the (already inflated) text; `path` names it in messages.
Dataset parse_fann(std::string_view text, const std::string& path) {
  Tokens tok(text);
  const char* header_names[3] = {"num_pairs", "num_input", "num_output"};
  std::uint64_t header[3] = {0, 0, 0};
  for (std::size_t h = 0; h < 3; ++h) {
    const std::string_view t = tok.next();
    const auto v = data_detail::parse_uint(t);
    const std::string where = path + ":" + std::to_string(tok.line()) + ": ";
    if (!v)
      throw DataError(where + "expected the header 'num_pairs num_input num_output', found " +
                      (t.empty() ? std::string("the end of the file") : data_detail::quote(t)) +
                      " for " + header_names[h]);
    if (*v == 0)
      throw DataError(where + "expected " + header_names[h] + " >= 1, found 0");
    header[h] = *v;
  }
  const std::uint64_t pairs = header[0], I = header[1], K = header[2];
  const auto per_pair = I + K;  // both < 2^64 / 2 is not guaranteed: check the product
  const auto total = (per_pair < I) ? std::nullopt : data_detail::mul_checked(pairs, per_pair);
  // Each number takes at least 2 bytes (digit + separator), so a valid file has
  // total <= size / 2 + 1; anything more is a header error, found before allocating.
  if (!total || *total > text.size() / 2 + 1)
    throw DataError(path + ":1: expected a header whose " + std::to_string(pairs) + " pairs x (" +
                    std::to_string(I) + " inputs + " + std::to_string(K) +
                    " outputs) fit in the file's " + std::to_string(text.size()) +
                    " bytes, found a header claiming more");

  std::vector<float> x;
  std::vector<float> y;
  x.reserve(static_cast<std::size_t>(pairs * I));
  y.reserve(static_cast<std::size_t>(pairs * K));
  for (std::uint64_t p = 0; p < pairs; ++p) {
    for (std::uint64_t k = 0; k < per_pair; ++k) {
      const std::string_view t = tok.next();
      const std::string where = path + ":" + std::to_string(tok.line()) + ": ";
      const bool is_input = k < I;
      const std::string what = std::string(is_input ? "input " : "output ") +
                               std::to_string(is_input ? k + 1 : k - I + 1) + " of pair " +
                               std::to_string(p + 1);
      if (t.empty())
        throw DataError(where + "expected " + std::to_string(*total) + " numbers after the " +
                        "header (" + std::to_string(pairs) + " pairs x (" + std::to_string(I) +
                        " inputs + " + std::to_string(K) + " outputs)), found " +
                        std::to_string(p * per_pair + k) + " (end of file at " + what + ")");
      const auto v = data_detail::parse_float(t);
      if (!v) throw DataError(where + what + ": expected a number, found " + data_detail::quote(t));
      if (!std::isfinite(*v))
        throw DataError(where + what + ": expected a finite number, found " + data_detail::quote(t));
      (is_input ? x : y).push_back(*v);
    }
  }
  const std::string_view extra = tok.next();
  if (!extra.empty())
    throw DataError(path + ":" + std::to_string(tok.line()) + ": expected the end of the file " +
                    "after " + std::to_string(pairs) + " pairs, found more numbers: " +
                    data_detail::quote(extra));
  return Dataset::regression(static_cast<std::size_t>(I), std::move(x),
                             static_cast<std::size_t>(K), std::move(y));
}

}  // namespace

Dataset load_fann(const std::string& path) { return parse_fann(data_detail::read_text_file(path), path); }

Dataset load_fann_bytes(std::string_view bytes, const std::string& name) {
  if (!data_detail::is_gzip(bytes)) return parse_fann(bytes, name);
  return parse_fann(data_detail::text_from_bytes(bytes, name), name);
}

}  // namespace bp
