// `backprop gradcheck`: analytic gradients of a network against finite differences, in double.
#include <cmath>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "backprop/backprop.hpp"
#include "commands.hpp"
#include "train_config.hpp"

namespace bp::cli {

namespace {

// cfg: the values of gradcheck_schema().
int run_gradcheck(const nlohmann::ordered_json& cfg) {
  Network<double> net;
  Matrix<double> x, t;
  if (cfg["seed_network"].get<bool>()) {
    net = seed_network();
    x = seed_input();
    t = seed_target();
  } else {
    const auto sizes = cfg["layers"].get<std::vector<std::size_t>>();
    const Activation act = parse_activation(cfg["activation"].get<std::string>());
    const Loss loss = parse_loss(cfg["loss"].get<std::string>());
    const auto batch = cfg["batch"].get<std::size_t>();
    const auto seed = cfg["seed"].get<std::uint64_t>();
    for (std::size_t l = 0; l + 1 < sizes.size(); ++l)
      net.add({.in = sizes[l], .out = sizes[l + 1], .activation = act});
    net.set_loss(loss);
    init_uniform(net, seed);
    std::mt19937_64 rng(seed + 1);
    std::uniform_real_distribution<double> u(-1, 1);
    x = Matrix<double>(batch, sizes.front());
    for (auto& v : x) v = u(rng);
    t = Matrix<double>(batch, sizes.back());
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
  std::printf("%-6s %-11s %-13s %-13s %-9s %s\n", "layer", "activation", "worst dE/dw", "worst dE/db",
              "checked", "min|z|");
  for (const auto& l : r.layers) {
    std::printf("%-6zu %-11s %-13.3e %-13.3e %-9zu %.3e%s\n", l.layer,
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
  auto flags = std::make_shared<ConfigFlags>(cmd, gradcheck_schema());
  cmd->callback([&run, flags] { run = [flags] { return run_gradcheck(flags->resolve("")); }; });
}

}  // namespace bp::cli
