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

struct GradcheckArgs {
  std::string layers = "4,5,3";
  std::string activation = "tanh";
  std::string loss = "mse";
  std::size_t batch = 3;
  std::uint64_t seed = 1;
  bool seed_net = false;
};

int run_gradcheck(const GradcheckArgs& args) {
  Network<double> net;
  Matrix<double> x, t;
  if (args.seed_net) {
    net = seed_network();
    x = seed_input();
    t = seed_target();
  } else {
    const auto sizes = parse_sizes(args.layers, "--layers");
    const Activation act = parse_activation(args.activation);
    const Loss loss = parse_loss(args.loss);
    if (args.batch == 0) throw UsageError("--batch 0; expected at least 1 sample");
    for (std::size_t l = 0; l + 1 < sizes.size(); ++l)
      net.add({.in = sizes[l], .out = sizes[l + 1], .activation = act});
    net.set_loss(loss);
    init_uniform(net, args.seed);
    std::mt19937_64 rng(args.seed + 1);
    std::uniform_real_distribution<double> u(-1, 1);
    x = Matrix<double>(args.batch, sizes.front());
    for (auto& v : x) v = u(rng);
    t = Matrix<double>(args.batch, sizes.back());
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
  auto args = std::make_shared<GradcheckArgs>();
  CLI::App* cmd = app.add_subcommand(
      "gradcheck", "Check every analytic gradient against central finite differences (in double); "
                   "exits 1 when the worst relative error exceeds 1e-6");
  cmd->add_option("--layers", args->layers, "Layer sizes, inputs first")->capture_default_str();
  cmd->add_option("--activation", args->activation, "Activation of every layer")->capture_default_str();
  cmd->add_option("--loss", args->loss, "Loss: half-sse, mse, cross-entropy, binary-cross-entropy")
      ->capture_default_str();
  cmd->add_option("--batch", args->batch, "Samples in the random batch")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of the random weights and data")->capture_default_str();
  cmd->add_flag("--seed-network", args->seed_net, "Check the seed's 2-2-2 network instead");
  cmd->callback([&run, args] { run = [args] { return run_gradcheck(*args); }; });
}

}  // namespace bp::cli
