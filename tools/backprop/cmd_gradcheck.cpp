// `backprop gradcheck`: analytic gradients of a network against finite differences, in double.
#include <cmath>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "backprop/backprop.hpp"
#include "backprop/nn/batchnorm.hpp"
#include "backprop/nn/network_spec.hpp"
#include "commands.hpp"
#include "train_config.hpp"

namespace bp::cli {

namespace {

// The network of --network for --input-shape: Xavier-uniform weights; BatchNorm's gamma, beta and
// running statistics drawn too, so that the check does not run at the special point 1, 0, 0, 1.
Network<double> spec_network(const nlohmann::ordered_json& cfg, const ConfigFlags& flags, Loss loss,
                             std::uint64_t seed) {
  if (cfg["input_shape"].is_string())
    flags.fail("input_shape", "expected the shape of one sample for --network, e.g. 1,8,8; got auto");
  Network<double> net;
  try {
    net = network_from_spec<double>(cfg["network"], shape_of_sizes(cfg["input_shape"].get<std::vector<std::size_t>>()),
                                    loss);
  } catch (const UsageError& e) {
    flags.fail("network", e.what());
  }
  init_network(net, InitOptions{}, seed);
  std::mt19937_64 rng(seed + 2);
  std::uniform_real_distribution<double> u(0.5, 1.5);
  for (std::size_t l = 0; l < net.depth(); ++l)
    if (auto* bn = net.layer(l).as<BatchNorm<double>>())
      for (Param<double>* p : {&bn->gamma(), &bn->beta(), &bn->running_mean(), &bn->running_var()})
        for (auto& v : p->value) v = p == &bn->running_mean() || p == &bn->beta() ? u(rng) - 1 : u(rng);
  return net;
}

// cfg: the values of gradcheck_schema().
int run_gradcheck(const nlohmann::ordered_json& cfg, const ConfigFlags& flags) {
  Network<double> net;
  Matrix<double> x, t;
  if (cfg["seed_network"].get<bool>()) {
    net = seed_network();
    x = seed_input();
    t = seed_target();
  } else {
    const Loss loss = parse_loss(cfg["loss"].get<std::string>());
    const auto batch = cfg["batch"].get<std::size_t>();
    const auto seed = cfg["seed"].get<std::uint64_t>();
    if (!cfg["network"].is_null()) {
      if (flags.given("layers") || flags.given("activation"))
        flags.fail(flags.given("layers") ? "layers" : "activation",
                   "cannot be combined with --network; expected the network spec alone to describe the layers");
      net = spec_network(cfg, flags, loss, seed);
    } else {
      if (flags.given("input_shape")) flags.fail("input_shape", "applies to --network only; none is given");
      const auto sizes = cfg["layers"].get<std::vector<std::size_t>>();
      const Activation act = parse_activation(cfg["activation"].get<std::string>());
      for (std::size_t l = 0; l + 1 < sizes.size(); ++l)
        net.add({.in = sizes[l], .out = sizes[l + 1], .activation = act});
      net.set_loss(loss);
      init_uniform(net, seed);
    }
    std::mt19937_64 rng(seed + 1);
    std::uniform_real_distribution<double> u(-1, 1);
    x = Matrix<double>(batch, net.in());
    for (auto& v : x) v = u(rng);
    t = Matrix<double>(batch, net.out());
    // Targets each loss accepts: probability rows for cross-entropy, values in (0,1) for BCE.
    for (std::size_t n = 0; n < t.rows(); ++n) {
      double sum = 0;
      for (auto& v : t.row(n)) sum += (v = 0.05 + 0.9 * (u(rng) + 1) / 2);
      if (loss == Loss::kSoftmaxCrossEntropy)
        for (auto& v : t.row(n)) v /= sum;
    }
  }
  const GradcheckReport r = gradcheck(net, x, t);
  std::printf("gradcheck: %zu layer(s), loss %s, %zu sample(s); relative error |a-n|/max(|a|,|n|,%g)\n",
              net.depth(), std::string(loss_name(net.loss())).c_str(), x.rows(), GradcheckOptions{}.floor);
  std::printf("%-6s %-14s %-11s %-13s %-13s %-9s %s\n", "layer", "name", "activation", "worst dE/dw",
              "worst dE/db", "checked", "min|z|");
  for (const auto& l : r.layers) {
    std::printf("%-6zu %-14s %-11s %-13.3e %-13.3e %-9zu %.3e%s\n", l.layer, l.name.c_str(),
                std::string(activation_name(l.activation)).c_str(), l.worst_weight, l.worst_bias,
                l.checked, l.min_abs_z, l.near_kink ? "  (near a kink: the check is not meaningful here)" : "");
  }
  std::printf("input  worst dE/dx %.3e\n", r.worst_input);
  std::printf("worst  %.3e  %s (threshold 1e-6)\n", r.worst(), r.worst() <= 1e-6 ? "PASS" : "FAIL");
  return r.worst() <= 1e-6 ? 0 : 1;
}

}  // namespace

void register_gradcheck(CLI::App& app, Run& run) {
  CLI::App* cmd = app.add_subcommand(
      "gradcheck", "Check every analytic gradient against central finite differences (in double); "
                   "exits 1 when the worst relative error exceeds 1e-6");
  auto config = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *config, "JSON config file (keys as the flags: network, input_shape, loss, ...); "
                                          "flags override it");
  auto flags = std::make_shared<ConfigFlags>(cmd, gradcheck_schema());
  cmd->callback([&run, flags, config] { run = [flags, config] { return run_gradcheck(flags->resolve(*config), *flags); }; });
}

}  // namespace bp::cli
