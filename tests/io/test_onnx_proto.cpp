// The ONNX protobuf encoder and decoder (src/io/onnx/): bytes derived by hand from the protobuf
// wire format (tag = field << 3 | wire type; 0 varint, 2 length-delimited, 5 fixed32) and
// onnx.proto's field numbers, and the decoder's refusals.
#include <gtest/gtest.h>

#include <string>

#include "backprop/core/error.hpp"
#include "io/onnx/graph.hpp"

namespace bp::onnx {
namespace {

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s += static_cast<char>(b);
  return s;
}

TEST(OnnxProto, EncodesAMinimalModelAsDerivedByHand) {
  Model m;
  m.ir_version = 7;
  m.producer_name = "bp";
  m.graph.name = "g";
  m.opsets = {{"", 13}};
  m.metadata = {{"k", "v"}};
  const std::string want = bytes({
      0x08, 0x07,                                   // 1: ir_version = 7 (varint)
      0x12, 0x02, 'b', 'p',                         // 2: producer_name
      0x1a, 0x00,                                   // 3: producer_version ""
      0x3a, 0x03, 0x12, 0x01, 'g',                  // 7: graph { 2: name "g" }
      0x42, 0x04, 0x0a, 0x00, 0x10, 0x0d,           // 8: opset_import { 1: "", 2: 13 }
      0x72, 0x06, 0x0a, 0x01, 'k', 0x12, 0x01, 'v'  // 14: metadata_props { 1: "k", 2: "v" }
  });
  EXPECT_EQ(encode(m), want);
}

TEST(OnnxProto, EncodesNodeAttributesAsDerivedByHand) {
  Model m;
  Node n;
  n.name = "n";
  n.op = "Elu";
  n.inputs = {"x"};
  n.outputs = {"y"};
  Attribute a;
  a.name = "alpha";
  a.kind = Attribute::Kind::kFloat;
  a.f = 1.0f;  // 0x3f800000, little-endian
  n.attrs = {a};
  m.graph.nodes = {n};
  const std::string node = bytes({0x0a, 0x01, 'x', 0x12, 0x01, 'y', 0x1a, 0x01, 'n', 0x22, 0x03, 'E', 'l', 'u',
                                  0x2a, 0x0f,  // 5: attribute, 7 + 5 + 3 = 15 bytes:
                                  0x0a, 0x05, 'a', 'l', 'p', 'h', 'a',  // 1: name
                                  0x15, 0x00, 0x00, 0x80, 0x3f,         // 2: f (fixed32)
                                  0xa0, 0x01, 0x01});                    // 20: type FLOAT (tag 160 = 2 bytes)
  const std::string graph = bytes({0x0a, static_cast<int>(node.size())}) + node + bytes({0x12, 0x00});
  const std::string enc = encode(m);
  EXPECT_NE(enc.find(graph), std::string::npos);
  const Model back = decode(enc, "t.onnx");
  ASSERT_EQ(back.graph.nodes.size(), 1u);
  EXPECT_EQ(back.graph.nodes[0].op, "Elu");
  ASSERT_NE(back.graph.nodes[0].attr("alpha"), nullptr);
  EXPECT_EQ(back.graph.nodes[0].attr("alpha")->f, 1.0f);
}

TEST(OnnxProto, DecodesWhatItEncodes) {
  Model m;
  m.opsets = {{"", 17}};
  m.graph.name = "g";
  m.graph.initializers = {{"w", {2, 3}, kTypeFloat, std::string(24, '\1')}};
  ValueInfo v;
  v.name = "input";
  v.dims = {{-1, "batch"}, {3, ""}};
  m.graph.inputs = {v};
  const Model back = decode(encode(m), "t.onnx");
  ASSERT_EQ(back.graph.initializers.size(), 1u);
  EXPECT_EQ(back.graph.initializers[0].dims, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(back.graph.initializers[0].raw, std::string(24, '\1'));
  ASSERT_EQ(back.graph.inputs.size(), 1u);
  EXPECT_EQ(back.graph.inputs[0].dims, v.dims);
  EXPECT_EQ(back.opsets, m.opsets);
}

TEST(OnnxProto, RefusesLengthsBeyondTheBytesLeft) {
  Model m;
  m.graph.name = "g";
  const std::string enc = encode(m);
  EXPECT_THROW(decode(enc.substr(0, enc.size() - 1), "t.onnx"), DataError);
  // A graph field claiming 2^32 - 1 bytes: refused before anything is read or allocated.
  try {
    decode(bytes({0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f}), "t.onnx");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("a field of 4294967295 bytes, but only 0 are left"), std::string::npos) << e.what();
  }
  EXPECT_THROW(decode(bytes({0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}), "t.onnx"), DataError);
  EXPECT_THROW(decode(std::string(), "t.onnx"), DataError);  // no graph
}

}  // namespace
}  // namespace bp::onnx
