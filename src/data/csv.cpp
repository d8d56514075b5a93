// CSV loader: a small RFC 4180 reader (quotes, "" escapes, CRLF) feeding a Dataset.
#include "backprop/data/csv.hpp"

#include <algorithm>
#include <limits>
#include <cmath>
#include <numeric>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "backprop/error.hpp"
#include "data/file_util.hpp"

namespace bp {
namespace {

using data_detail::parse_float;
using data_detail::quote;

// Reads one record at a time from the file's text. Fields are reused between records, so a
// large file does not allocate per row once the strings reached their size.
class CsvReader {
 public:
  CsvReader(const std::string& path, std::string_view text, char delimiter)
      : path_(path), text_(text), delim_(delimiter) {}

  // Next record into fields; its first physical line into line. False at end of input.
  bool next(std::vector<std::string>& fields, std::size_t& count, std::size_t& line) {
    if (pos_ >= text_.size()) return false;
    line = line_;
    count = 0;
    for (;;) {
      if (count == fields.size()) fields.emplace_back();
      std::string& f = fields[count++];
      f.clear();
      const bool end_of_record = read_field(f, count);
      if (end_of_record) return true;
    }
  }

 private:
  bool is_space(char c) const { return (c == ' ' || c == '\t') && c != delim_; }

  // Reads one field into f; true when it ended the record (newline or end of input).
  bool read_field(std::string& f, std::size_t column) {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      const std::size_t start_line = line_;
      ++pos_;
      for (;;) {
        if (pos_ >= text_.size())
          throw DataError(path_ + ":" + std::to_string(start_line) + ": column " +
                          std::to_string(column) +
                          ": expected a closing '\"', found the end of the file");
        const char c = text_[pos_++];
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            f.push_back('"');
            ++pos_;
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        f.push_back(c);
      }
      while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
      if (pos_ < text_.size() && text_[pos_] != delim_ && text_[pos_] != '\n' &&
          text_[pos_] != '\r')
        throw DataError(path_ + ":" + std::to_string(line_) + ": column " +
                        std::to_string(column) + ": expected a delimiter after the closing '\"', found " +
                        quote(text_.substr(pos_, 1)));
    } else {
      const std::size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] != delim_ && text_[pos_] != '\n') ++pos_;
      std::size_t end = pos_;
      if (end > start && text_[end - 1] == '\r') --end;
      while (end > start && is_space(text_[end - 1])) --end;
      f.assign(text_.substr(start, end - start));
    }
    if (pos_ >= text_.size()) return true;
    if (text_[pos_] == delim_) {
      ++pos_;
      return false;
    }
    if (text_[pos_] == '\r') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
    ++line_;
    return true;
  }

  const std::string& path_;
  std::string_view text_;
  char delim_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

std::string join(const std::vector<std::string>& v, std::size_t count) {
  std::string s;
  for (std::size_t k = 0; k < count && k < 20; ++k) s += (k ? ", " : "") + v[k];
  if (count > 20) s += ", ...";
  return s;
}

bool all_numbers(const std::vector<std::string>& fields, std::size_t count, std::size_t skip) {
  for (std::size_t c = 0; c < count; ++c)
    if (c != skip && !parse_float(fields[c])) return false;
  return true;
}

// Sorted class names and the old-index -> new-index map.
std::vector<std::uint32_t> sort_classes(std::vector<std::string>& names) {
  std::vector<std::size_t> order(names.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  bool numeric = true;
  std::vector<double> values(names.size());
  for (std::size_t k = 0; k < names.size(); ++k) {
    const auto v = parse_float(names[k]);
    if (!v) numeric = false;
    else values[k] = static_cast<double>(*v);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (numeric && values[a] != values[b]) return values[a] < values[b];
    return names[a] < names[b];
  });
  std::vector<std::uint32_t> remap(names.size());
  std::vector<std::string> sorted(names.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    remap[order[k]] = static_cast<std::uint32_t>(k);
    sorted[k] = std::move(names[order[k]]);
  }
  names = std::move(sorted);
  return remap;
}

}  // namespace

