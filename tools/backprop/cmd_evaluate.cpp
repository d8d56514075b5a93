// `backprop evaluate`: a saved model on labelled data: loss, accuracy, top-k, per-class
// precision / recall / F1 and the confusion matrix; or MSE, MAE and R² for regression.
#include <cstdio>
#include <string>
#include <utility>

#include "backprop/backprop.hpp"
#include "commands.hpp"
#include "data_args.hpp"
#include "train_config.hpp"

namespace bp::cli {

using Json = nlohmann::ordered_json;

namespace {

Json evaluate_defaults() {
  Json d = data_defaults();
  d.erase("train");
  d.erase("train_labels");
  d["model"] = "model.bpm";
  d["batch_size"] = 1024;
  d["top_k"] = 5;
  d["report"] = "text";
  d["threads"] = 0;
  return d;
}

std::string arch_of(const Network<float>& net) {
  std::string s = std::to_string(net.in());
  for (std::size_t l = 0; l < net.depth(); ++l)  // the layers with weights: 784-256-10
    if (!std::as_const(net.layer(l)).params().empty()) s += "-" + std::to_string(net.layer(l).out());
  return s;
}

int run_evaluate(Json cfg) {
  resolve_dataset_shortcut(cfg);
  const std::string model_path = cfg["model"].get<std::string>();
  const std::string data = cfg["test"].get<std::string>();
  if (data.empty()) throw UsageError("no data to evaluate; give --test FILE (and --test-labels) or --dataset");
  const long threads = cfg["threads"].get<long>();
  if (threads < 0) throw UsageError("--threads " + std::to_string(threads) + "; expected 0 (all cores) or more");
  set_num_threads(static_cast<std::size_t>(threads));
  const std::string report = cfg["report"].get<std::string>();
  if (report != "text" && report != "json") throw UsageError("--report '" + report + "'; expected text or json");
  const long batch = cfg["batch_size"].get<long>();
  if (batch <= 0) throw UsageError("--batch-size " + std::to_string(batch) + "; expected a positive integer");
  Model<float> m = load_model<float>(model_path);
  const bool classify = !m.info.class_names.empty();
  if (classify) cfg["task"] = "classification";
  else cfg["task"] = "regression", cfg["targets"] = m.net.out();
  const Dataset ds = load_dataset(cfg, data, cfg["test_labels"].get<std::string>(), m.info.class_names);
  const Scaler scaler = to_scaler(m.info.preprocessing);
  Json out;
  out["model"] = model_path;
  out["network"] = arch_of(m.net);
  out["loss_function"] = std::string(loss_name(m.net.loss()));
  out["samples"] = ds.size();
  if (classify) {
    ClassificationMetrics<float> cm(ds.classes());
    out["loss"] = evaluate<float>(m.net, ds, scaler, static_cast<std::size_t>(batch), &cm, nullptr);
    out["accuracy"] = cm.accuracy();
    const long k = cfg["top_k"].get<long>();
    if (k <= 0) throw UsageError("--top-k " + std::to_string(k) + "; expected a positive integer");
    if (static_cast<std::size_t>(k) < ds.classes()) out["top_k_accuracy"] = {{std::to_string(k), cm.top_k_accuracy(static_cast<std::size_t>(k))}};
    out["macro_precision"] = cm.macro_precision();
    out["macro_recall"] = cm.macro_recall();
    out["macro_f1"] = cm.macro_f1();
    Json classes = Json::array();
    for (std::size_t c = 0; c < ds.classes(); ++c)
      classes.push_back({{"name", ds.class_names()[c]}, {"precision", cm.precision(c)}, {"recall", cm.recall(c)},
                         {"f1", cm.f1(c)}, {"support", cm.support(c)}});
    out["classes"] = classes;
    Json conf = Json::array();
    for (std::size_t t = 0; t < ds.classes(); ++t) {
      Json row = Json::array();
      for (std::size_t p = 0; p < ds.classes(); ++p) row.push_back(cm.confusion(t, p));
      conf.push_back(row);
    }
    out["confusion"] = conf;
  } else {
    RegressionMetrics<float> rm(ds.target_width());
    out["loss"] = evaluate<float>(m.net, ds, scaler, static_cast<std::size_t>(batch), nullptr, &rm);
    out["mse"] = rm.mse();
    out["mae"] = rm.mae();
    out["r2"] = rm.r2();
    Json per = Json::array();
    for (std::size_t o = 0; o < ds.target_width(); ++o)
      per.push_back({{"output", o + 1}, {"mse", rm.mse(o)}, {"mae", rm.mae(o)}, {"r2", rm.r2(o)}});
    out["outputs"] = per;
  }
  if (report == "json") {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("model %s: network %s, loss %s\n", model_path.c_str(), out["network"].get<std::string>().c_str(),
              out["loss_function"].get<std::string>().c_str());
  std::printf("data %s: %zu samples\n\n", data.c_str(), ds.size());
  std::printf("loss      %.6g\n", out["loss"].get<double>());
  if (classify) {
    std::printf("accuracy  %.4f\n", out["accuracy"].get<double>());
    if (out.contains("top_k_accuracy"))
      for (const auto& [k, v] : out["top_k_accuracy"].items()) std::printf("top-%s     %.4f\n", k.c_str(), v.get<double>());
    std::printf("macro     precision %.4f  recall %.4f  f1 %.4f\n\n", out["macro_precision"].get<double>(),
                out["macro_recall"].get<double>(), out["macro_f1"].get<double>());
    std::size_t w = 5;
    for (const auto& n : ds.class_names()) w = std::max(w, n.size());
    std::printf("%-*s  precision  recall     f1         support\n", static_cast<int>(w), "class");
    for (const auto& c : out["classes"])
      std::printf("%-*s  %-9.4f  %-9.4f  %-9.4f  %llu\n", static_cast<int>(w), c["name"].get<std::string>().c_str(),
                  c["precision"].get<double>(), c["recall"].get<double>(), c["f1"].get<double>(),
                  static_cast<unsigned long long>(c["support"].get<std::uint64_t>()));
    std::printf("\nconfusion matrix (rows: true class, columns: predicted, in class order)\n");
    for (std::size_t t = 0; t < ds.classes(); ++t) {
      std::printf("%-*s ", static_cast<int>(w), ds.class_names()[t].c_str());
      for (const auto& v : out["confusion"][t]) std::printf("%6llu", static_cast<unsigned long long>(v.get<std::uint64_t>()));
      std::printf("\n");
    }
  } else {
    std::printf("mse       %.6g\nmae       %.6g\nr2        %.6f\n", out["mse"].get<double>(), out["mae"].get<double>(),
                out["r2"].get<double>());
  }
  return 0;
}

}  // namespace

void register_evaluate(CLI::App& app, Run& run) {
  CLI::App* cmd = app.add_subcommand("evaluate", "Evaluate a saved model on labelled data");
  auto config = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *config, "JSON config file; flags override it");
  std::map<std::string, std::string> help;
  add_data_help(help);
  help["model"] = "The model file to evaluate";
  help["test"] = "The data to evaluate on (--dataset fashion-mnist: its test set)";
  help["test_labels"] = "Its labels (IDX) or targets (NPY)";
  help["batch_size"] = "Samples per forward pass";
  help["top_k"] = "k of the top-k accuracy";
  help["report"] = "Output: text or json";
  help["threads"] = "Threads for the matrix products; 0 = all cores";
  auto flags = std::make_shared<ConfigFlags>(cmd, evaluate_defaults(), help);
  cmd->callback([&run, flags, config] { run = [flags, config] { return run_evaluate(flags->resolve(*config)); }; });
}

}  // namespace bp::cli
