// `backprop predict`: a saved model on unlabelled features; predictions as CSV or JSON.
#include <cstdio>
#include <memory>
#include <numeric>
#include <span>
#include <sstream>
#include <string>

#include "backprop/backprop.hpp"
#include "commands.hpp"
#include "config/rules.hpp"
#include "data_args.hpp"
#include "train_config.hpp"

namespace bp::cli {

using Json = nlohmann::ordered_json;

namespace {

// CSV fields are quoted when they hold a delimiter, a quote or a line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// The class probabilities of one output row: the row itself, or (1 - y, y) for one sigmoid output
// y on two classes, so that class 1 is predicted when y > 0.5 (argmax, lowest index on ties).
void class_probabilities(std::span<const float> row, std::vector<float>& p) {
  if (row.size() == 1) {
    p.assign({1.0f - row[0], row[0]});
    return;
  }
  p.assign(row.begin(), row.end());
}

int run_predict(Json cfg) {
  const std::string input = cfg["input"].get<std::string>();
  if (input.empty()) throw UsageError("no input; give --input FILE (CSV, IDX images, NPY or FANN)");
  probe_inputs(cfg, predict_schema());
  probe_outputs(cfg, predict_schema());  // --output, before the model and the data are read
  const std::string fmt = cfg["output_format"].get<std::string>();  // every value checked by predict_schema()
  const auto batch = cfg["batch_size"].get<std::size_t>();
  set_num_threads(cfg["threads"].get<std::size_t>());
  Model<float> m = load_model<float>(cfg["model"].get<std::string>());
  const Dataset ds = load_features(cfg, input, m.net.in(), m.info.columns);
  const Scaler scaler = to_scaler(m.info.preprocessing);
  const bool classify = !m.info.class_names.empty();
  const bool probs = cfg["probabilities"].get<bool>();
  const std::size_t N = ds.size(), B = batch;

  std::ostringstream out;
  if (fmt == "csv") {
    out << "index";
    if (classify) {
      out << ",class,probability";
      if (probs)
        for (const auto& c : m.info.class_names) out << ',' << csv_field("p(" + c + ")");
    } else {
      const auto& targets = m.info.columns.targets;  // the training data's target columns
      for (std::size_t o = 0; o < m.net.out(); ++o)
        out << ',' << (targets.empty() ? "y" + std::to_string(o + 1) : csv_field(targets[o]));
    }
    out << '\n';
  }
  Json rows = Json::array();
  std::vector<float> p;  // the class probabilities of one row
  std::vector<std::size_t> idx;
  Matrix<float> x, unused, y;
  InferenceScratch<float> scratch;  // Network::predict: const inference, buffers reused per batch
  for (std::size_t start = 0; start < N; start += B) {
    const std::size_t nb = std::min(B, N - start);
    idx.resize(nb);
    std::iota(idx.begin(), idx.end(), start);
    scaler.gather(ds, idx, x, unused);  // gather + apply, one pass for byte features
    m.net.predict(x, y, scratch);
    for (std::size_t r = 0; r < nb; ++r) {
      const auto row = y.row(r);
      if (classify) {
        class_probabilities(row, p);
        const std::size_t best = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
        if (fmt == "csv") {
          out << start + r << ',' << csv_field(m.info.class_names[best]) << ',' << num(p[best]);
          if (probs)
            for (float v : p) out << ',' << num(v);
          out << '\n';
        } else {
          Json j = {{"index", start + r}, {"class", m.info.class_names[best]}, {"probability", p[best]}};
          if (probs) j["probabilities"] = p;
          rows.push_back(j);
        }
      } else if (fmt == "csv") {
        out << start + r;
        for (float v : row) out << ',' << num(v);
        out << '\n';
      } else {
        rows.push_back({{"index", start + r}, {"outputs", std::vector<float>(row.begin(), row.end())}});
      }
    }
  }
  if (fmt == "json") out << rows.dump(1) << '\n';
  const std::string text = out.str();
  const std::string dest = cfg["output"].get<std::string>();
  if (dest == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    write_file_atomically(dest, {reinterpret_cast<const unsigned char*>(text.data()), text.size()});
    std::fprintf(stderr, "backprop predict: %zu predictions written to %s\n", N, dest.c_str());
  }
  return 0;
}

}  // namespace

void register_predict(CLI::App& app, Run& run) {
  CLI::App* cmd = app.add_subcommand("predict", "Predict with a saved model; CSV or JSON to stdout or a file");
  auto config = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *config, "JSON config file; flags override it");
  auto flags = std::make_shared<ConfigFlags>(cmd, predict_schema());
  cmd->callback([&run, flags, config] { run = [flags, config] { return run_predict(flags->resolve(*config)); }; });
}

}  // namespace bp::cli
