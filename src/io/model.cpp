// Model file reader and writer. Layout (all little-endian), see docs/file-formats.md:
//   "BPMODEL\0" | u32 version | u32 scalar bytes (4 or 8) | u64 body size | body | u32 crc32
// body (version 3): str loss | shape input | u32 L | L x layer | preprocessing | classes | seed |
//       str config | columns
//   layer = str kind | str config JSON | shape in | u32 P | P x tensor header | u32 B |
//           B x tensor header | the P params' then the B buffers' values, as scalar, row-major
//   shape = u64 c, u64 h, u64 w; tensor header = str name, u64 rows, u64 cols
// body (versions 1, 2): str loss | u32 L | L x (u64 in, u64 out, str activation, f64 alpha,
//       f64 dropout, u8 train_weights, u8 train_bias) | preprocessing | classes | seed | str config |
//       [version 2: columns] | L x (w (out*in) then b (out), as scalar)
// preprocessing = str pre.kind | u64 P | P x f64 offset | P x f64 scale; classes = u32 C | C x str;
// columns = u32 F | F x str feature | str label | i64 label index | u32 K | K x str target
// str = u32 length + bytes. The CRC-32 (zlib) covers everything before it. The frame (magic,
// version, scalar size, body size, CRC) is checked by io::check_frame (file_frame.hpp).
#include "backprop/io/model.hpp"

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "backprop/io/atomic_file.hpp"
#include "backprop/core/error.hpp"
#include "backprop/nn/layer_registry.hpp"
#include "io/byte_io.hpp"
#include "io/file_frame.hpp"

