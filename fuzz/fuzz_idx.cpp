// Fuzz target: the IDX reader, plain and gzip. Input: 1 mode byte, then either an images file
// (mode even: bp::load_idx_images_bytes) or "u16 LE length | images | labels" (mode odd:
// bp::load_idx_bytes; bit 1 asks for 3 fixed classes).
#include "backprop/data/idx.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const unsigned mode = data[0];
  const std::string_view in = bp::fuzz::view(data + 1, size - 1);
  bp::fuzz::expect_only_bp_errors([&] {
    if (mode % 2 == 0) {
      bp::fuzz::check_dataset(bp::load_idx_images_bytes(in, "fuzz-images"));
      return;
    }
    std::string_view images, labels;
    if (!bp::fuzz::split2(in, images, labels)) return;
    bp::IdxOptions o;
    if (mode & 2) o.classes = 3;
    bp::fuzz::check_dataset(bp::load_idx_bytes(images, "fuzz-images", labels, "fuzz-labels", o));
  });
  return 0;
}
