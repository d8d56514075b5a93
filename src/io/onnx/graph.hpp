// The part of ONNX's ModelProto that backprop writes and reads (onnx/onnx.proto, IR versions 7
// and 8): a graph of nodes over named tensors, its initializers, inputs, outputs and the model's
// metadata. Plain structs: proto_write.cpp encodes them, proto_read.cpp decodes and checks them.
// Internal: not installed.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bp::onnx {

/// TensorProto.DataType values used here.
inline constexpr std::int32_t kTypeFloat = 1;
inline constexpr std::int32_t kTypeInt64 = 7;
inline constexpr std::int32_t kTypeDouble = 11;

/// A constant tensor (initializer or Constant's value). `raw` holds the values little-endian
/// (TensorProto.raw_data; a reader converts float_data / int64_data into it).
struct Tensor {
  std::string name;
  std::vector<std::int64_t> dims;
  std::int32_t data_type = kTypeFloat;
  std::string raw;
};

/// AttributeProto: one of an int, a float, a list of ints, a string or a tensor.
struct Attribute {
  enum class Kind { kFloat = 1, kInt = 2, kString = 3, kTensor = 4, kFloats = 6, kInts = 7 };
  std::string name;
  Kind kind = Kind::kInt;
  std::int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<std::int64_t> ints;
  std::vector<float> floats;
  Tensor t;
};

struct Node {
  std::string name, op;
  std::vector<std::string> inputs, outputs;
  std::vector<Attribute> attrs;
  /// The attribute called `name`, or nullptr.
  const Attribute* attr(const std::string& n) const {
    for (const Attribute& a : attrs)
      if (a.name == n) return &a;
    return nullptr;
  }
};

/// A graph input's or output's tensor type: element type and dimensions, each a value (>= 0) or
/// a symbolic name (value -1).
struct ValueInfo {
  std::string name;
  std::int32_t elem_type = kTypeFloat;
  std::vector<std::pair<std::int64_t, std::string>> dims;
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::vector<Tensor> initializers;
  std::vector<ValueInfo> inputs, outputs;
};

struct Model {
  std::int64_t ir_version = 7;
  std::vector<std::pair<std::string, std::int64_t>> opsets;  ///< (domain, version); "" = ai.onnx
  std::string producer_name, producer_version;
  Graph graph;
  std::vector<std::pair<std::string, std::string>> metadata;  ///< metadata_props, in order
};

/// The protobuf wire encoding of `m` (deterministic: fields in number order, as written here).
std::string encode(const Model& m);
/// Decodes and checks the wire format (see proto_read.cpp); throws DataError naming `file`.
Model decode(const std::string& bytes, const std::string& file);

}  // namespace bp::onnx