void CsvOptions::validate() const {
  if (delimiter != ',' && delimiter != '\t' && delimiter != ';')
    throw UsageError("CsvOptions: delimiter = '" + std::string(1, delimiter) +
                     "' must be ',', '\\t' or ';'");
  if (!features_only && task == Task::kRegression && target_names.empty() && target_columns == 0)
    throw UsageError("CsvOptions: target_columns = 0 must be >= 1");
  if (header == Header::kNo && !label_name.empty() && task == Task::kClassification)
    throw UsageError("CsvOptions: label_name = '" + label_name + "' needs a header row");
  if (header == Header::kNo && !target_names.empty() && task == Task::kRegression)
    throw UsageError("CsvOptions: target_names need a header row");
}

namespace {

// The CSV reader proper, on the (already inflated) text; `path` names it in messages.
Dataset parse_csv(std::string_view text, const std::string& path, const CsvOptions& options) {
  data_detail::check_text(text, path);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte-order mark
  CsvReader reader(path, text, options.delimiter);
  const bool classify = options.task == Task::kClassification && !options.features_only;

  std::vector<std::string> fields;
  std::size_t count = 0;
  std::size_t line = 0;
  std::size_t blank_line = 0;  // first blank line since the last record; only trailing ones pass
  auto next_record = [&]() {
    while (reader.next(fields, count, line)) {
      if (count == 1 && fields[0].empty()) {
        if (blank_line == 0) blank_line = line;
        continue;
      }
      if (blank_line != 0) {
        throw DataError(path + ":" + std::to_string(blank_line) +
                        ": expected a row of fields, found a blank line");
      }
      return true;
    }
    return false;
  };

  if (!next_record()) throw DataError(path + ": expected a header or data row, found an empty file");
  const std::size_t ncols = count;
  const std::size_t first_line = line;
  // features_only: width 0, or 1 for a trailing label/target column that is skipped.
  const bool skip_last = options.features_only && options.allow_label_column && options.features > 0 &&
                         ncols == options.features + 1;
  if (options.features_only && options.features > 0 && ncols != options.features && !skip_last)
    throw DataError(path + ":" + std::to_string(line) + ": expected " + std::to_string(options.features) +
                    " features per sample (the model's input)" +
                    (options.allow_label_column
                         ? ", or " + std::to_string(options.features + 1) + " fields with a label last"
                         : std::string()) +
                    ", found " + std::to_string(ncols) + " fields");
  const std::size_t width = options.features_only ? (skip_last ? 1 : 0)
                            : classify            ? 1
                            : (options.target_names.empty() ? options.target_columns
                                                            : options.target_names.size());
  if (ncols <= width)
    throw DataError(path + ":" + std::to_string(line) + ": expected more than " +
                    std::to_string(width) + " fields (features + " +
                    (classify ? "label" : "targets") + "), found " + std::to_string(ncols));

  // Which columns hold the label / targets.
  std::size_t label_col = ncols;  // ncols = not known yet (by name, needs the header)
  if (classify && options.label_name.empty()) {
    const long idx = options.label_index;
    const long n = static_cast<long>(ncols);
    if (idx >= n || idx < -n)
      throw DataError(path + ":" + std::to_string(line) + ": label column index " +
                      std::to_string(idx) + " out of range for " + std::to_string(ncols) +
                      " columns");
    label_col = static_cast<std::size_t>(idx < 0 ? n + idx : idx);
  }
  bool has_header = false;
  const bool by_name = !options.features_only &&
                       (classify ? !options.label_name.empty() : !options.target_names.empty());
  switch (options.header) {
    case CsvOptions::Header::kYes: has_header = true; break;
    case CsvOptions::Header::kNo: has_header = false; break;
    case CsvOptions::Header::kAuto:
      has_header = by_name || !all_numbers(fields, count, classify ? label_col : skip_last ? ncols - 1 : ncols);
      break;
  }

  std::vector<std::size_t> target_cols;  // regression: column of each target, in target order
  std::vector<std::string> header;
  if (has_header) header.assign(fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(count));
  auto find_column = [&](const std::string& name, const char* what) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end())
      throw DataError(path + ":" + std::to_string(first_line) + ": " + what + " column " +
                      quote(name) + " not found in the header (" + join(header, header.size()) +
                      ")");
    return static_cast<std::size_t>(it - header.begin());
  };
  if (classify && !options.label_name.empty()) label_col = find_column(options.label_name, "label");
  if (!classify && !options.features_only) {
    if (options.target_names.empty()) {
      for (std::size_t k = 0; k < width; ++k) target_cols.push_back(ncols - width + k);
    } else {
      for (const auto& name : options.target_names) {
        const std::size_t c = find_column(name, "target");
        if (std::find(target_cols.begin(), target_cols.end(), c) != target_cols.end())
          throw UsageError("CsvOptions: target column " + quote(name) + " named twice");
        target_cols.push_back(c);
      }
    }
  }
  // role[c]: 0 = feature, 1 = label, 2 + k = target k.
  std::vector<std::size_t> role(ncols, 0);
  if (classify) role[label_col] = 1;
  constexpr std::size_t kSkip = std::numeric_limits<std::size_t>::max();
  if (skip_last) role[ncols - 1] = kSkip;
  for (std::size_t k = 0; k < target_cols.size(); ++k) role[target_cols[k]] = 2 + k;
  const std::size_t I = ncols - width;

  std::unordered_map<std::string, std::uint32_t> class_index;
  std::vector<std::string> names = options.class_names;
  for (std::size_t k = 0; k < names.size(); ++k)
    class_index.emplace(names[k], static_cast<std::uint32_t>(k));

  std::vector<float> x;
  std::vector<float> t;
  std::vector<std::uint32_t> labels;
  std::vector<float> target_row(width);
  auto column_name = [&](std::size_t c) {
    std::string s = "column " + std::to_string(c + 1);
    if (has_header) s += " (" + quote(header[c]) + ")";
    return s;
  };

  bool have_record = !has_header;
  while (have_record || next_record()) {
    have_record = false;
    const std::string where = path + ":" + std::to_string(line) + ": ";
    if (count != ncols)
      throw DataError(where + "expected " + std::to_string(ncols) + " fields, found " +
                      std::to_string(count));
    for (std::size_t c = 0; c < ncols; ++c) {
      const std::string& f = fields[c];
      if (role[c] == kSkip) continue;
      if (role[c] == 1) {
        if (f.empty()) throw DataError(where + column_name(c) + ": expected a label, found ''");
        auto it = class_index.find(f);
        if (it == class_index.end()) {
          if (!options.class_names.empty())
            throw DataError(where + column_name(c) + ": label " + quote(f) + " is not one of the " +
                            std::to_string(options.class_names.size()) + " given class names");
          it = class_index.emplace(f, static_cast<std::uint32_t>(names.size())).first;
          names.push_back(f);
        }
        labels.push_back(it->second);
        continue;
      }
      const auto v = parse_float(f);
      if (!v)
        throw DataError(where + column_name(c) + ": expected a number, found " + quote(f));
      if (!std::isfinite(*v))
        throw DataError(where + column_name(c) + ": expected a finite number, found " + quote(f));
      if (role[c] == 0) x.push_back(*v);
      else target_row[role[c] - 2] = *v;
    }
    if (!classify && !options.features_only) t.insert(t.end(), target_row.begin(), target_row.end());
  }

  const std::size_t N = options.features_only ? x.size() / I : classify ? labels.size() : t.size() / width;
  if (N == 0)
    throw DataError(path + ": expected at least one data row after the header, found none");
  if (options.features_only) return Dataset::unlabelled(I, std::move(x));
  if (!classify) return Dataset::regression(I, std::move(x), width, std::move(t));
  if (options.class_names.empty()) {
    const auto remap = sort_classes(names);
    for (auto& l : labels) l = remap[l];
  }
  return Dataset::classification(I, std::move(x), std::move(labels), std::move(names));
}

}  // namespace

Dataset load_csv(const std::string& path, const CsvOptions& options) {
  options.validate();
  return parse_csv(data_detail::read_text_file(path), path, options);
}

Dataset load_csv_bytes(std::string_view bytes, const std::string& name, const CsvOptions& options) {
  options.validate();
  if (!data_detail::is_gzip(bytes)) return parse_csv(bytes, name, options);
  return parse_csv(data_detail::text_from_bytes(bytes, name), name, options);
}

}  // namespace bp
