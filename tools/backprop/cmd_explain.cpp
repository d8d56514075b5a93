// `backprop explain`: one backpropagation step worked out the way the seed does it by hand
// (docs/explain.md), for the seed's network or a JSON network description (docs/network-json.md).
#include <cstdio>
#include <memory>
#include <string>

#include "backprop/io/atomic_file.hpp"
#include "backprop/backprop.hpp"
#include "backprop/tutorial/explain_page.hpp"
#include "commands.hpp"
#include "config/rules.hpp"
#include "train_config.hpp"

namespace bp::cli {

namespace {

UpdateOrder parse_order(const std::string& s) {
  return s == "layerwise" ? UpdateOrder::kLayerwise : UpdateOrder::kSimultaneous;  // checked by the schema
}

// cfg: the values of explain_schema(); positional: the NETWORK argument; o: the -o FILE flag.
int run_explain(const nlohmann::ordered_json& cfg, const std::string& positional, const std::string& o) {
  const std::string option = cfg["network"].get<std::string>();
  if (!positional.empty() && !option.empty() && positional != option)
    throw UsageError("two network files given ('" + positional + "' and --network '" + option + "'); give one");
  const std::string format = cfg["format"].get<std::string>();  // checked by the schema
  const std::string output = o.empty() ? cfg["output"].get<std::string>() : o;
  probe_outputs(cfg, explain_schema());  // --output, before any work
  if (!o.empty() && o != "-") probe_output(o, "-o file");
  const UpdateOrder order = parse_order(cfg["update_order"].get<std::string>());
  const std::string file = positional.empty() ? option : positional;
  const auto steps = cfg["steps"].get<std::size_t>();

  NetSpec spec;
  if (file.empty()) {  // the seed's worked example
    spec.net = seed_network();
    spec.input = seed_input();
    spec.target = seed_target();
    spec.lr = kSeedLearningRate;
    spec.names = NetNames::kSeed;
  } else {
    spec = load_netspec(file);
  }
  ExplainOptions opts;
  opts.lr = cfg["lr"].is_null() ? spec.lr : cfg["lr"].get<double>();
  opts.names = spec.names;
  opts.precision = cfg["precision"].get<int>();

  // The derivation is for the first sample; --steps trains on all of them, in order.
  std::string text;
  if (format == "html") {  // the page records the updates itself (docs/explain.md, "The HTML page")
    text = render_explain_html(spec.net, spec.input, spec.target, opts, steps, order);
  } else {
    const Explanation e = explain(spec.net, spec.input.row(0), spec.target.row(0), opts);
    TrainingSummary training;
    if (steps > 0) training = explain_training(spec.net, spec.input, spec.target, opts.lr, steps, order);
    text = format == "dot" ? render_explain_dot(e)
                           : render_explanation(e, steps > 0 ? &training : nullptr, parse_explain_format(format));
  }
  if (output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    write_file_atomically(output, {reinterpret_cast<const unsigned char*>(text.data()), text.size()});
  }
  return 0;
}

}  // namespace

void register_explain(CLI::App& app, Run& run) {
  CLI::App* cmd = app.add_subcommand(
      "explain", "Work out one backpropagation step by hand, as the seed does: forward pass, total error, "
                 "every chain-rule factor of every gradient, and the updated weights");
  auto network = std::make_shared<std::string>();
  cmd->add_option("network", *network,
                  "JSON network description (docs/network-json.md); default: the seed's 2-2-2 network");
  auto o = std::make_shared<std::string>();
  cmd->add_option("-o", *o, "Same as --output");
  auto flags = std::make_shared<ConfigFlags>(cmd, explain_schema());
  cmd->callback([&run, flags, network, o] {
    run = [flags, network, o] { return run_explain(flags->resolve(""), *network, *o); };
  });
}

}  // namespace bp::cli
