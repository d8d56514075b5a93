// Fuzz target: the checkpoint reader (bp::checkpoint_from_bytes) in both precisions.
#include "backprop/checkpoint.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  bp::fuzz::expect_only_bp_errors([&] { (void)bp::checkpoint_from_bytes<float>(bytes, "fuzz.ckpt"); });
  bp::fuzz::expect_only_bp_errors([&] { (void)bp::checkpoint_from_bytes<double>(bytes, "fuzz.ckpt"); });
  return 0;
}
