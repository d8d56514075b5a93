// ONNX: a model's network and preprocessing as an ONNX file any runtime can run, and ONNX files
// written by torch.onnx.export (MLPs and CNNs) as backprop models. docs/onnx.md lists the
// operators, the layout and what is refused.
#pragma once

#include <string>

#include "backprop/io/model.hpp"

namespace bp {

struct OnnxExportOptions {
  int opset = 13;       ///< 13 (IR version 7) or 17 (IR version 8)
  bool logits = false;  ///< drop the output layer's activation (softmax, sigmoid, ...)
};

/// The ONNX ModelProto bytes of a model: input "input" of shape [batch, features] (or
/// [batch, C, H, W] for image input), the stored preprocessing as Cast/Sub/Div/Cast nodes, then
/// every layer (dense as Gemm transB=1 with weights [out, in]; conv2d, pooling, batch norm,
/// flatten and each activation as their ONNX operators; dropout as nothing), output "output".
/// metadata_props: class names, loss, preprocessing kind, a checksum of the weights, the seed,
/// the training configuration and the column names. Deterministic: the same model gives the
/// same bytes. Throws UsageError for an opset other than 13 or 17, or a softmax over a spatial
/// tensor (nothing to export it to).
template <class T>
std::string model_to_onnx(const Network<T>& net, const ModelInfo& info,
                          const OnnxExportOptions& opts = {});

/// A model from ONNX bytes (`name` is the file, for messages): the sequential graphs
/// model_to_onnx writes and that torch.onnx.export writes for MLPs and CNNs (opsets 13 to 17).
/// Checks the bytes before acting on any size (lengths, dims, initializer sizes) and refuses,
/// with a DataError naming the node, its op and the attribute, anything it cannot represent
/// exactly: unsupported operators or attributes, external data, cycles, missing inputs,
/// branches. Float weights: a double model holds the float32 values.
template <class T>
Model<T> model_from_onnx(const std::string& bytes, const std::string& name);

/// The CRC-32 of the network's params and buffers, each value as float32 little-endian, in
/// Network order: the "model checksum" of an export, equal for a .bpm, its ONNX file and the
/// model imported from it.
template <class T>
std::uint32_t weights_checksum(const Network<T>& net);

}  // namespace bp
