// Fuzz target: the training config file (bp::cli::merge_config_text, what `backprop train -c`
// reads), against every key of the train schema (tools/backprop/config/schema.cpp).
#include <set>

#include "fuzz_common.hpp"
#include "train_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const bp::cli::Schema& schema = bp::cli::train_schema();
  bp::fuzz::expect_only_bp_errors([&] {
    nlohmann::ordered_json cfg = bp::cli::defaults_of(schema);
    std::set<std::string> keys;
    bp::cli::merge_config_text(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json",
                               schema, cfg, keys);
    (void)cfg.dump();  // what train saves into the model file
  });
  return 0;
}
