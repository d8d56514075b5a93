// `backprop summary`: a network's layers, output shapes and parameter counts (bp::summarize),
// for a model file, or for the network `backprop train` would build from a config and its data.
#include <cstdio>
#include <memory>
#include <string>

#include "backprop/backprop.hpp"
#include "backprop/nn/summary.hpp"
#include "commands.hpp"
#include "config/rules.hpp"
#include "data_args.hpp"
#include "network_from_data.hpp"
#include "train_config.hpp"

namespace bp::cli {

namespace {

// The network train would build: the config and flags resolved as train resolves them, the
// training data read for its shape.
int summary_of_config(const ConfigFlags& flags, const std::string& config) {
  nlohmann::ordered_json cfg = flags.resolve(config);
  resolve_dataset_shortcut(cfg);
  check_train_rules(cfg, flags);
  probe_inputs(cfg, train_schema());
  Dataset data;
  load_training_data(cfg, data);
  NetworkShape shape;
  const Network<float> net =
      network_for_data<float>(cfg, data, shape, [&](const std::string& k, const std::string& w) { flags.fail(k, w); });
  const std::string text = summarize(net, config.empty() ? cfg.at("train").get<std::string>() : config);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace

void register_summary(CLI::App& app, Run& run) {
  CLI::App* cmd = app.add_subcommand(
      "summary", "Print a network's layers, their output shapes and parameter counts, and the totals: "
                 "of a model file, or of the network train would build from a config (-c) or flags");
  auto model = std::make_shared<std::string>();
  cmd->add_option("model", *model, "A model file (train --output); or give -c CONFIG / train's flags instead");
  auto config = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *config, "JSON config file of train; flags override it");
  auto flags = std::make_shared<ConfigFlags>(cmd, train_schema());
  cmd->callback([&run, flags, model, config] {
    run = [flags, model, config] {
      if (model->empty()) return summary_of_config(*flags, *config);
      if (!config->empty()) throw UsageError("a model file and -c '" + *config + "' given; give one");
      const Model<float> m = load_model<float>(*model);
      const std::string text = summarize(m.net, *model);
      std::fwrite(text.data(), 1, text.size(), stdout);
      return 0;
    };
  });
}

}  // namespace bp::cli
