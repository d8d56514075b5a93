// A protobuf encoder for the ONNX messages of graph.hpp: varints, length-delimited fields, and
// fixed32 floats; nested messages are encoded first, then written with their length. Field
// numbers from onnx/onnx.proto.
#include <bit>
#include <cstring>

#include "io/onnx/graph.hpp"

namespace bp::onnx {

namespace {

class Out {
 public:
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      s_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    s_ += static_cast<char>(v);
  }
  void tag(std::uint32_t field, std::uint32_t wire) { varint((std::uint64_t{field} << 3) | wire); }
  void int_field(std::uint32_t field, std::int64_t v) {
    tag(field, 0);
    varint(static_cast<std::uint64_t>(v));
  }
  void bytes_field(std::uint32_t field, const std::string& v) {
    tag(field, 2);
    varint(v.size());
    s_ += v;
  }
  void float_field(std::uint32_t field, float v) {
    tag(field, 5);
    fixed32(std::bit_cast<std::uint32_t>(v));
  }
  void fixed32(std::uint32_t u) {
    for (int k = 0; k < 4; ++k) s_ += static_cast<char>((u >> (8 * k)) & 0xff);
  }
  std::string& str() { return s_; }

 private:
  std::string s_;
};

std::string tensor(const Tensor& t) {
  Out o;
  for (std::int64_t d : t.dims) o.int_field(1, d);
  o.int_field(2, t.data_type);
  o.bytes_field(8, t.name);
  o.bytes_field(9, t.raw);
  return o.str();
}

std::string attribute(const Attribute& a) {
  Out o;
  o.bytes_field(1, a.name);
  switch (a.kind) {
    case Attribute::Kind::kFloat: o.float_field(2, a.f); break;
    case Attribute::Kind::kInt: o.int_field(3, a.i); break;
    case Attribute::Kind::kString: o.bytes_field(4, a.s); break;
    case Attribute::Kind::kTensor: o.bytes_field(5, tensor(a.t)); break;
    case Attribute::Kind::kFloats:
      for (float f : a.floats) o.float_field(7, f);
      break;
    case Attribute::Kind::kInts:
      for (std::int64_t i : a.ints) o.int_field(8, i);
      break;
  }
  o.int_field(20, static_cast<std::int64_t>(a.kind));
  return o.str();
}

std::string node(const Node& n) {
  Out o;
  for (const auto& i : n.inputs) o.bytes_field(1, i);
  for (const auto& x : n.outputs) o.bytes_field(2, x);
  o.bytes_field(3, n.name);
  o.bytes_field(4, n.op);
  for (const Attribute& a : n.attrs) o.bytes_field(5, attribute(a));
  return o.str();
}

std::string value_info(const ValueInfo& v) {
  Out shape;
  for (const auto& [value, param] : v.dims) {
    Out dim;
    if (value >= 0) dim.int_field(1, value);
    else dim.bytes_field(2, param);
    shape.bytes_field(1, dim.str());
  }
  Out tensor_type;
  tensor_type.int_field(1, v.elem_type);
  tensor_type.bytes_field(2, shape.str());
  Out type;
  type.bytes_field(1, tensor_type.str());
  Out o;
  o.bytes_field(1, v.name);
  o.bytes_field(2, type.str());
  return o.str();
}

std::string graph(const Graph& g) {
  Out o;
  for (const Node& n : g.nodes) o.bytes_field(1, node(n));
  o.bytes_field(2, g.name);
  for (const Tensor& t : g.initializers) o.bytes_field(5, tensor(t));
  for (const ValueInfo& v : g.inputs) o.bytes_field(11, value_info(v));
  for (const ValueInfo& v : g.outputs) o.bytes_field(12, value_info(v));
  return o.str();
}

}  // namespace

std::string encode(const Model& m) {
  Out o;
  o.int_field(1, m.ir_version);
  o.bytes_field(2, m.producer_name);
  o.bytes_field(3, m.producer_version);
  o.bytes_field(7, graph(m.graph));
  for (const auto& [domain, version] : m.opsets) {
    Out op;
    op.bytes_field(1, domain);
    op.int_field(2, version);
    o.bytes_field(8, op.str());
  }
  for (const auto& [key, value] : m.metadata) {
    Out kv;
    kv.bytes_field(1, key);
    kv.bytes_field(2, value);
    o.bytes_field(14, kv.str());
  }
  return std::move(o.str());
}

}  // namespace bp::onnx
