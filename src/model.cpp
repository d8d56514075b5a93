// Model file reader and writer. Layout (all little-endian), see docs/file-formats.md:
//   "BPMODEL\0" | u32 version | u32 scalar bytes (4 or 8) | u64 body size | body | u32 crc32
// body: str loss | u32 L | L x (u64 in, u64 out, str activation, f64 alpha, f64 dropout,
//       u8 train_weights, u8 train_bias) | str pre.kind | u64 P | P x f64 offset | P x f64 scale |
//       u32 C | C x str class | u64 seed | str config | L x (w (out*in) then b (out), as scalar)
// str = u32 length + bytes. The CRC-32 (zlib) covers everything before it.
#include "backprop/model.hpp"

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "backprop/atomic_file.hpp"
#include "backprop/error.hpp"
#include "byte_io.hpp"

namespace bp {

namespace {

using io::Reader;
using io::Writer;
using io::kMaxString;
constexpr char kMagic[8] = {'B', 'P', 'M', 'O', 'D', 'E', 'L', '\0'};
constexpr std::size_t kHeaderSize = 8 + 4 + 4 + 8;
constexpr std::uint32_t kMaxLayers = 4096;
constexpr std::uint64_t kMaxWidth = 1u << 24;

std::uint32_t crc_of(const unsigned char* p, std::size_t n) { return io::crc32_of(p, n); }

// A double as printf's %.17g: round-trips, and 1e-300 does not print as 0.000000.
std::string shortest(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
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

// Format version 1 stores dense layers only, each with the p of the dropout layer after it (0
// when there is none): the networks Network(std::vector<DenseOptions>) builds.
template <class T>
struct DenseRecord {
  const Dense<T>* dense;
  double dropout;
};

template <class T>
std::vector<DenseRecord<T>> dense_records(const Network<T>& net) {
  std::vector<DenseRecord<T>> records;
  bool after_dense = false;
  for (std::size_t l = 0; l < net.depth(); ++l) {
    const Layer<T>& layer = net.layer(l);
    const auto* drop = layer.template as<Dropout<T>>();
    if (const auto* d = layer.template as<Dense<T>>()) {
      records.push_back({d, 0.0});
    } else if (drop && after_dense) {
      records.back().dropout = drop->p();
    } else {
      throw UsageError("model: format version 1 stores dense layers, each maybe followed by one "
                       "dropout layer; layer " + std::to_string(l + 1) + " (" + layer.name() +
                       ") is " + std::string(layer.kind()));
    }
    after_dense = !drop;
  }
  return records;
}

}  // namespace

Scaler to_scaler(const Preprocessing& p) {
  const ScalerKind kind = parse_scaler_kind(p.kind);
  if (kind == ScalerKind::kNone) return Scaler(kind);
  return Scaler(kind, p.offset, p.scale);
}

Preprocessing to_preprocessing(const Scaler& s) {
  return {std::string(scaler_kind_name(s.kind())), s.offset(), s.scale()};
}

template <class T>
std::vector<unsigned char> model_to_bytes(const Network<T>& net, const ModelInfo& info) {
  const auto& pre = info.preprocessing;
  if (pre.offset.size() != pre.scale.size() || (pre.kind != "none" && pre.offset.size() != net.in()))
    throw UsageError("model: preprocessing has " + std::to_string(pre.offset.size()) +
                     " offsets and " + std::to_string(pre.scale.size()) + " scales, expected " +
                     std::to_string(net.in()) + " each (one per input)");
  if (!info.class_names.empty() && info.class_names.size() != net.out())
    throw UsageError("model: " + std::to_string(info.class_names.size()) + " class names for " +
                     std::to_string(net.out()) + " outputs");
  const auto records = dense_records(net);
  Writer body;
  body.put_str(std::string(loss_name(net.loss())));
  body.put(static_cast<std::uint32_t>(records.size()));
  for (const auto& [l, dropout] : records) {
    body.put(static_cast<std::uint64_t>(l->in()));
    body.put(static_cast<std::uint64_t>(l->out()));
    body.put_str(std::string(activation_name(l->activation())));
    body.put(l->options().alpha);
    body.put(dropout);
    body.put(static_cast<std::uint8_t>(l->weights().trainable));
    body.put(static_cast<std::uint8_t>(l->bias().trainable));
  }
  body.put_str(pre.kind);
  body.put(static_cast<std::uint64_t>(pre.offset.size()));
  for (double v : pre.offset) body.put(v);
  for (double v : pre.scale) body.put(v);
  body.put(static_cast<std::uint32_t>(info.class_names.size()));
  for (const auto& c : info.class_names) body.put_str(c);
  body.put(info.seed);
  body.put_str(info.config_json);
  for (const auto& r : records) {
    for (T v : r.dense->weights().value) body.put(v);
    for (T v : r.dense->bias().value) body.put(v);
  }
  Writer file;
  file.out.insert(file.out.end(), kMagic, kMagic + 8);
  file.put(kModelFormatVersion);
  file.put(static_cast<std::uint32_t>(sizeof(T)));
  file.put(static_cast<std::uint64_t>(body.out.size()));
  file.out.insert(file.out.end(), body.out.begin(), body.out.end());
  file.put(crc_of(file.out.data(), file.out.size()));
  return std::move(file.out);
}

template <class T>
Model<T> model_from_bytes(const std::string& bytes, const std::string& name) {
  Reader h(bytes, 0, bytes.size(), name);
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 8) != 0) {
    const bool gz = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
                    static_cast<unsigned char>(bytes[1]) == 0x8b;
    h.fail(std::string("not a backprop model file: expected magic \"BPMODEL\\0\"") +
               (gz ? ", found a gzip stream (decompress it first)" : ""),
           0);
  }
  Reader r(bytes, 8, bytes.size(), name);
  const auto version = r.get<std::uint32_t>("format version");
  if (version > kModelFormatVersion)
    r.fail("format version " + std::to_string(version) + " is newer than this backprop reads (" +
               std::to_string(kModelFormatVersion) + "); upgrade backprop",
           8);
  if (version == 0) r.fail("format version 0 is not a valid version", 8);
  const auto scalar = r.get<std::uint32_t>("scalar size");
  if (scalar != 4 && scalar != 8)
    r.fail("scalar size " + std::to_string(scalar) + "; expected 4 (float) or 8 (double)", 12);
  const auto body_size = r.get<std::uint64_t>("body size");
  if (body_size > bytes.size() - kHeaderSize || bytes.size() - kHeaderSize - body_size != 4)
    r.fail("body size " + std::to_string(body_size) + " does not match the file size " +
               std::to_string(bytes.size()) + " (expected " +
               std::to_string(bytes.size() >= kHeaderSize + 4 ? bytes.size() - kHeaderSize - 4 : 0) +
               "): the file is truncated or has trailing bytes",
           16);
  const std::size_t body_end = kHeaderSize + static_cast<std::size_t>(body_size);
  std::uint32_t stored_crc;
  std::memcpy(&stored_crc, bytes.data() + body_end, 4);
  const std::uint32_t crc = crc_of(reinterpret_cast<const unsigned char*>(bytes.data()), body_end);
  if (crc != stored_crc)
    r.fail("checksum mismatch: stored " + std::to_string(stored_crc) + ", computed " + std::to_string(crc) +
               "; the file is corrupt",
           body_end);

