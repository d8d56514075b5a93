// Fuzz target: the NumPy .npy reader. Input: 1 mode byte, then mode % 4 == 0: one array
// (bp::read_npy_bytes), 1: features (bp::load_npy_features_bytes), 2/3: "u16 LE length | features
// | targets" as classification / regression (bp::load_npy_bytes).
#include "backprop/data/npy.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const unsigned mode = data[0] % 4;
  const std::string_view in = bp::fuzz::view(data + 1, size - 1);
  bp::fuzz::expect_only_bp_errors([&] {
    if (mode == 0) {
      const bp::NpyArray a = bp::read_npy_bytes(in, "fuzz.npy");
      const std::size_t n = a.u8.size() + a.i64.size() + a.f32.size() + a.f64.size();
      if (n != a.rows * a.cols) bp::fuzz::finding("NpyArray holds != rows x cols values");
      return;
    }
    if (mode == 1) {
      bp::fuzz::check_dataset(bp::load_npy_features_bytes(in, "fuzz.npy"));
      return;
    }
    std::string_view x, y;
    if (!bp::fuzz::split2(in, x, y)) return;
    bp::NpyOptions o;
    o.task = mode == 2 ? bp::Task::kClassification : bp::Task::kRegression;
    bp::fuzz::check_dataset(bp::load_npy_bytes(x, "x.npy", y, "y.npy", o));
  });
  return 0;
}
