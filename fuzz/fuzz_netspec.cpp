// Fuzz target: the network description reader (bp::parse_netspec, docs/network-json.md). A
// description it accepts must run forward on its own input.
#include "backprop/tutorial/netspec.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bp::fuzz::expect_only_bp_errors([&] {
    bp::NetSpec spec = bp::parse_netspec(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
    try {
      (void)spec.net.forward(spec.input);
    } catch (const bp::Error& e) {
      std::fprintf(stderr, "accepted description fails later: %s\n", e.what());
      bp::fuzz::finding("a description the reader accepted cannot run forward");
    }
  });
  return 0;
}
