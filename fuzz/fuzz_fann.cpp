// Fuzz target: the FANN training-data reader (bp::load_fann_bytes), then one_hot_to_classes.
#include "backprop/data/fann.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bp::fuzz::expect_only_bp_errors([&] {
    const bp::Dataset d = bp::load_fann_bytes(bp::fuzz::view(data, size), "fuzz.data");
    bp::fuzz::check_dataset(d);
    if (d.target_width() >= 2) bp::fuzz::check_dataset(bp::one_hot_to_classes(d));
  });
  return 0;
}
