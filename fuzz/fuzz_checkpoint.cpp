// Fuzz target: the checkpoint reader (bp::checkpoint_from_bytes) in both precisions, and what
// `train --resume` does next with an accepted checkpoint: every optimizer's load_state on its
// optimizer record (the one whose name code matches goes deep) and the plateau schedule's
// load_state on the extra state.
// Input: 1 mode byte, then the file. Mode bit 0 clear: the frames are fixed up first (the outer
// body size and CRC-32, then those of the embedded model file whose size is the u64 at byte 24),
// so mutations reach the body's parser instead of stopping at a checksum; set: the bytes as given.
#include "backprop/io/checkpoint.hpp"
#include "backprop/optim/options.hpp"
#include "backprop/optim/schedule.hpp"
#include "fuzz_common.hpp"

namespace {

template <class T>
void check(const std::string& bytes) {
  bp::fuzz::expect_only_bp_errors([&] {
    const bp::Checkpoint<T> ck = bp::checkpoint_from_bytes<T>(bytes, "fuzz.ckpt");
    for (const char* name : {"sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "rprop", "irprop+", "lbfgs"}) {
      bp::OptimizerOptions o;
      o.name = name;
      auto opt = bp::make_optimizer<T>(o);
      bp::fuzz::expect_only_bp_errors([&] { (void)opt->load_state(ck.optimizer); });
    }
    bp::ReduceOnPlateau plateau(0.1, bp::PlateauOptions{});
    bp::fuzz::expect_only_bp_errors([&] { (void)plateau.load_state(ck.extra); });
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0 && bytes.size() >= 32) {
    auto* p = reinterpret_cast<unsigned char*>(bytes.data());
    std::uint64_t m = 0;
    for (int k = 0; k < 8; ++k) m |= std::uint64_t(p[24 + k]) << (8 * k);
    if (m <= bytes.size() - 32) bp::fuzz::fix_frame(p + 32, static_cast<std::size_t>(m));
    bp::fuzz::fix_frame(p, bytes.size());
  }
  check<float>(bytes);
  check<double>(bytes);
  return 0;
}
