// CSV loader: a small RFC 4180 reader (quotes, "" escapes, CRLF) feeding a Dataset.
#include "backprop/data/csv.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <cmath>
#include <numeric>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "backprop/core/error.hpp"
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
  const bool for_model = !feature_names.empty();  // a model's names apply only to a file with a header
  if (header == Header::kNo && !label_name.empty() && task == Task::kClassification && !for_model)
    throw UsageError("CsvOptions: label_name = '" + label_name + "' needs a header row");
  if (header == Header::kNo && !target_names.empty() && task == Task::kRegression && !for_model)
    throw UsageError("CsvOptions: target_names need a header row");
}

namespace {

// What a column of the file is.
struct Role {
  enum Kind : unsigned char { kIgnore, kFeature, kLabel, kTarget } kind = kIgnore;
  std::size_t index = 0;  // which feature or target
};

// How the columns of a file map to features, label and targets: decided from the first row.
struct Layout {
  bool has_header = false;
  std::vector<std::string> header;  // the first row, when it is a header
  std::vector<Role> role;           // one per column
  std::size_t features = 0;         // I
  std::size_t targets = 0;          // K (regression), 0 otherwise
  ColumnNames names;
};

std::string delimiter_name(char d) { return d == '\t' ? "tab" : "'" + std::string(1, d) + "'"; }

// "+1,5" or "-12,25": a number written with a decimal comma.
bool decimal_comma(std::string_view f) {
  const auto comma = f.find(',');
  if (comma == std::string_view::npos || f.find(',', comma + 1) != std::string_view::npos) return false;
  std::string dot(f);
  dot[comma] = '.';
  const bool digits_around = comma > 0 && comma + 1 < f.size() &&
                             std::isdigit(static_cast<unsigned char>(f[comma - 1])) &&
                             std::isdigit(static_cast<unsigned char>(f[comma + 1]));
  return digits_around && parse_float(dot).has_value();
}

// A hint for text (a field, or a whole row read as one field) that looks like another delimiter
// or decimal commas; empty when nothing suggests either.
std::string delimiter_hint(std::string_view text, char delim) {
  if (decimal_comma(text)) {
    std::string dot(text);
    dot[dot.find(',')] = '.';
    return "; decimal commas are not supported: write " + quote(dot) + " (a decimal point)";
  }
  for (const char d : {';', '\t', ','}) {
    if (d == delim || text.find(d) == std::string_view::npos) continue;
    std::string hint = "; it holds " + delimiter_name(d) + ": if the file is " + delimiter_name(d) +
                       "-delimited, give that delimiter (--delimiter " + delimiter_name(d) + ")";
    if (d == ';' && delim == ',')
      hint += "; decimal commas (1,5) are not supported: convert them to decimal points (1.5) first";
    return hint;
  }
  return "";
}

// A column index given from the end when negative; ncols when out of range.
std::size_t resolve_index(long idx, std::size_t ncols) {
  const long n = static_cast<long>(ncols);
  if (idx >= n || idx < -n) return ncols;
  return static_cast<std::size_t>(idx < 0 ? n + idx : idx);
}

bool holds_any(const std::vector<std::string>& fields, std::size_t count, const CsvOptions& o) {
  for (std::size_t c = 0; c < count; ++c) {
    const std::string& f = fields[c];
    if (std::find(o.feature_names.begin(), o.feature_names.end(), f) != o.feature_names.end()) return true;
    if (!o.label_name.empty() && f == o.label_name) return true;
    if (std::find(o.target_names.begin(), o.target_names.end(), f) != o.target_names.end()) return true;
  }
  return false;
}

// The layout when the file is read by position: a label column (classification), the last K
// columns (regression), or a skipped column (features only); every other column a feature.
void by_position(Layout& l, std::size_t ncols, std::size_t label_col, std::size_t skip_col,
                 const std::vector<std::size_t>& target_cols) {
  l.role.assign(ncols, Role{Role::kFeature, 0});
  if (label_col < ncols) l.role[label_col] = {Role::kLabel, 0};
  if (skip_col < ncols) l.role[skip_col] = {Role::kIgnore, 0};
  for (std::size_t k = 0; k < target_cols.size(); ++k) l.role[target_cols[k]] = {Role::kTarget, k};
  for (auto& r : l.role)
    if (r.kind == Role::kFeature) r.index = l.features++;
  l.targets = target_cols.size();
}

// Decides the layout from the first record (fields[0, count), at `line`).
Layout plan_layout(const std::vector<std::string>& fields, std::size_t count, std::size_t line,
                   const std::string& path, const CsvOptions& options) {
  const bool classify = options.task == Task::kClassification && !options.features_only;
  const bool model_mode = !options.feature_names.empty();
  const std::size_t ncols = count;
  const std::string where = path + ":" + std::to_string(line) + ": ";
  // features_only: a column to skip when the row has one field more than the model's input.
  const bool skip_one = options.features_only && options.allow_label_column && options.features > 0 &&
                        ncols == options.features + 1;
  const std::size_t skip_col = skip_one ? std::min(resolve_index(options.label_index, ncols), ncols - 1) : ncols;
  const std::size_t width = options.features_only ? (skip_one ? 1 : 0)
                            : classify            ? 1
                            : (options.target_names.empty() || model_mode ? options.target_columns
                                                                          : options.target_names.size());
  // The label column by position (by name needs the header, below).
  std::size_t label_col = ncols;
  if (classify && (options.label_name.empty() || model_mode)) {
    label_col = resolve_index(options.label_index, ncols);
    if (label_col == ncols && !model_mode)
      throw DataError(where + "label column index " + std::to_string(options.label_index) +
                      " out of range for " + std::to_string(ncols) + " columns");
  }
  Layout l;
  const bool by_name = !options.features_only && !model_mode &&
                       (classify ? !options.label_name.empty() : !options.target_names.empty());
  switch (options.header) {
    case CsvOptions::Header::kYes: l.has_header = true; break;
    case CsvOptions::Header::kNo: l.has_header = false; break;
    case CsvOptions::Header::kAuto:
      l.has_header = by_name || (model_mode && holds_any(fields, count, options)) ||
                     !all_numbers(fields, count, classify ? label_col : skip_col);
      break;
  }
  if (l.has_header) l.header.assign(fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(count));
  if (l.has_header && model_mode) return l;  // by_names fills in the rest
  if (options.features_only && options.features > 0 && ncols != options.features && !skip_one)
    throw DataError(where + "expected " + std::to_string(options.features) +
                    " features per sample (the model's input)" +
                    (options.allow_label_column
                         ? ", or " + std::to_string(options.features + 1) + " fields with a label"
                         : std::string()) +
                    ", found " + std::to_string(ncols) + " fields" +
                    (ncols == 1 ? delimiter_hint(fields[0], options.delimiter) : std::string()));
  if (ncols <= width)
    throw DataError(where + "expected more than " + std::to_string(width) + " fields (features + " +
                    (classify ? "label" : "targets") + "), found " + std::to_string(ncols) +
                    (ncols == 1 ? delimiter_hint(fields[0], options.delimiter) : std::string()));
  if (classify && label_col == ncols && (options.label_name.empty() || model_mode))
    throw DataError(where + "label column index " + std::to_string(options.label_index) + " out of range for " +
                    std::to_string(ncols) + " columns");
  std::vector<std::size_t> target_cols;
  if (!classify && !options.features_only)
    for (std::size_t k = 0; k < width; ++k) target_cols.push_back(ncols - width + k);
  by_position(l, ncols, label_col, skip_col, target_cols);
  if (model_mode && l.features != options.feature_names.size())
    throw DataError(where + "expected " + std::to_string(options.feature_names.size()) +
                    " features per sample (the model's input), found " + std::to_string(l.features) +
                    " (read by position: the file has no header)");
  if (classify && label_col < ncols) l.names.label_index = static_cast<long>(label_col);
  return l;
}

// The column of `name` in the header; a DataError naming it (and the header) when absent or twice.
std::size_t find_column(const Layout& l, const std::string& name, const char* what, const std::string& where) {
  const auto it = std::find(l.header.begin(), l.header.end(), name);
  if (it == l.header.end())
    throw DataError(where + what + " column " + quote(name) + " not found in the header (" +
                    join(l.header, l.header.size()) + ")");
  if (std::find(it + 1, l.header.end(), name) != l.header.end())
    throw DataError(where + "the header names " + quote(name) + " twice; expected each " + what +
                    " column once");
  return static_cast<std::size_t>(it - l.header.begin());
}

// Puts a role on column c; a DataError when the column already has one.
void assign(Layout& l, std::size_t c, Role r, const std::string& where) {
  if (l.role[c].kind != Role::kIgnore)
    throw DataError(where + "column " + std::to_string(c + 1) + " (" + quote(l.header[c]) +
                    ") is named both as a feature and as the label or a target");
  l.role[c] = r;
}

// The layout of a file with a header: the named columns, everything else ignored (model_mode), or
// the label / targets by name and every other column a feature.
void by_names(Layout& l, std::size_t line, const std::string& path, const CsvOptions& options) {
  const bool classify = options.task == Task::kClassification && !options.features_only;
  const std::string where = path + ":" + std::to_string(line) + ": ";
  const std::size_t ncols = l.header.size();
  l.role.assign(ncols, Role{});
  for (std::size_t k = 0; k < options.feature_names.size(); ++k)
    assign(l, find_column(l, options.feature_names[k], "feature", where), {Role::kFeature, k}, where);
  l.features = options.feature_names.size();
  if (classify) {
    const std::size_t c = options.label_name.empty() ? resolve_index(options.label_index, ncols)
                                                     : find_column(l, options.label_name, "label", where);
    if (c == ncols)
      throw DataError(where + "label column index " + std::to_string(options.label_index) + " out of range for " +
                      std::to_string(ncols) + " columns");
    assign(l, c, {Role::kLabel, 0}, where);
  } else if (!options.features_only) {
    std::vector<std::size_t> cols;
    if (options.target_names.empty() && options.target_columns >= ncols)
      throw DataError(where + "expected more than " + std::to_string(options.target_columns) +
                      " fields (features + targets), found " + std::to_string(ncols));
    if (options.target_names.empty())
      for (std::size_t k = 0; k < options.target_columns; ++k) cols.push_back(ncols - options.target_columns + k);
    for (const auto& name : options.target_names) cols.push_back(find_column(l, name, "target", where));
    for (std::size_t k = 0; k < cols.size(); ++k) assign(l, cols[k], {Role::kTarget, k}, where);
    l.targets = cols.size();
  }
}

// The layout of a file with a header when the columns are not given by feature_names: the label
// or targets by name or position, every other column a feature.
void header_layout(Layout& l, std::size_t line, const std::string& path, const CsvOptions& options) {
  const bool classify = options.task == Task::kClassification && !options.features_only;
  const std::string where = path + ":" + std::to_string(line) + ": ";
  const std::size_t ncols = l.header.size();
  if (classify && !options.label_name.empty()) {
    const std::size_t c = find_column(l, options.label_name, "label", where);
    for (auto& r : l.role) r = {Role::kFeature, 0};
    l.role[c] = {Role::kLabel, 0};
  } else if (!classify && !options.features_only && !options.target_names.empty()) {
    std::vector<std::size_t> cols;
    for (const auto& name : options.target_names) {
      const std::size_t c = find_column(l, name, "target", where);
      if (std::find(cols.begin(), cols.end(), c) != cols.end())
        throw UsageError("CsvOptions: target column " + quote(name) + " named twice");
      cols.push_back(c);
    }
    l.features = 0;
    by_position(l, ncols, ncols, ncols, cols);
    return;
  } else {
    return;  // the positional layout of plan_layout stands
  }
  l.features = 0;
  for (auto& r : l.role)
    if (r.kind == Role::kFeature) r.index = l.features++;
}

// The names of the columns of a file with a header; a name with a control character is refused,
// since the names are stored in the model file and written in CSV and JSON output.
void name_columns(Layout& l, std::size_t line, const std::string& path) {
  ColumnNames& n = l.names;
  n.features.assign(l.features, "");
  n.targets.assign(l.targets, "");
  for (std::size_t c = 0; c < l.role.size(); ++c) {
    const Role r = l.role[c];
    if (r.kind == Role::kIgnore) continue;
    const std::string& name = l.header[c];
    for (std::size_t e = 0; e < c; ++e)
      if (l.role[e].kind != Role::kIgnore && l.header[e] == name)
        throw DataError(path + ":" + std::to_string(line) + ": column " + std::to_string(c + 1) + ": the header names " +
                        quote(name) + " twice (also column " + std::to_string(e + 1) +
                        "); expected unique column names (a model matches columns by name)");
    for (const char ch : name)
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
        throw DataError(path + ":" + std::to_string(line) + ": column " + std::to_string(c + 1) + ": header name " +
                        quote(name) + ": expected text without control characters");
    if (r.kind == Role::kFeature) n.features[r.index] = name;
    else if (r.kind == Role::kTarget) n.targets[r.index] = name;
    else n.label = name, n.label_index = static_cast<long>(c);
  }
}

// The records of a CSV text, skipping blank lines, which may only trail the last record.
class Records {
 public:
  Records(const std::string& path, std::string_view text, char delimiter)
      : path_(path), reader_(path, text, delimiter) {}
  bool next() {
    while (reader_.next(fields, count, line)) {
      if (count == 1 && fields[0].empty()) {
        if (blank_line_ == 0) blank_line_ = line;
        continue;
      }
      if (blank_line_ != 0)
        throw DataError(path_ + ":" + std::to_string(blank_line_) + ": expected a row of fields, found a blank line");
      return true;
    }
    return false;
  }
  std::vector<std::string> fields;
  std::size_t count = 0, line = 0;

