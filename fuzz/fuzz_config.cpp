// Fuzz target: the training config file (bp::cli::merge_config_text, what `backprop train -c`
// reads), against the data keys plus one key of each kind the train defaults use.
#include <set>

#include "data_args.hpp"
#include "fuzz_common.hpp"
#include "train_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const nlohmann::ordered_json defaults = [] {
    nlohmann::ordered_json d = bp::cli::data_defaults();
    d["layers"] = {784, 256, 10};
    d["epochs"] = 10;
    d["lr"] = 0.001;
    d["batch_size"] = "128";
    d["seed"] = nullptr;
    d["shuffle"] = true;
    return d;
  }();
  bp::fuzz::expect_only_bp_errors([&] {
    nlohmann::ordered_json cfg = defaults;
    std::set<std::string> keys;
    bp::cli::merge_config_text(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json",
                               defaults, cfg, keys);
    (void)cfg.dump();  // what train saves into the model file
  });
  return 0;
}