namespace bp {

namespace {

using io::Reader;
using io::Writer;
using io::kMaxString;
constexpr char kMagic[8] = {'B', 'P', 'M', 'O', 'D', 'E', 'L', '\0'};
constexpr io::FrameKind kModelFrame = {kMagic, "BPMODEL\\0", "backprop model file", kModelFormatVersion,
                                       "BPCKPT\0\0",
                                       "found a checkpoint (BPCKPT): give the model file that train --output wrote"};
constexpr std::uint32_t kMaxLayers = 4096;
constexpr std::uint64_t kMaxWidth = 1u << 24;
constexpr std::int64_t kMaxColumnIndex = (std::int64_t{1} << 31) - 1;

std::uint32_t crc_of(const unsigned char* p, std::size_t n) { return io::crc32_of(p, n); }

// A double as printf's %.17g: round-trips, and 1e-300 does not print as 0.000000.
std::string shortest(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Returns the offset of the first byte of s that is not UTF-8 text without control characters,
// or npos. Names end up in CSV and JSON output, so they must be such text.
std::size_t bad_text_at(const std::string& s) {
  const auto u = [&](std::size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u; };
  for (std::size_t k = 0; k < s.size();) {
    const unsigned c = u(k);
    unsigned lo = 0x80, hi = 0xbf;  // the allowed range of the second byte
    std::size_t n = 0;
    if (c >= 0x20 && c < 0x7f) n = 1;
    else if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4) n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    if (n == 0 || (n > 1 && (u(k + 1) < lo || u(k + 1) > hi))) return k;
    for (std::size_t i = 2; i < n; ++i)
      if (u(k + i) < 0x80 || u(k + i) > 0xbf) return k;
    k += n;
  }
  return std::string::npos;
}

// UsageError when a name that the writer is given is not such text: the reader would refuse it.
void check_name(const std::string& s, const std::string& what) {
  if (bad_text_at(s) != std::string::npos)
    throw UsageError("model: " + what + " '" + s + "': expected UTF-8 text without control characters");
}

template <class S, class M>
void read_values(Reader& r, M& m, std::size_t layer, const char* what) {
  using T = std::remove_cvref_t<decltype(m[0])>;
  for (std::size_t k = 0; k < m.size(); ++k) {
    const std::size_t at = r.pos();
    const S v = r.template get<S>(what);
    if (!std::isfinite(v))
      r.fail(std::string("layer ") + std::to_string(layer) + " " + what + "[" + std::to_string(k) +
                 "] is " + std::to_string(v) + "; expected a finite value",
             at);
    m[k] = static_cast<T>(v);
  }
}

void put_shape(Writer& w, Shape s) {
  for (std::size_t d : {s.c, s.h, s.w}) w.put(static_cast<std::uint64_t>(d));
}

// u32 count, then each tensor's header: str name, u64 rows, u64 cols.
template <class T>
void put_headers(Writer& w, const std::vector<Param<T>*>& tensors) {
  w.put(static_cast<std::uint32_t>(tensors.size()));
  for (const Param<T>* t : tensors) {
    w.put_str(t->name());
    w.put(static_cast<std::uint64_t>(t->rows()));
    w.put(static_cast<std::uint64_t>(t->cols()));
  }
}

// Version 3's network: loss, input shape, then per layer its kind, config, input shape, its
// params' and buffers' headers, and their values.
template <class T>
void put_network(Writer& body, const Network<T>& net) {
  body.put_str(std::string(loss_name(net.loss())));
  put_shape(body, net.in_shape());
  body.put(static_cast<std::uint32_t>(net.depth()));
  for (std::size_t l = 0; l < net.depth(); ++l) {
    // params() and buffers() are non-const virtuals: read here, never changed.
    auto& layer = const_cast<Layer<T>&>(net.layer(l));
    body.put_str(std::string(layer.kind()));
    body.put_str(layer.config().dump());
    put_shape(body, layer.in_shape());
    const std::vector<Param<T>*> params = layer.params(), buffers = layer.buffers();
    put_headers(body, params);
    put_headers(body, buffers);
    for (const auto* list : {&params, &buffers})
      for (const Param<T>* t : *list)
        for (T v : t->value) body.put(v);
  }
}

}  // namespace

Scaler to_scaler(const Preprocessing& p) {
  const ScalerKind kind = parse_scaler_kind(p.kind);
  if (kind == ScalerKind::kNone) return Scaler(kind);
  return Scaler(kind, p.offset, p.scale);
}

Preprocessing to_preprocessing(const Scaler& s) {
  // "none" stores no vectors (what model_from_bytes expects), even when fit() gave it 0s and 1s.
  if (s.kind() == ScalerKind::kNone) return {"none", {}, {}};
  return {std::string(scaler_kind_name(s.kind())), s.offset(), s.scale()};
}

template <class T>
std::vector<unsigned char> model_to_bytes(const Network<T>& net, const ModelInfo& info) {
  const auto& pre = info.preprocessing;
  if (pre.offset.size() != pre.scale.size() || (pre.kind != "none" && pre.offset.size() != net.in()))
    throw UsageError("model: preprocessing has " + std::to_string(pre.offset.size()) +
                     " offsets and " + std::to_string(pre.scale.size()) + " scales, expected " +
                     std::to_string(net.in()) + " each (one per input)");
  // One name per output, or two names for one sigmoid output (class 1 when above 0.5).
  const std::size_t C = info.class_names.size();
  if (C != 0 && C != net.out() && !(C == 2 && net.out() == 1))
    throw UsageError("model: " + std::to_string(C) + " class names for " + std::to_string(net.out()) +
                     " outputs; expected one per output, or two for one output");
  const ColumnNames& cols = info.columns;
  if (!cols.features.empty() && cols.features.size() != net.in())
    throw UsageError("model: " + std::to_string(cols.features.size()) + " feature names for " +
                     std::to_string(net.in()) + " inputs");
  if (!cols.targets.empty() && (cols.targets.size() != net.out() || !info.class_names.empty()))
    throw UsageError("model: " + std::to_string(cols.targets.size()) + " target names for " +
                     std::to_string(net.out()) + " outputs" + (info.class_names.empty() ? "" : " of a classifier"));
  if (cols.label_index < -1 || cols.label_index > kMaxColumnIndex)
    throw UsageError("model: label column index " + std::to_string(cols.label_index) + " out of range");
  for (const auto& c : info.class_names) check_name(c, "class name");
  for (const auto& f : cols.features) check_name(f, "feature name");
  for (const auto& t : cols.targets) check_name(t, "target name");
  check_name(cols.label, "label column name");
  if (net.depth() == 0) throw UsageError("model: the network has no layers");
  Writer body;
  put_network(body, net);
  body.put_str(pre.kind);
  body.put(static_cast<std::uint64_t>(pre.offset.size()));
  for (double v : pre.offset) body.put(v);
  for (double v : pre.scale) body.put(v);
  body.put(static_cast<std::uint32_t>(info.class_names.size()));
  for (const auto& c : info.class_names) body.put_str(c);
  body.put(info.seed);
  body.put_str(info.config_json);
  body.put(static_cast<std::uint32_t>(cols.features.size()));  // version 2: the column names
  for (const auto& f : cols.features) body.put_str(f);
  body.put_str(cols.label);
  body.put(static_cast<std::int64_t>(cols.label_index));
  body.put(static_cast<std::uint32_t>(cols.targets.size()));
  for (const auto& t : cols.targets) body.put_str(t);
  Writer file;
  file.out.assign(kMagic, kMagic + 8);
  file.put(kModelFormatVersion);
  file.put(static_cast<std::uint32_t>(sizeof(T)));
  file.put(static_cast<std::uint64_t>(body.out.size()));
  file.out.insert(file.out.end(), body.out.begin(), body.out.end());
  file.put(crc_of(file.out.data(), file.out.size()));
  return std::move(file.out);
}

namespace {

// A name (class, feature, label, target) that must be text: see bad_text_at.
std::string get_name(Reader& b, const std::string& what) {
  const std::size_t at = b.pos();
  std::string s = b.get_str(what.c_str());
  if (const std::size_t k = bad_text_at(s); k != std::string::npos) {
    const char* hex = "0123456789ABCDEF";
    const auto byte = static_cast<unsigned char>(s[k]);
    b.fail(what + ": expected UTF-8 text without control characters, found the byte 0x" + hex[byte >> 4] +
               hex[byte & 15] + " at offset " + std::to_string(k) + " of the name",
           at);
  }
  return s;
}

// A u32 count of names that must be 0 or `expected`, then the names.
std::vector<std::string> get_names(Reader& b, std::size_t expected, const std::string& what,
                                   const std::string& of) {
  const std::size_t at = b.pos();
  const auto n = b.get<std::uint32_t>((what + " count").c_str());
  if (n != 0 && n != expected)
    b.fail(std::to_string(n) + " " + what + "s for " + std::to_string(expected) + " " + of + "; expected 0 or " +
               std::to_string(expected),
           at);
  std::vector<std::string> names;
  for (std::uint32_t k = 0; k < n; ++k) names.push_back(get_name(b, what + " " + std::to_string(k + 1)));
  return names;
}

// Loss and layers (every version). Each layer's parameters must fit in the bytes left.
// The layers a version-1 record list made: one Dense per record (followed by a Dropout layer when
// the record carries dropout), and the last record's dropout.
template <class T>
struct DenseRecords {
  std::vector<Dense<T>*> dense;
  double last_dropout = 0;
};

template <class T>
DenseRecords<T> read_network(Reader& b, std::uint32_t scalar, Network<T>& net) {
  DenseRecords<T> rec;
  std::size_t at = b.pos();
  const std::string loss = b.get_str("loss name");
  try {
    net.set_loss(parse_loss(loss));
  } catch (const UsageError& e) {
    b.fail(e.what(), at);
  }
  at = b.pos();
  const auto L = b.get<std::uint32_t>("layer count");
  if (L == 0 || L > kMaxLayers)
    b.fail("layer count " + std::to_string(L) + "; expected 1.." + std::to_string(kMaxLayers), at);
  std::uint64_t weights_left = b.left();  // an upper bound that keeps allocations honest
  for (std::uint32_t l = 0; l < L; ++l) {
    at = b.pos();
    DenseOptions o;
    const auto in = b.get<std::uint64_t>("layer inputs");
    const auto out = b.get<std::uint64_t>("layer outputs");
    if (in == 0 || out == 0 || in > kMaxWidth || out > kMaxWidth)
      b.fail("layer " + std::to_string(l + 1) + " is " + std::to_string(in) + "x" + std::to_string(out) +
                 "; expected sizes in 1.." + std::to_string(kMaxWidth),
             at);
    if ((in + 1) * out * scalar > weights_left)
      b.fail("layer " + std::to_string(l + 1) + " declares " + std::to_string((in + 1) * out) +
                 " parameters, more than the " + std::to_string(weights_left) + " bytes left",
             at);
    weights_left -= (in + 1) * out * scalar;
    o.in = static_cast<std::size_t>(in);
    o.out = static_cast<std::size_t>(out);
    at = b.pos();
    try {
      o.activation = parse_activation(b.get_str("activation name"));
      o.alpha = b.get<double>("activation alpha");
      o.dropout = b.get<double>("dropout");
      o.train_weights = b.get<std::uint8_t>("flags") != 0;
      o.train_bias = b.get<std::uint8_t>("flags") != 0;
      net.add(o);  // the Dense layer, and a Dropout layer after it when o.dropout > 0
      rec.last_dropout = o.dropout;
      for (std::size_t k = net.depth(); k-- > 0;)
        if (auto* d = net.layer(k).template as<Dense<T>>()) {
          rec.dense.push_back(d);
          break;
        }
    } catch (const UsageError& e) {
      b.fail("layer " + std::to_string(l + 1) + ": " + e.what(), at);
    }
  }
  return rec;
}

// Preprocessing kind, offsets and scales (every version).
void read_preprocessing(Reader& b, std::size_t inputs, Preprocessing& pre) {
  std::size_t at = b.pos();
  pre.kind = b.get_str("preprocessing kind");
  if (pre.kind != "none" && pre.kind != "minmax" && pre.kind != "standard")
    b.fail("preprocessing '" + pre.kind + "'; expected none, minmax or standard", at);
  at = b.pos();
  const std::size_t expected = pre.kind == "none" ? 0 : inputs;
  const auto P = b.get<std::uint64_t>("preprocessing size");
  if (P != expected)
    b.fail("preprocessing has " + std::to_string(P) + " entries, expected " + std::to_string(expected), at);
  for (auto* v : {&pre.offset, &pre.scale}) {
    b.need(static_cast<std::size_t>(P) * 8, "preprocessing");
    v->resize(static_cast<std::size_t>(P));
    const bool is_scale = v == &pre.scale;
    for (std::size_t i = 0; i < v->size(); ++i) {
      at = b.pos();
      const double x = (*v)[i] = b.get<double>("preprocessing");
      if (!std::isfinite(x) || (is_scale && !(x > 0)))
        b.fail(std::string("preprocessing ") + (is_scale ? "scale" : "offset") + "[" + std::to_string(i) +
                   "] is " + shortest(x) + "; expected a finite value" + (is_scale ? " > 0" : ""),
               at);
    }
  }
}

// Column names (version 2 on): feature names, label name and index, target names.
template <class T>
void read_columns(Reader& b, const Network<T>& net, ModelInfo& info) {
  ColumnNames& c = info.columns;
  c.features = get_names(b, net.in(), "feature name", "inputs");
  c.label = get_name(b, "label column name");
  const std::size_t at = b.pos();
  const auto index = b.get<std::int64_t>("label column index");
  if (index < -1 || index > kMaxColumnIndex)
    b.fail("label column index " + std::to_string(index) + "; expected -1 (none) to " +
               std::to_string(kMaxColumnIndex),
           at);
  c.label_index = static_cast<long>(index);
  c.targets = get_names(b, net.out(), "target name", "outputs");
  if (!info.class_names.empty() && !c.targets.empty())
    b.fail("target names in a classification model (it has class names)", at + 8);
}

// Version 3: a shape whose every dimension is in 1..kMaxWidth and whose size is too.
Shape get_shape(Reader& b, const std::string& what) {
  const std::size_t at = b.pos();
  std::uint64_t d[3];
  for (auto& v : d) v = b.get<std::uint64_t>(what.c_str());
  const bool ok = d[0] >= 1 && d[1] >= 1 && d[2] >= 1 && d[0] <= kMaxWidth && d[1] <= kMaxWidth &&
                  d[2] <= kMaxWidth && d[0] * d[1] <= kMaxWidth && d[0] * d[1] * d[2] <= kMaxWidth;
  if (!ok)
    b.fail(what + " is " + std::to_string(d[0]) + "x" + std::to_string(d[1]) + "x" + std::to_string(d[2]) +
               "; expected dimensions >= 1 and at most " + std::to_string(kMaxWidth) + " values",
           at);
  return {static_cast<std::size_t>(d[0]), static_cast<std::size_t>(d[1]), static_cast<std::size_t>(d[2])};
}

struct TensorHeader {
  std::string name;
  std::size_t rows = 0, cols = 0;
  std::size_t at = 0;  // where the header starts
};

// Version 3: u32 count and the tensor headers of one layer. `values` (what the bytes left can
// hold) decreases by each tensor's size, which must fit in it.
std::vector<TensorHeader> get_headers(Reader& b, const std::string& where, const char* what,
                                      std::uint64_t& values) {
  std::size_t at = b.pos();
  const auto n = b.get<std::uint32_t>("tensor count");
  if (n > b.left() / 20)  // a header takes at least 20 bytes
    b.fail(where + ": " + std::to_string(n) + " " + what + ", more than the " + std::to_string(b.left()) +
               " bytes left can describe",
           at);
  std::vector<TensorHeader> headers(n);
  for (TensorHeader& h : headers) {
    h.at = b.pos();
    h.name = get_name(b, where + " " + what + " name");
    const auto rows = b.get<std::uint64_t>("tensor rows");
    const auto cols = b.get<std::uint64_t>("tensor columns");
    if (rows != 0 && cols > values / rows)
      b.fail(where + ": " + h.name + " is " + std::to_string(rows) + "x" + std::to_string(cols) +
                 ", more values than the bytes left hold",
             h.at);
    values -= rows * cols;
    h.rows = static_cast<std::size_t>(rows);
    h.cols = static_cast<std::size_t>(cols);
  }
  return headers;
}

// Version 3: the values of tensors whose headers were checked against the layer's own.
template <class T>
void read_tensors(Reader& b, std::uint32_t scalar, const std::vector<TensorHeader>& headers,
                  const std::vector<Param<T>*>& tensors, const std::string& where, const char* what) {
  if (headers.size() != tensors.size())
    b.fail(where + ": " + std::to_string(headers.size()) + " " + what + " stored, the layer has " +
               std::to_string(tensors.size()),
           headers.empty() ? b.pos() : headers.front().at);
  for (std::size_t k = 0; k < headers.size(); ++k) {
    const TensorHeader& h = headers[k];
    Param<T>& t = *tensors[k];
    if (h.name != t.name() || h.rows != t.rows() || h.cols != t.cols())
      b.fail(where + ": stored " + h.name + " " + std::to_string(h.rows) + "x" + std::to_string(h.cols) +
                 "; expected " + t.name() + " " + std::to_string(t.rows()) + "x" + std::to_string(t.cols()),
             h.at);
  }
  for (Param<T>* t : tensors) {
    for (std::size_t k = 0; k < t->size(); ++k) {
      const std::size_t at = b.pos();
      const double v = scalar == 4 ? double(b.get<float>("tensor values")) : b.get<double>("tensor values");
      t->value[k] = static_cast<T>(v);
      if (!std::isfinite(v) || !std::isfinite(t->value[k]))
        b.fail(where + ": " + t->name() + "[" + std::to_string(k) + "] is " + shortest(v) +
                   (std::isfinite(v) ? ", beyond the range of float" : "") + "; expected a finite value",
               at);
    }
  }
}

// Version 3: one layer record, made by make_layer from its kind and config for the input shape
// `in` and added to net, then its values.
template <class T>
void read_layer(Reader& b, std::uint32_t scalar, std::size_t index, Shape in, Network<T>& net) {
  const std::size_t at = b.pos();
  const std::string kind = get_name(b, "layer " + std::to_string(index) + " kind");
  const std::string where = "layer " + std::to_string(index) + " (" + kind + ")";
  const std::size_t config_at = b.pos();
  const std::string text = b.get_str("layer config");
  nlohmann::ordered_json config;
  try {
    config = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    const auto* pe = dynamic_cast<const nlohmann::json::parse_error*>(&e);
    b.fail(where + ": config is not valid JSON" +
               (pe ? " (at byte " + std::to_string(pe->byte) + " of it)" : std::string()),
           config_at);
  }
  const std::size_t shape_at = b.pos();
  const Shape stored = get_shape(b, where + " input shape");
  if (stored != in)
    b.fail(where + ": input shape " + to_string(stored) + "; expected " + to_string(in) +
               (index == 1 ? " (the network's input)" : " (the previous layer's output)"),
           shape_at);
  std::uint64_t values = b.left() / scalar;
  const auto params = get_headers(b, where, "params", values);
  const auto buffers = get_headers(b, where, "buffers", values);
  std::uint64_t declared = 0;
  for (const auto* list : {&params, &buffers})
    for (const TensorHeader& h : *list) declared += h.rows * h.cols;
  try {
    const ParamBudget budget(static_cast<std::size_t>(declared));  // the layer allocates no more
    net.add(make_layer<T>(kind, config, in, index));
  } catch (const UsageError& e) {
    b.fail(e.what(), at);
  }
  Layer<T>& layer = net.layer(net.depth() - 1);
  read_tensors(b, scalar, params, layer.params(), where, "params");
  read_tensors(b, scalar, buffers, layer.buffers(), where, "buffers");
}

// Version 3: loss, input shape and the layers with their values.
template <class T>
void read_layers(Reader& b, std::uint32_t scalar, Network<T>& net) {
  std::size_t at = b.pos();
  const std::string loss = b.get_str("loss name");
  try {
    net.set_loss(parse_loss(loss));
  } catch (const UsageError& e) {
    b.fail(e.what(), at);
  }
  Shape in = get_shape(b, "network input shape");
  at = b.pos();
  const auto L = b.get<std::uint32_t>("layer count");
  if (L == 0 || L > kMaxLayers)
    b.fail("layer count " + std::to_string(L) + "; expected 1.." + std::to_string(kMaxLayers), at);
  for (std::uint32_t l = 0; l < L; ++l) {
    read_layer(b, scalar, l + 1, in, net);
    in = net.layer(l).out_shape();
  }
  if (net.layer(L - 1).template as<Dropout<T>>())
    b.fail("layer " + std::to_string(L) + " (the output layer) is a dropout layer; expected a layer that "
           "computes the output", at);
}

// The weights and biases of every layer, as the stored scalar (every version).
template <class T>
void read_weights(Reader& b, std::uint32_t scalar, const std::vector<Dense<T>*>& dense) {
  for (std::size_t l = 0; l < dense.size(); ++l) {
    Dense<T>& layer = *dense[l];
    const std::size_t start = b.pos();
    if (scalar == 4) {
      read_values<float>(b, layer.weights().value, l + 1, "weight");
      read_values<float>(b, layer.bias().value, l + 1, "bias");
    } else {
      read_values<double>(b, layer.weights().value, l + 1, "weight");
      read_values<double>(b, layer.bias().value, l + 1, "bias");
    }
    // Doubles read into a float model: finite in the file, but maybe beyond float's range.
    const std::size_t nw = layer.weights().value.size();
    for (std::size_t k = 0; k < nw + layer.bias().value.size(); ++k) {
      const T v = k < nw ? layer.weights().value[k] : layer.bias().value[k - nw];
      if (!std::isfinite(v))
        b.fail("layer " + std::to_string(l + 1) + (k < nw ? " weight[" : " bias[") +
                   std::to_string(k < nw ? k : k - nw) + "] is beyond the range of float; expected a finite value",
               start + k * scalar);
    }
  }
}

}  // namespace

// The body, section by section. A section that a later version adds is read only from that
// version on (`if (f.version >= N)`); a version that changes a section passes f.version to it.
template <class T>
Model<T> model_from_bytes(const std::string& bytes, const std::string& name) {
  const io::Frame f = io::check_frame(bytes, name, kModelFrame);
  Reader b(bytes, f.body_begin, f.body_end, name);
  Model<T> m;
  DenseRecords<T> rec;
  if (f.version >= 3) read_layers(b, f.scalar, m.net);
  else rec = read_network(b, f.scalar, m.net);
  read_preprocessing(b, m.net.in(), m.info.preprocessing);
  const std::size_t at = b.pos();
  const auto C = b.get<std::uint32_t>("class count");
  if (C != 0 && C != m.net.out() && !(C == 2 && m.net.out() == 1))
    b.fail(std::to_string(C) + " class names for " + std::to_string(m.net.out()) +
               " outputs; expected one per output, or two for one output", at);
  for (std::uint32_t c = 0; c < C; ++c) m.info.class_names.push_back(get_name(b, "class name " + std::to_string(c + 1)));
  m.info.seed = b.get<std::uint64_t>("seed");
  m.info.config_json = b.get_str("config");
  if (f.version >= 2) read_columns(b, m.net, m.info);
  if (rec.last_dropout > 0)
    b.fail("layer " + std::to_string(rec.dense.size()) + " (the output layer) has dropout " +
               std::to_string(rec.last_dropout) + "; expected 0",
           f.body_begin);
  if (f.version < 3) read_weights(b, f.scalar, rec.dense);
  if (b.left() != 0) b.fail(std::to_string(b.left()) + " unexpected bytes at the end of the body", b.pos());
  return m;
}

template <class T>
void save_model(const std::string& path, const Network<T>& net, const ModelInfo& info) {
  write_file_atomically(path, model_to_bytes(net, info));
}

template <class T>
Model<T> load_model(const std::string& path) {
  return model_from_bytes<T>(read_file(path), path);
}

#define BP_INSTANTIATE(T)                                                                     \
  template std::vector<unsigned char> model_to_bytes<T>(const Network<T>&, const ModelInfo&); \
  template Model<T> model_from_bytes<T>(const std::string&, const std::string&);              \
  template void save_model<T>(const std::string&, const Network<T>&, const ModelInfo&);       \
  template Model<T> load_model<T>(const std::string&);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp
