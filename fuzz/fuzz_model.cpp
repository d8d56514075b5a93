// Fuzz target: the model-file reader (bp::model_from_bytes) in both precisions. A model it accepts
// must run forward and survive a save/load round trip.
#include "backprop/model.hpp"
#include "fuzz_common.hpp"

namespace {

template <class T>
void check(const std::string& bytes) {
  bp::fuzz::expect_only_bp_errors([&] {
    bp::Model<T> m = bp::model_from_bytes<T>(bytes, "fuzz.bpm");
    try {
      bp::Matrix<T> x(1, m.net.in());
      const bp::Matrix<T>& y = m.net.forward(x);
      if (y.cols() != m.net.out()) bp::fuzz::finding("forward gave the wrong width");
      const auto again = bp::model_to_bytes(m.net, m.info);
      (void)bp::model_from_bytes<T>(std::string(again.begin(), again.end()), "again.bpm");
      (void)bp::to_scaler(m.info.preprocessing);
    } catch (const bp::Error& e) {
      std::fprintf(stderr, "accepted model fails later: %s\n", e.what());
      bp::fuzz::finding("a model the reader accepted cannot be used or saved");
    }
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  check<float>(bytes);
  check<double>(bytes);
  return 0;
}