 private:
  const std::string& path_;
  CsvReader reader_;
  std::size_t blank_line_ = 0;  // first blank line since the last record
};

// The values of the data rows, column by column as the layout says.
struct Values {
  std::vector<float> x, t, x_row, t_row;
  std::vector<std::uint32_t> labels;
  std::vector<std::string> names;  // class names, in order of their index
  std::unordered_map<std::string, std::uint32_t> class_index;

  Values(const Layout& layout, const CsvOptions& options)
      : x_row(layout.features), t_row(layout.targets), names(options.class_names) {
    for (std::size_t k = 0; k < names.size(); ++k) class_index.emplace(names[k], static_cast<std::uint32_t>(k));
  }

  // `where` names the field in messages: called only on an error.
  template <class Where>
  void add_label(const std::string& f, const Where& where, const CsvOptions& options) {
    if (f.empty()) throw DataError(where() + ": expected a label, found ''");
    auto it = class_index.find(f);
    if (it == class_index.end()) {
      if (!options.class_names.empty())
        throw DataError(where() + ": label " + quote(f) + " is not one of the " +
                        std::to_string(options.class_names.size()) + " given class names");
      it = class_index.emplace(f, static_cast<std::uint32_t>(names.size())).first;
      names.push_back(f);
    }
    labels.push_back(it->second);
  }

