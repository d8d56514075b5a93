// Fuzz target: the ONNX importer (bp::model_from_onnx). A file it accepts must run forward, and
// exporting it, importing that and exporting again must give the same bytes (docs/onnx.md).
#include "backprop/io/onnx.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  bp::fuzz::expect_only_bp_errors([&] {
    bp::Model<float> m = bp::model_from_onnx<float>(bytes, "fuzz.onnx");
    try {
      if (m.net.in() <= (std::size_t{1} << 16)) {  // keep executions fast
        bp::Matrix<float> x(1, m.net.in());
        if (m.net.predict(x).cols() != m.net.out()) bp::fuzz::finding("predict gave the wrong width");
      }
      const std::string once = bp::model_to_onnx(m.net, m.info);
      const bp::Model<float> again = bp::model_from_onnx<float>(once, "again.onnx");
      if (bp::model_to_onnx(again.net, again.info) != once) bp::fuzz::finding("export -> import -> export changed the bytes");
    } catch (const bp::Error& e) {
      std::fprintf(stderr, "accepted model fails later: %s\n", e.what());
      bp::fuzz::finding("an ONNX model the importer accepted cannot be used or exported");
    }
  });
  return 0;
}
