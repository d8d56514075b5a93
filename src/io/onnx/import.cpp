// model_from_onnx: placeholder, replaced below.
#include "backprop/error.hpp"
#include "backprop/io/onnx.hpp"
#include "io/onnx/graph.hpp"

namespace bp {

template <class T>
Model<T> model_from_onnx(const std::string& bytes, const std::string& name) {
  (void)onnx::decode(bytes, name);
  throw DataError(name + ": ONNX import is not implemented yet");
}

template Model<float> model_from_onnx(const std::string&, const std::string&);
template Model<double> model_from_onnx(const std::string&, const std::string&);

}  // namespace bp
