// A protobuf decoder for the ONNX messages of graph.hpp. Every length is checked against the
// bytes left before it is used, nesting is bounded, and each field must have the wire type
// onnx.proto gives it; unknown fields are skipped (as protobuf does), except those that would
// change the meaning of what is read: external data, sparse initializers, subgraphs, training
// info and functions are refused. Errors: DataError "FILE: ONNX <message>: <what>".
#include <bit>
#include <cstring>
#include <string_view>

#include "backprop/core/error.hpp"
#include "io/onnx/graph.hpp"

namespace bp::onnx {

namespace {

// Limits on what a file may declare, checked before anything is allocated.
constexpr std::size_t kMaxDims = 8;
constexpr std::int64_t kMaxDim = std::int64_t{1} << 31;

class In {
 public:
  In(std::string_view b, const std::string& file, const char* msg) : b_(b), file_(file), msg_(msg) {}
  bool done() const { return pos_ >= b_.size(); }
  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(file_ + ": ONNX " + msg_ + ": " + what);
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (done()) fail("truncated varint");
      const auto c = static_cast<unsigned char>(b_[pos_++]);
      v |= std::uint64_t{c & 0x7fu} << shift;
      if (!(c & 0x80)) return v;
    }
    fail("varint longer than 10 bytes");
  }
  // The next field's number and wire type.
  void next(std::uint32_t& field, std::uint32_t& wire) {
    const std::uint64_t t = varint();
    field = static_cast<std::uint32_t>(t >> 3);
    wire = static_cast<std::uint32_t>(t & 7);
    if (field == 0 || t >> 32) fail("invalid field tag " + std::to_string(t));
  }
  std::string_view bytes() {
    const std::uint64_t n = varint();
    if (n > b_.size() - pos_)
      fail("a field of " + std::to_string(n) + " bytes, but only " + std::to_string(b_.size() - pos_) + " are left");
    const std::string_view v = b_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  std::uint32_t fixed32() {
    if (b_.size() - pos_ < 4) fail("truncated fixed32");
    std::uint32_t u = 0;
    for (int k = 0; k < 4; ++k) u |= std::uint32_t{static_cast<unsigned char>(b_[pos_ + static_cast<std::size_t>(k)])} << (8 * k);
    pos_ += 4;
    return u;
  }
  void skip(std::uint32_t wire) {
    switch (wire) {
      case 0: varint(); break;
      case 1: if (b_.size() - pos_ < 8) fail("truncated fixed64"); pos_ += 8; break;
      case 2: bytes(); break;
      case 5: fixed32(); break;
      default: fail("unsupported wire type " + std::to_string(wire));
    }
  }
  void expect(std::uint32_t wire, std::uint32_t want, std::uint32_t field) const {
    if (wire != want)
      fail("field " + std::to_string(field) + " has wire type " + std::to_string(wire) +
           ", expected " + std::to_string(want));
  }
  const std::string& file() const { return file_; }

 private:
  std::string_view b_;
  std::size_t pos_ = 0;
  const std::string& file_;
  const char* msg_;
};

std::int64_t int64_of(In& in, std::uint32_t wire, std::uint32_t field) {
  in.expect(wire, 0, field);
  return static_cast<std::int64_t>(in.varint());
}

// A repeated int64 field, packed (wire type 2) or not.
void ints_of(In& in, std::uint32_t wire, std::uint32_t field, std::vector<std::int64_t>& out, std::size_t max) {
  if (wire == 2) {
    In p(in.bytes(), in.file(), "packed ints");
    while (!p.done()) {
      if (out.size() >= max) in.fail("more than " + std::to_string(max) + " values in field " + std::to_string(field));
      out.push_back(static_cast<std::int64_t>(p.varint()));
    }
    return;
  }
  if (out.size() >= max) in.fail("more than " + std::to_string(max) + " values in field " + std::to_string(field));
  out.push_back(int64_of(in, wire, field));
}

// A repeated float field, packed or not, appended as little-endian bytes.
void floats_of(In& in, std::uint32_t wire, std::string& raw) {
  auto put = [&](std::uint32_t u) {
    for (int k = 0; k < 4; ++k) raw += static_cast<char>((u >> (8 * k)) & 0xff);
  };
  if (wire == 2) {
    const std::string_view p = in.bytes();
    if (p.size() % 4) in.fail("packed floats of " + std::to_string(p.size()) + " bytes, not a multiple of 4");
    raw.append(p);
    return;
  }
  in.expect(wire, 5, 4);
  put(in.fixed32());
}

void int64_data_of(In& in, std::uint32_t wire, std::string& raw) {
  std::vector<std::int64_t> v;
  ints_of(in, wire, 7, v, std::size_t{1} << 24);
  const std::size_t at = raw.size();
  raw.resize(at + v.size() * 8);
  if (!v.empty()) std::memcpy(raw.data() + at, v.data(), v.size() * 8);
}

Tensor tensor(std::string_view b, const std::string& file) {
  In in(b, file, "tensor");
  Tensor t;
  std::uint32_t f, w;
  while (!in.done()) {
    in.next(f, w);
    if (f == 1) ints_of(in, w, f, t.dims, kMaxDims);
    else if (f == 2) t.data_type = static_cast<std::int32_t>(int64_of(in, w, f));
    else if (f == 4) floats_of(in, w, t.raw);
    else if (f == 7) int64_data_of(in, w, t.raw);
    else if (f == 8) { in.expect(w, 2, f); t.name = in.bytes(); }
    else if (f == 9) { in.expect(w, 2, f); t.raw.append(in.bytes()); }
    else if (f == 13 || f == 14) in.fail("tensor '" + t.name + "' refers to external data, which is not supported");
    else if (f == 3 || f == 5 || f == 6 || f == 10 || f == 11) in.fail("tensor '" + t.name + "' uses a data field other than raw_data, float_data or int64_data (field " + std::to_string(f) + ")");
    else in.skip(w);
  }
  for (std::int64_t d : t.dims)
    if (d < 0 || d > kMaxDim) in.fail("tensor '" + t.name + "' has dimension " + std::to_string(d) + "; expected 0.." + std::to_string(kMaxDim));
  return t;
}

Attribute attribute(std::string_view b, const std::string& file) {
  In in(b, file, "attribute");
  Attribute a;
  std::int64_t type = 0;
  std::uint32_t f, w;
  while (!in.done()) {
    in.next(f, w);
    if (f == 1) { in.expect(w, 2, f); a.name = in.bytes(); }
    else if (f == 2) { in.expect(w, 5, f); a.f = std::bit_cast<float>(in.fixed32()); }
    else if (f == 3) a.i = int64_of(in, w, f);
    else if (f == 4) { in.expect(w, 2, f); a.s = in.bytes(); }
    else if (f == 5) { in.expect(w, 2, f); a.t = tensor(in.bytes(), file); }
    else if (f == 7) { std::string raw; floats_of(in, w, raw); for (std::size_t k = 0; k + 4 <= raw.size() && a.floats.size() < 4096; k += 4) { float v; std::memcpy(&v, raw.data() + k, 4); a.floats.push_back(v); } }
    else if (f == 8) ints_of(in, w, f, a.ints, 4096);
    else if (f == 20) type = int64_of(in, w, f);
    else if (f == 6 || f == 11) in.fail("attribute '" + a.name + "' holds a subgraph, which is not supported");
    else in.skip(w);
  }
  if (type < 1 || type > 7 || type == 5)
    in.fail("attribute '" + a.name + "' has type " + std::to_string(type) + "; expected FLOAT, INT, STRING, TENSOR, FLOATS or INTS");
  a.kind = static_cast<Attribute::Kind>(type);
  return a;
}

Node node(std::string_view b, const std::string& file) {
  In in(b, file, "node");
  Node n;
  std::uint32_t f, w;
  while (!in.done()) {
    in.next(f, w);
    if (f == 1) { in.expect(w, 2, f); n.inputs.emplace_back(in.bytes()); }
    else if (f == 2) { in.expect(w, 2, f); n.outputs.emplace_back(in.bytes()); }
    else if (f == 3) { in.expect(w, 2, f); n.name = in.bytes(); }
    else if (f == 4) { in.expect(w, 2, f); n.op = in.bytes(); }
    else if (f == 5) { in.expect(w, 2, f); n.attrs.push_back(attribute(in.bytes(), file)); }
    else if (f == 7) { in.expect(w, 2, f); if (!in.bytes().empty()) in.fail("node '" + n.name + "' is in a domain other than ai.onnx"); }
    else in.skip(w);
  }
  return n;
}

ValueInfo value_info(std::string_view b, const std::string& file) {
  In in(b, file, "value info");
  ValueInfo v;
  std::uint32_t f, w;
  while (!in.done()) {
    in.next(f, w);
    if (f == 1) { in.expect(w, 2, f); v.name = in.bytes(); continue; }
    if (f != 2) { in.skip(w); continue; }
    in.expect(w, 2, f);
    In type(in.bytes(), file, "type");
    while (!type.done()) {
      type.next(f, w);
      if (f != 1) { type.skip(w); continue; }  // only tensor types are read
      type.expect(w, 2, f);
      In tt(type.bytes(), file, "tensor type");
      while (!tt.done()) {
        tt.next(f, w);
        if (f == 1) { v.elem_type = static_cast<std::int32_t>(int64_of(tt, w, f)); continue; }
        if (f != 2) { tt.skip(w); continue; }
        tt.expect(w, 2, f);
        In shape(tt.bytes(), file, "shape");
        while (!shape.done()) {
          shape.next(f, w);
          if (f != 1) { shape.skip(w); continue; }
          shape.expect(w, 2, f);
          if (v.dims.size() >= kMaxDims) shape.fail("input '" + v.name + "' has more than 8 dimensions");
          In dim(shape.bytes(), file, "dimension");
          std::pair<std::int64_t, std::string> d{-1, ""};
          while (!dim.done()) {
            dim.next(f, w);
            if (f == 1) { d.first = int64_of(dim, w, f); if (d.first < 0) dim.fail("'" + v.name + "' has dimension " + std::to_string(d.first)); }
            else if (f == 2) { dim.expect(w, 2, f); d.second = dim.bytes(); }
            else dim.skip(w);
          }
          v.dims.push_back(d);
        }
      }
    }
  }
  return v;
}

Graph graph(std::string_view b, const std::string& file) {
  In in(b, file, "graph");
  Graph g;
  std::uint32_t f, w;
  while (!in.done()) {
    in.next(f, w);
    if (f == 1) { in.expect(w, 2, f); g.nodes.push_back(node(in.bytes(), file)); }
    else if (f == 2) { in.expect(w, 2, f); g.name = in.bytes(); }
    else if (f == 5) { in.expect(w, 2, f); g.initializers.push_back(tensor(in.bytes(), file)); }
    else if (f == 11) { in.expect(w, 2, f); g.inputs.push_back(value_info(in.bytes(), file)); }
    else if (f == 12) { in.expect(w, 2, f); g.outputs.push_back(value_info(in.bytes(), file)); }
    else if (f == 15) in.fail("sparse initializers are not supported");
    else in.skip(w);
  }
  return g;
}

}  // namespace

