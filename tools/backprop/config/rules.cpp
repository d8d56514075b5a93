// The train command's rules across keys, and the output probe.
#include "config/rules.hpp"

#include <charconv>

#include "backprop/io/atomic_file.hpp"
#include "backprop/optim/options.hpp"
#include "data_args.hpp"

namespace bp::cli {

namespace {

// Shortest text that reads back as v (0.1, not 0.10000000000000001).
std::string fmt(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// The learning rate the run starts from: --lr, or the optimizer's default.
double base_lr(const nlohmann::ordered_json& cfg) {
  OptimizerOptions o;
  o.name = cfg["optimizer"].get<std::string>();
  if (!cfg["lr"].is_null()) o.lr = cfg["lr"].get<double>();
  return o.lr_or_default();
}

void check_schedule(const nlohmann::ordered_json& cfg, const ConfigFlags& flags) {
  if (cfg["schedule"] != "cosine") return;
  // With epochs "auto" the count comes from the data; the schedule checks the warm-up against it.
  const auto warmup = cfg["warmup_epochs"].get<std::uint64_t>();
  const auto epochs = cfg["epochs"].is_string() ? warmup + 1 : cfg["epochs"].get<std::uint64_t>();
  if (warmup >= epochs)
    flags.fail("warmup_epochs", "expected fewer than --epochs (" + std::to_string(epochs) + "), got " +
                                    std::to_string(warmup));
  const double lr = base_lr(cfg), min_lr = cfg["min_lr"].get<double>();
  if (min_lr > lr) flags.fail("min_lr", "expected at most the learning rate (" + fmt(lr) + "), got " + fmt(min_lr));
}

void check_distinct_outputs(const nlohmann::ordered_json& cfg, const ConfigFlags& flags) {
  const char* keys[] = {"output", "checkpoint", "metrics_log", "report"};
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = i + 1; j < 4; ++j) {
      const std::string a = cfg[keys[i]].get<std::string>(), b = cfg[keys[j]].get<std::string>();
      if (!a.empty() && a == b)
        flags.fail(keys[j], "'" + b + "' is also " + find_key(flags.schema(), keys[i])->flag() +
                                "; expected a file of its own");
    }
}

// --network describes the whole network: the keys that shape a --layers network do not apply.
void check_network(const nlohmann::ordered_json& cfg, const ConfigFlags& flags) {
  if (cfg["network"].is_null()) {
    if (flags.given("input_shape")) flags.fail("input_shape", "applies to a --network spec only; none is given");
    return;
  }
  for (const char* key : {"layers", "hidden", "dropout", "activation", "output_activation"})
    if (flags.given(key))
      flags.fail(key, "cannot be combined with --network; expected the network spec alone to describe the "
                      "layers (e.g. a {\"type\": \"dropout\", \"p\": 0.5} layer)");
}

}  // namespace

void check_train_rules(const nlohmann::ordered_json& cfg, const ConfigFlags& flags) {
  if (cfg["train"].get<std::string>().empty())
    flags.fail("train", "no training data; give --train FILE or --dataset fashion-mnist");
  if (cfg["nesterov"].get<bool>() && !(cfg["momentum"].get<double>() > 0))
    flags.fail("nesterov", "needs --momentum > 0 (got " + fmt(cfg["momentum"].get<double>()) + ")");
  if (cfg["optimizer"] == "lbfgs" && !cfg["weight_decay"].is_null() && cfg["weight_decay"].get<double>() != 0)
    flags.fail("weight_decay", "expected 0 with --optimizer lbfgs (add the penalty to the loss), got " +
                                   fmt(cfg["weight_decay"].get<double>()));
  check_schedule(cfg, flags);
  const std::string stop = cfg["early_stopping"].get<std::string>();
  if (stop.rfind("val_", 0) == 0 && !(cfg["validation_split"].get<double>() > 0))
    flags.fail("early_stopping", stop + " needs a validation set (--validation-split F)");
  if (cfg["checkpoint"].get<std::string>().empty() && flags.given("checkpoint_every"))
    flags.fail("checkpoint_every", "needs --checkpoint FILE");
  check_distinct_outputs(cfg, flags);
  check_network(cfg, flags);
}

void probe_inputs(const nlohmann::ordered_json& cfg, const Schema& schema) {
  for (const Key& k : schema)
    if (k.type == Type::kInput && !cfg[k.name].get<std::string>().empty()) require_readable(cfg[k.name].get<std::string>());
}

void probe_outputs(const nlohmann::ordered_json& cfg, const Schema& schema) {
  for (const Key& k : schema) {
    if (k.type != Type::kOutput) continue;
    const std::string path = cfg[k.name].get<std::string>();
    if (!path.empty() && path != "-") probe_output(path, k.flag() + " file");
  }
}

}  // namespace bp::cli
