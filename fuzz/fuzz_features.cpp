// Fuzz target: bp::load_features_bytes with format detection by name. Input: 1 byte choosing the
// file name (its format), the expected width and the CSV options, then the file.
#include "backprop/data/features.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const char* const kNames[8] = {"f.csv", "f.tsv", "f.TXT", "f.npy",
                                        "f.data", "f-idx3-ubyte", "f.csv.gz", "f.bin"};
  const unsigned opt = data[0];
  bp::FeatureOptions o;
  o.width = (opt >> 3) & 3;
  o.header = (opt & 0x20) ? bp::CsvOptions::Header::kNo : bp::CsvOptions::Header::kAuto;
  o.allow_label_column = (opt & 0x40) == 0;
  if (opt & 0x80) o.format = "csv";
  bp::fuzz::expect_only_bp_errors([&] {
    const bp::Dataset d = bp::load_features_bytes(bp::fuzz::view(data + 1, size - 1), kNames[opt & 7], o);
    bp::fuzz::check_dataset(d);
    if (o.width != 0 && d.features() != o.width) bp::fuzz::finding("width not enforced");
  });
  return 0;
}
