// Fuzz target: network specs (bp::network_from_spec, docs/network-spec.md). The input is a JSON
// object {"input_shape": [C, H, W], "network": [layer objects]}. A spec the builder accepts must
// initialize, run forward and backward on a batch of two samples, in training mode and in
// evaluation, and predict; the limits keep every accepted network small.
#include <nlohmann/json.hpp>

#include "backprop/nn/init.hpp"
#include "backprop/nn/network_spec.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto doc = nlohmann::ordered_json::parse(bp::fuzz::view(data, size), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("input_shape") || !doc.contains("network")) return 0;
  const auto& sizes = doc["input_shape"];
  std::vector<std::size_t> dims;
  if (!sizes.is_array()) return 0;
  for (const auto& v : sizes) {
    if (!v.is_number_unsigned()) return 0;
    dims.push_back(v.get<std::size_t>());
  }
  bp::fuzz::expect_only_bp_errors([&] {
    bp::NetworkSpecLimits limits;
    limits.max_params = 1'000'000;
    limits.max_values_per_sample = 1'000'000;
    limits.max_layers = 64;
    const bp::Shape in = bp::shape_of_sizes(dims);
    if (in.size() > 1'000'000) return;
    bp::Network<float> net = bp::network_from_spec<float>(doc["network"], in, bp::Loss::kMse, limits);
    try {
      bp::init_network(net, {}, 1);
      bp::Matrix<float> x(2, net.in()), t(2, net.out());
      for (std::size_t k = 0; k < x.size(); ++k) x[k] = static_cast<float>(k % 7) - 3.0f;
      for (bool training : {true, false}) {
        net.set_training(training);
        net.forward(x);
        net.backward(x, t, /*need_dx=*/true);
      }
      (void)net.predict(x);
    } catch (const bp::Error& e) {
      std::fprintf(stderr, "accepted spec fails later: %s\n", e.what());
      bp::fuzz::finding("a network spec the builder accepted cannot run");
    }
  });
  return 0;
}
