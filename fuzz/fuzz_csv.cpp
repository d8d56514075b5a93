// Fuzz target: the CSV reader (bp::load_csv_bytes). Input: 1 byte of options, then the file.
#include "backprop/data/csv.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const unsigned opt = data[0];
  bp::CsvOptions o;
  o.delimiter = ",\t;"[opt % 3];                                            // 3 delimiters
  o.header = static_cast<bp::CsvOptions::Header>((opt / 3) % 3);            // auto, yes, no
  switch ((opt / 9) % 5) {
    case 0: break;                                                          // classification, last column
    case 1: o.label_index = 0; break;                                       // label first
    case 2: o.task = bp::Task::kRegression; o.target_columns = 1 + (opt >> 7); break;
    case 3: o.features_only = true; break;
    default: o.features_only = true; o.features = 2; o.allow_label_column = (opt & 0x80) != 0; break;
  }
  bp::fuzz::expect_only_bp_errors([&] {
    const bp::Dataset d = bp::load_csv_bytes(bp::fuzz::view(data + 1, size - 1), "fuzz.csv", o);
    bp::fuzz::check_dataset(d);
  });
  return 0;
}
