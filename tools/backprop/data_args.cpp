// Dataset loading for the CLI: format detection and the shared data keys.
#include "data_args.hpp"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "backprop/data/csv.hpp"
#include "backprop/data/fann.hpp"
#include "backprop/data/features.hpp"
#include "backprop/data/idx.hpp"
#include "backprop/data/npy.hpp"
#include "backprop/core/error.hpp"

namespace bp::cli {

using Json = nlohmann::ordered_json;

namespace {


CsvOptions::Header csv_header(const Json& cfg) {
  const std::string header = cfg["header"].get<std::string>();
  if (header == "yes") return CsvOptions::Header::kYes;
  if (header == "no") return CsvOptions::Header::kNo;
  if (header == "auto") return CsvOptions::Header::kAuto;
  throw UsageError("--header '" + header + "'; expected auto, yes or no");
}

char csv_delimiter(const Json& cfg) {
  const std::string delim = cfg["delimiter"].get<std::string>();
  if (delim == "tab" || delim == "\\t" || delim == "\t") return '\t';
  if (delim.size() == 1) return delim[0];
  throw UsageError("--delimiter '" + delim + "'; expected one character or 'tab'");
}

const std::vector<std::string> kFashionMnistClasses = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                       "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

}  // namespace

void require_readable(const std::string& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) throw NoInputError("cannot open '" + path + "': no such file");
  if (std::filesystem::is_directory(st)) throw NoInputError("cannot open '" + path + "': is a directory");
  if (!std::ifstream(path, std::ios::binary)) throw NoInputError("cannot open '" + path + "': permission denied");
}

namespace {

// A trained model's columns into CsvOptions: names for a file with a header, positions (the label
// index) for one without. use_label: the label column was not given on the command line.
void match_model_columns(CsvOptions& o, const ColumnNames& model, bool use_label) {
  o.feature_names = model.features;
  if (use_label && model.label_index >= 0) o.label_index = model.label_index;
  if (model.features.empty()) return;  // names apply only together with the feature names
  if (use_label) o.label_name = model.label;
  o.target_names = model.targets;
}

}  // namespace

void resolve_dataset_shortcut(Json& cfg) {
  const std::string name = cfg["dataset"].get<std::string>();
  if (name.empty()) return;
  if (name != "fashion-mnist")
    throw UsageError("--dataset '" + name + "'; expected fashion-mnist (or give --train FILE)");
  const std::string dir = kFashionMnistDir;
  if (cfg.contains("train") && cfg["train"].get<std::string>().empty()) {  // evaluate has no train keys
    cfg["train"] = dir + "/train-images-idx3-ubyte.gz";
    cfg["train_labels"] = dir + "/train-labels-idx1-ubyte.gz";
  }
  if (cfg["test"].get<std::string>().empty()) {
    cfg["test"] = dir + "/t10k-images-idx3-ubyte.gz";
    cfg["test_labels"] = dir + "/t10k-labels-idx1-ubyte.gz";
  }
}

Dataset load_dataset(const Json& cfg, const std::string& path, const std::string& labels,
                     const std::vector<std::string>& class_names, const ColumnNames* model) {
  require_readable(path);
  if (!labels.empty()) require_readable(labels);
  std::string format = cfg["format"].get<std::string>();
  if (format == "auto") format = detect_feature_format(path);
  const std::string task_name = cfg["task"].get<std::string>();
  if (task_name != "classification" && task_name != "regression")
    throw UsageError("--task '" + task_name + "'; expected classification or regression");
  const Task task = task_name == "classification" ? Task::kClassification : Task::kRegression;
  const bool fashion = cfg["dataset"].get<std::string>() == "fashion-mnist";
  if (format == "idx" || format == "npy") {
    if (labels.empty())
      throw UsageError(path + ": " + format + " features need their labels/targets file (--train-labels / --test-labels)");
    if (format == "idx") {
      if (task != Task::kClassification) throw UsageError("--task regression is not available for IDX data");
      IdxOptions o;
      o.class_names = !class_names.empty() ? class_names : fashion ? kFashionMnistClasses : std::vector<std::string>{};
      return load_idx(path, labels, o);
    }
    NpyOptions o;
    o.task = task;
    o.class_names = class_names;
    return load_npy(path, labels, o);
  }
  if (format == "csv") {
    CsvOptions o;
    o.header = csv_header(cfg);
    o.delimiter = csv_delimiter(cfg);
    o.task = task;
    const std::string label = cfg["label_column"].get<std::string>();
    if (!label.empty()) {
      std::size_t pos = 0;
      long idx = 0;
      try {
        idx = std::stol(label, &pos);
      } catch (const std::exception&) {
        pos = 0;
      }
      if (pos == label.size()) o.label_index = idx;
      else o.label_name = label;
    }
    o.target_columns = cfg["targets"].get<std::size_t>();
    o.class_names = class_names;
    if (model) match_model_columns(o, *model, label.empty());
    o.validate();
    return load_csv(path, o);
  }
  if (format == "fann") {
    Dataset d = load_fann(path);
    return task == Task::kClassification ? one_hot_to_classes(d) : d;
  }
  throw UsageError("--format '" + format + "'; expected auto, csv, idx, npy or fann");
}

}  // namespace bp::cli

namespace bp::cli {

Dataset load_features(const nlohmann::ordered_json& cfg, const std::string& path, std::size_t width,
                      const ColumnNames& model) {
  FeatureOptions o;
  o.feature_names = model.features;
  o.label_index = model.label_index;
  o.format = cfg["format"].get<std::string>();
  o.width = width;
  o.header = csv_header(cfg);
  o.delimiter = csv_delimiter(cfg);
  return bp::load_features(path, o);
}

}  // namespace bp::cli