  void add_row(const Records& rec, const Layout& layout, const std::string& path, const CsvOptions& options) {
    for (std::size_t c = 0; c < rec.count; ++c) {
      const std::string& f = rec.fields[c];
      const Role r = layout.role[c];
      if (r.kind == Role::kIgnore) continue;
      const auto where = [&] {  // "FILE:LINE: column C ('NAME')", built only for a message
        std::string s = path + ":" + std::to_string(rec.line) + ": column " + std::to_string(c + 1);
        return layout.has_header ? s + " (" + quote(layout.header[c]) + ")" : s;
      };
      if (r.kind == Role::kLabel) {
        add_label(f, where, options);
        continue;
      }
      const auto v = parse_float(f);
      if (!v)
        throw DataError(where() + ": expected a number, found " + quote(f) + delimiter_hint(f, options.delimiter));
      if (!std::isfinite(*v)) throw DataError(where() + ": expected a finite number, found " + quote(f));
      (r.kind == Role::kFeature ? x_row : t_row)[r.index] = *v;
    }
    x.insert(x.end(), x_row.begin(), x_row.end());
    t.insert(t.end(), t_row.begin(), t_row.end());
  }
};

Dataset make_dataset(Values&& v, Layout&& layout, const std::string& path, const CsvOptions& options) {
  const std::size_t I = layout.features, K = layout.targets;
  if (v.x.size() / I == 0) throw DataError(path + ": expected at least one data row after the header, found none");
  Dataset d;
  if (options.features_only) {
    d = Dataset::unlabelled(I, std::move(v.x));
  } else if (options.task != Task::kClassification) {
    d = Dataset::regression(I, std::move(v.x), K, std::move(v.t));
  } else {
    if (options.class_names.empty()) {
      const auto remap = sort_classes(v.names);
      for (auto& lab : v.labels) lab = remap[lab];
    }
    d = Dataset::classification(I, std::move(v.x), std::move(v.labels), std::move(v.names));
  }
  d.set_columns(std::move(layout.names));
  return d;
}

// The CSV reader proper, on the (already inflated) text; `path` names it in messages.
Dataset parse_csv(std::string_view text, const std::string& path, const CsvOptions& options) {
  data_detail::check_text(text, path);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte-order mark
  Records rec(path, text, options.delimiter);
  const bool classify = options.task == Task::kClassification && !options.features_only;
  if (!rec.next()) throw DataError(path + ": expected a header or data row, found an empty file");
  const std::size_t ncols = rec.count;
  Layout layout = plan_layout(rec.fields, rec.count, rec.line, path, options);
  if (layout.has_header) {
    if (!options.feature_names.empty()) by_names(layout, rec.line, path, options);
    else header_layout(layout, rec.line, path, options);
    if (!options.features_only) name_columns(layout, rec.line, path);
  }
  if (layout.features == 0)
    throw DataError(path + ":" + std::to_string(rec.line) + ": expected at least one feature column, found " +
                    std::to_string(ncols) + " columns that are all " + (classify ? "the label" : "targets") +
                    (ncols == 1 ? delimiter_hint(rec.fields[0], options.delimiter) : std::string()));
  Values values(layout, options);
  bool have_record = !layout.has_header;
  while (have_record || rec.next()) {
    have_record = false;
    if (rec.count != ncols)
      throw DataError(path + ":" + std::to_string(rec.line) + ": expected " + std::to_string(ncols) +
                      " fields, found " + std::to_string(rec.count));
    values.add_row(rec, layout, path, options);
  }
  return make_dataset(std::move(values), std::move(layout), path, options);
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