Model decode(const std::string& bytes, const std::string& file) {
  In in(bytes, file, "model");
  Model m;
  bool has_graph = false;
  std::uint32_t f, w;
  while (!in.done()) {
    in.next(f, w);
    if (f == 1) m.ir_version = int64_of(in, w, f);
    else if (f == 2) { in.expect(w, 2, f); m.producer_name = in.bytes(); }
    else if (f == 3) { in.expect(w, 2, f); m.producer_version = in.bytes(); }
    else if (f == 7) { in.expect(w, 2, f); m.graph = graph(in.bytes(), file); has_graph = true; }
    else if (f == 8 || f == 14) {
      in.expect(w, 2, f);
      In kv(in.bytes(), file, f == 8 ? "opset" : "metadata");
      std::pair<std::string, std::string> p;
      std::int64_t version = 0;
      std::uint32_t g, gw;
      while (!kv.done()) {
        kv.next(g, gw);
        if (g == 1) { kv.expect(gw, 2, g); p.first = kv.bytes(); }
        else if (g == 2 && f == 8) version = int64_of(kv, gw, g);
        else if (g == 2) { kv.expect(gw, 2, g); p.second = kv.bytes(); }
        else kv.skip(gw);
      }
      if (f == 8) m.opsets.push_back({p.first, version});
      else m.metadata.push_back(p);
    } else if (f == 20 || f == 25) {
      in.fail(f == 20 ? "training_info is not supported" : "model-local functions are not supported");
    } else {
      in.skip(w);
    }
  }
  if (!has_graph) in.fail("no graph; is this an ONNX model file?");
  return m;
}

}  // namespace bp::onnx
