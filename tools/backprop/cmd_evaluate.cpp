// `backprop evaluate`: a saved model on labelled data: loss, accuracy, top-k, per-class
// precision / recall / F1 and the confusion matrix; or MSE, MAE and R² for regression.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>
#include <utility>

#include "backprop/backprop.hpp"
#include "backprop/report/run_report.hpp"
#include "commands.hpp"
#include "config/rules.hpp"
#include "data_args.hpp"
#include "train_config.hpp"

namespace bp::cli {

using Json = nlohmann::ordered_json;

namespace {

// Characters on a terminal, roughly: UTF-8 continuation bytes take no column.
std::size_t display_width(const std::string& s) {
  std::size_t w = 0;
  for (const char c : s) w += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return w;
}

// s padded with spaces to `width` columns, on the left (right-aligned) or on the right.
std::string pad(const std::string& s, std::size_t width, bool right_align) {
  const std::string fill(width > display_width(s) ? width - display_width(s) : 0, ' ');
  return right_align ? fill + s : s + fill;
}

// The confusion matrix with the predicted classes as column headers and the true classes as row
// labels, every column as wide as its header or its largest count.
void print_confusion(const std::vector<std::string>& names, const Json& conf) {
  const std::string corner = "true \\ predicted";
  std::size_t label_w = display_width(corner);
  for (const auto& n : names) label_w = std::max(label_w, display_width(n));
  std::vector<std::size_t> col_w(names.size());
  for (std::size_t p = 0; p < names.size(); ++p) {
    col_w[p] = display_width(names[p]);
    for (const auto& row : conf) col_w[p] = std::max(col_w[p], std::to_string(row[p].get<std::uint64_t>()).size());
  }
  std::string line = pad(corner, label_w, false);
  for (std::size_t p = 0; p < names.size(); ++p) line += "  " + pad(names[p], col_w[p], true);
  std::printf("\nconfusion matrix (rows: true class, columns: predicted class)\n%s\n", line.c_str());
  for (std::size_t t = 0; t < names.size(); ++t) {
    line = pad(names[t], label_w, false);
    for (std::size_t p = 0; p < names.size(); ++p)
      line += "  " + pad(std::to_string(conf[t][p].get<std::uint64_t>()), col_w[p], true);
    std::printf("%s\n", line.c_str());
  }
}

std::string arch_of(const Network<float>& net) {
  std::string s = std::to_string(net.in());
  for (std::size_t l = 0; l < net.depth(); ++l)  // the layers with weights: 784-256-10
    if (!std::as_const(net.layer(l)).params().empty()) s += "-" + std::to_string(net.layer(l).out());
  return s;
}

// The evaluation part of a run report, from the numbers printed (`out`) and the model.
void write_html_report(const std::string& path, const Json& out, const Model<float>& m, const std::string& data,
                       const std::vector<std::string>& class_names) {
  RunReport r;
  r.title = "Evaluation: " + out["model"].get<std::string>() + " on " + data;
  r.config_json = m.info.config_json.empty() ? "" : Json::parse(m.info.config_json).dump(2);
  r.network_summary = network_summary(m.net);
  r.test_what = data + ", " + std::to_string(out["samples"].get<std::size_t>()) + " samples";
  for (const char* k : {"loss", "accuracy", "macro_precision", "macro_recall", "macro_f1", "mse", "mae", "r2"})
    if (out.contains(k)) r.test_metrics.emplace_back(k, out[k].get<double>());
  if (!class_names.empty()) {
    r.class_names = class_names;
    for (const auto& c : out["classes"])
      r.classes.push_back({c["name"].get<std::string>(), c["precision"].get<double>(), c["recall"].get<double>(),
                           c["f1"].get<double>(), c["support"].get<std::uint64_t>()});
    for (const auto& row : out["confusion"])
      for (const auto& v : row) r.confusion.push_back(v.get<std::uint64_t>());
  }
  const std::string html = render_run_report(r);
  write_file_atomically(path, {reinterpret_cast<const unsigned char*>(html.data()), html.size()});
}

// Loss, accuracy, top-k, per-class precision/recall/F1 and the confusion matrix into `out`.
void add_classification(Json& out, const Model<float>& m, const Dataset& ds, const Scaler& scaler,
                        std::size_t batch, std::size_t top_k) {
  ClassificationMetrics<float> cm(ds.classes());
  out["loss"] = evaluate<float>(m.net, ds, scaler, batch, &cm, nullptr);
  out["accuracy"] = cm.accuracy();
  if (top_k < ds.classes()) out["top_k_accuracy"] = {{std::to_string(top_k), cm.top_k_accuracy(top_k)}};
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
}

// Loss, MSE, MAE and R² overall and per output into `out`.
void add_regression(Json& out, const Model<float>& m, const Dataset& ds, const Scaler& scaler, std::size_t batch) {
  RegressionMetrics<float> rm(ds.target_width());
  out["loss"] = evaluate<float>(m.net, ds, scaler, batch, nullptr, &rm);
  out["mse"] = rm.mse();
  out["mae"] = rm.mae();
  out["r2"] = rm.r2();
  Json per = Json::array();
  for (std::size_t o = 0; o < ds.target_width(); ++o)
    per.push_back({{"output", o + 1}, {"name", o < m.info.columns.targets.size() ? m.info.columns.targets[o] : "y" + std::to_string(o + 1)},
                   {"mse", rm.mse(o)}, {"mae", rm.mae(o)}, {"r2", rm.r2(o)}});
  out["outputs"] = per;
}

// The text report of `out` (what --report text prints).
void print_text_report(const Json& out, const std::string& data, const std::vector<std::string>& class_names) {
  std::printf("model %s: network %s, loss %s\n", out["model"].get<std::string>().c_str(),
              out["network"].get<std::string>().c_str(), out["loss_function"].get<std::string>().c_str());
  std::printf("data %s: %zu samples\n\n", data.c_str(), out["samples"].get<std::size_t>());
  std::printf("loss      %.6g\n", out["loss"].get<double>());
  if (!out.contains("accuracy")) {
    std::printf("mse       %.6g\nmae       %.6g\nr2        %.6f\n", out["mse"].get<double>(), out["mae"].get<double>(),
                out["r2"].get<double>());
    return;
  }
  std::printf("accuracy  %.4f\n", out["accuracy"].get<double>());
  if (out.contains("top_k_accuracy"))
    for (const auto& [k, v] : out["top_k_accuracy"].items()) std::printf("top-%s     %.4f\n", k.c_str(), v.get<double>());
  std::printf("macro     precision %.4f  recall %.4f  f1 %.4f\n\n", out["macro_precision"].get<double>(),
              out["macro_recall"].get<double>(), out["macro_f1"].get<double>());
  std::size_t w = 5;
  for (const auto& n : class_names) w = std::max(w, n.size());
  std::printf("%-*s  precision  recall     f1         support\n", static_cast<int>(w), "class");
  for (const auto& c : out["classes"])
    std::printf("%-*s  %-9.4f  %-9.4f  %-9.4f  %llu\n", static_cast<int>(w), c["name"].get<std::string>().c_str(),
                c["precision"].get<double>(), c["recall"].get<double>(), c["f1"].get<double>(),
                static_cast<unsigned long long>(c["support"].get<std::uint64_t>()));
  print_confusion(class_names, out["confusion"]);
}

int run_evaluate(Json cfg) {
  resolve_dataset_shortcut(cfg);
  const std::string model_path = cfg["model"].get<std::string>();
  const std::string data = cfg["test"].get<std::string>();
  if (data.empty()) throw UsageError("no data to evaluate; give --test FILE (and --test-labels) or --dataset");
  probe_inputs(cfg, evaluate_schema());
  set_num_threads(cfg["threads"].get<std::size_t>());  // every value checked by evaluate_schema()
  // --report text|json prints that; --report FILE.html also writes the HTML report there.
  std::string report = cfg["report"].get<std::string>();
  std::string html_path;
  if (report.ends_with(".html")) {
    html_path = std::exchange(report, "text");
    probe_output(html_path, "--report file");
  }
  const auto batch = cfg["batch_size"].get<std::size_t>();
  Model<float> m = load_model<float>(model_path);
  const bool classify = !m.info.class_names.empty();
  if (classify) cfg["task"] = "classification";
  else cfg["task"] = "regression", cfg["targets"] = m.net.out();
  Dataset ds = load_dataset(cfg, data, cfg["test_labels"].get<std::string>(), m.info.class_names, &m.info.columns);
  if (ds.features() != m.net.in())
    throw DataError(data + ": expected " + std::to_string(m.net.in()) + " features per sample (the model's input), found " +
                    std::to_string(ds.features()));
  if (classify && ds.classes() == 2 && m.net.out() == 1) ds.use_single_binary_target();  // one sigmoid output
  const Scaler scaler = to_scaler(m.info.preprocessing);
  Json out;
  out["model"] = model_path;
  out["network"] = arch_of(m.net);
  out["loss_function"] = std::string(loss_name(m.net.loss()));
  out["samples"] = ds.size();
  if (classify) add_classification(out, m, ds, scaler, batch, cfg["top_k"].get<std::size_t>());
  else add_regression(out, m, ds, scaler, batch);
  const std::vector<std::string> names = classify ? ds.class_names() : std::vector<std::string>{};
  if (!html_path.empty()) write_html_report(html_path, out, m, data, names);
  if (report == "json") std::printf("%s\n", out.dump(2).c_str());
  else print_text_report(out, data, names);
  return 0;
}

}  // namespace

void register_evaluate(CLI::App& app, Run& run) {
  CLI::App* cmd = app.add_subcommand("evaluate", "Evaluate a saved model on labelled data");
  auto config = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *config, "JSON config file; flags override it");
  auto flags = std::make_shared<ConfigFlags>(cmd, evaluate_schema());
  cmd->callback([&run, flags, config] { run = [flags, config] { return run_evaluate(flags->resolve(*config)); }; });
}

}  // namespace bp::cli
