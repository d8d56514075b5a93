// `backprop explain`: one backpropagation step worked out the way the seed does it by hand
// (docs/explain.md), for the seed's network or a JSON network description (docs/network-json.md).
#include <cstdio>
#include <memory>
#include <string>

#include "backprop/atomic_file.hpp"
#include "backprop/backprop.hpp"
#include "backprop/explain_page.hpp"
#include "commands.hpp"

namespace bp::cli {

namespace {

struct ExplainArgs {
  std::string network_pos;
  std::string network_opt;
  std::string format = "text";
  double lr = 0;  // 0: the description's (or the seed's) learning rate
  bool lr_set = false;
  std::size_t steps = 0;
  std::string order = "simultaneous";
  int precision = 12;
  std::string output;  // empty: stdout
};

UpdateOrder parse_order(const std::string& s) {
  if (s == "simultaneous") return UpdateOrder::kSimultaneous;
  if (s == "layerwise") return UpdateOrder::kLayerwise;
  throw UsageError("--update-order '" + s + "'; expected simultaneous or layerwise");
}

int run_explain(const ExplainArgs& args) {
  if (!args.network_pos.empty() && !args.network_opt.empty() && args.network_pos != args.network_opt)
    throw UsageError("two network files given ('" + args.network_pos + "' and --network '" +
                     args.network_opt + "'); give one");
  const bool html = args.format == "html", dot = args.format == "dot";
  const bool prose = args.format == "text" || args.format == "markdown" || args.format == "md" || args.format == "json";
  if (!html && !dot && !prose)
    throw UsageError("--format '" + args.format + "'; expected one of: text, markdown, json, html, dot");
  const UpdateOrder order = parse_order(args.order);
  const std::string file = args.network_pos.empty() ? args.network_opt : args.network_pos;

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
  opts.lr = args.lr_set ? args.lr : spec.lr;
  opts.names = spec.names;
  opts.precision = args.precision;
  if (args.lr_set && !(args.lr > 0 && args.lr < 1e300))
    throw UsageError("--lr " + CLI::detail::to_string(args.lr) + "; expected a finite value > 0");
  if (args.precision < 10 || args.precision > 17)
    throw UsageError("--precision " + std::to_string(args.precision) + "; expected 10 to 17 digits");

  // The derivation is for the first sample; --steps trains on all of them, in order.
  std::string text;
  if (html) {
    text = render_explain_html(spec.net, spec.input, spec.target, opts, args.steps, order);
  } else {
    const Explanation e = explain(spec.net, spec.input.row(0), spec.target.row(0), opts);
    TrainingSummary training;
    if (args.steps > 0) training = explain_training(spec.net, spec.input, spec.target, opts.lr, args.steps, order);
    text = dot ? render_explain_dot(e)
               : render_explanation(e, args.steps > 0 ? &training : nullptr, parse_explain_format(args.format));
  }
  if (args.output.empty() || args.output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    write_file_atomically(args.output, {reinterpret_cast<const unsigned char*>(text.data()), text.size()});
  }
  return 0;
}

}  // namespace

void register_explain(CLI::App& app, Run& run) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "explain", "Work out one backpropagation step by hand, as the seed does: forward pass, total error, "
                 "every chain-rule factor of every gradient, and the updated weights");
  cmd->add_option("network", args->network_pos,
                  "JSON network description (docs/network-json.md); default: the seed's 2-2-2 network");
  cmd->add_option("--network", args->network_opt, "Same as the positional NETWORK");
  cmd->add_option("--format", args->format,
                  "Output: text, markdown, json, html (a self-contained page that steps through the updates) "
                  "or dot (Graphviz)")
      ->capture_default_str();
  cmd->add_option("-o,--output", args->output, "Write to this file instead of standard output");
  cmd->add_option("--lr", args->lr, "Learning rate (default: the description's, or the seed's 0.5)")
      ->each([args](const std::string&) { args->lr_set = true; });
  cmd->add_option("--steps", args->steps,
                  "Also train this many online updates and report E after the first and the last")
      ->capture_default_str();
  cmd->add_option("--update-order", args->order,
                  "simultaneous (textbook) or layerwise (gives the seed's 'after 1 / 10,000' numbers)")
      ->capture_default_str();
  cmd->add_option("--precision", args->precision, "Significant digits in text and markdown (10 to 17)")
      ->capture_default_str();
  cmd->callback([&run, args] { run = [args] { return run_explain(*args); }; });
}

}  // namespace bp::cli