  Reader b(bytes, kHeaderSize, body_end, name);
  Model<T> m;
  std::size_t at = b.pos();
  const std::string loss = b.get_str("loss name");
  try {
    m.net.set_loss(parse_loss(loss));
  } catch (const UsageError& e) {
    b.fail(e.what(), at);
  }
  at = b.pos();
  const auto L = b.get<std::uint32_t>("layer count");
  if (L == 0 || L > kMaxLayers)
    b.fail("layer count " + std::to_string(L) + "; expected 1.." + std::to_string(kMaxLayers), at);
  std::uint64_t weights_left = b.left();  // an upper bound that keeps allocations honest
  std::vector<Dense<T>*> dense;           // the records' layers (a dropout record adds a layer)
  double last_dropout = 0;
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
      m.net.add(o);  // the Dense layer, and a Dropout layer after it when o.dropout > 0
      last_dropout = o.dropout;
      for (std::size_t k = m.net.depth(); k-- > 0;)
        if (auto* d = m.net.layer(k).template as<Dense<T>>()) {
          dense.push_back(d);
          break;
        }
    } catch (const UsageError& e) {
      b.fail("layer " + std::to_string(l + 1) + ": " + e.what(), at);
    }
  }
  at = b.pos();
  m.info.preprocessing.kind = b.get_str("preprocessing kind");
  const auto& kind = m.info.preprocessing.kind;
  if (kind != "none" && kind != "minmax" && kind != "standard")
    b.fail("preprocessing '" + kind + "'; expected none, minmax or standard", at);
  at = b.pos();
  const auto P = b.get<std::uint64_t>("preprocessing size");
  if (P != (kind == "none" ? 0 : m.net.in()))
    b.fail("preprocessing has " + std::to_string(P) + " entries, expected " +
               std::to_string(kind == "none" ? 0 : m.net.in()),
           at);
  for (auto* v : {&m.info.preprocessing.offset, &m.info.preprocessing.scale}) {
    b.need(static_cast<std::size_t>(P) * 8, "preprocessing");
    v->resize(static_cast<std::size_t>(P));
    const bool is_scale = v == &m.info.preprocessing.scale;
    for (std::size_t i = 0; i < v->size(); ++i) {
      at = b.pos();
      const double x = (*v)[i] = b.get<double>("preprocessing");
      if (!std::isfinite(x) || (is_scale && !(x > 0)))
        b.fail(std::string("preprocessing ") + (is_scale ? "scale" : "offset") + "[" + std::to_string(i) +
                   "] is " + shortest(x) + "; expected a finite value" + (is_scale ? " > 0" : ""),
               at);
    }
  }
  at = b.pos();
  const auto C = b.get<std::uint32_t>("class count");
  if (C != 0 && C != m.net.out())
    b.fail(std::to_string(C) + " class names for " + std::to_string(m.net.out()) + " outputs", at);
  // Class names end up in CSV and JSON output: they must be UTF-8 text without control bytes.
  // Returns the offset of the first bad byte of s, or npos.
  const auto bad_text_at = [](const std::string& s) -> std::size_t {
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
  };
  for (std::uint32_t c = 0; c < C; ++c) {
    at = b.pos();
    const std::string cls = b.get_str("class name");
    if (const std::size_t k = bad_text_at(cls); k != std::string::npos) {
      const char* hex = "0123456789ABCDEF";
      const auto byte = static_cast<unsigned char>(cls[k]);
      b.fail("class name " + std::to_string(c + 1) + ": expected UTF-8 text without control characters, found the byte 0x" +
                 hex[byte >> 4] + hex[byte & 15] + " at offset " + std::to_string(k) + " of the name",
             at);
    }
    m.info.class_names.push_back(cls);
  }
  m.info.seed = b.get<std::uint64_t>("seed");
  m.info.config_json = b.get_str("config");
  if (last_dropout > 0)
    b.fail("layer " + std::to_string(L) + " (the output layer) has dropout " +
               std::to_string(last_dropout) + "; expected 0",
           kHeaderSize);
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
  if (b.left() != 0) b.fail(std::to_string(b.left()) + " unexpected bytes after the weights", b.pos());
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
