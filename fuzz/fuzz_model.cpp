// Fuzz target: the model-file reader (bp::model_from_bytes) in both precisions. A model it accepts
// must run forward and survive a save/load round trip.
#include "backprop/io/model.hpp"
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

// Input: 1 mode byte, then the file. Mode bit 0 clear: the body size and CRC-32 are fixed up first
// (fuzz_common.hpp, fix_frame), so mutations reach the body's parser; set: the bytes as given.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) bp::fuzz::fix_frame(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size());
  check<float>(bytes);
  check<double>(bytes);
  return 0;
}
