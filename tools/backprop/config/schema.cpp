// The tables of every subcommand's keys, and the checks of one value against its key.
#include "config/schema.hpp"

#include "backprop/nn/activation.hpp"
#include "backprop/nn/init.hpp"

namespace bp::cli {

namespace {

Key key(std::string name, Type type, Json def, std::string help) {
  Key k;
  k.name = std::move(name);
  k.type = type;
  k.value = std::move(def);
  k.help = std::move(help);
  return k;
}
Key boolean(std::string name, bool def, std::string help) {
  return key(std::move(name), Type::kBool, def, std::move(help));
}
Key integer(std::string name, Json def, std::int64_t min, std::uint64_t max, std::string help) {
  Key k = key(std::move(name), Type::kInt, std::move(def), std::move(help));
  k.min = min;
  k.max = max;
  return k;
}
// An integer key that also takes a word (epochs: auto).
Key integer(std::string name, Json def, std::int64_t min, std::uint64_t max, std::vector<std::string> words,
            std::string help) {
  Key k = integer(std::move(name), std::move(def), min, max, std::move(help));
  k.values = std::move(words);
  return k;
}
Key number(std::string name, Json def, Range range, std::string help) {
  Key k = key(std::move(name), Type::kNumber, std::move(def), std::move(help));
  k.range = range;
  return k;
}
Key choice(std::string name, std::string def, std::vector<std::string> values, std::string help,
           std::vector<std::string> aliases = {}) {
  Key k = key(std::move(name), Type::kChoice, std::move(def), std::move(help));
  k.values = std::move(values);
  k.aliases = std::move(aliases);
  return k;
}
Key input(std::string name, std::string def, std::string help) {
  Key k = key(std::move(name), Type::kInput, std::move(def), std::move(help));
  k.min = 0;
  return k;
}
// An output path; `required`: it may not be empty.
Key output(std::string name, std::string def, bool required, std::string help) {
  Key k = key(std::move(name), Type::kOutput, std::move(def), std::move(help));
  k.min = required ? 1 : 0;
  return k;
}
Key sizes(std::string name, Json def, std::int64_t min_count, std::vector<std::string> words, std::string help) {
  Key k = key(std::move(name), Type::kSizes, std::move(def), std::move(help));
  k.min = min_count;
  k.values = std::move(words);
  return k;
}
Key special(std::string name, Type type, Json def, std::string help) {
  return key(std::move(name), type, std::move(def), std::move(help));
}
// The network spec and its input shape (docs/network-spec.md).
Key network_key(std::string help) { return special("network", Type::kNetwork, nullptr, std::move(help)); }
Key input_shape_key(std::string help) {
  Key k = sizes("input_shape", "auto", 1, {"auto"}, std::move(help));
  k.max = 3;
  return k;
}

std::vector<std::string> activation_names() {
  std::vector<std::string> v;
  for (Activation a : kAllActivations) v.emplace_back(activation_name(a));
  return v;
}
std::vector<std::string> activation_aliases() {
  return {"linear", "none", "leaky_relu", "leakyrelu"};
}

std::vector<std::string> init_names() {
  std::vector<std::string> v = {"auto"};
  for (InitKind k : kAllInitKinds)
    if (k != InitKind::kExplicit) v.emplace_back(init_name(k));  // explicit: values from the library only
  return v;
}
std::vector<std::string> init_aliases() {
  return {
    "glorot-uniform",  "glorot-normal",  "kaiming-uniform", "kaiming-normal", "nguyen-widrow",
    "xavier_uniform",  "xavier_normal",  "he_uniform",      "he_normal",      "lecun_uniform",
    "lecun_normal",    "widrow_nguyen",  "glorot_uniform",  "glorot_normal",  "kaiming_uniform",
    "kaiming_normal",  "nguyen_widrow"};
}
std::vector<std::string> loss_names() {
  return {"half-sse", "mse", "cross-entropy", "binary-cross-entropy"};
}
std::vector<std::string> loss_aliases() {
  return {"sse", "softmax-cross-entropy", "ce", "bce"};
}
std::vector<std::string> optimizer_names() {
  return {"sgd",     "adam",     "adamw", "rmsprop", "adagrad",
                                              "adadelta", "rprop",   "irprop-", "irprop+", "lbfgs"};
}
std::vector<std::string> data_formats() {
  return {"auto", "csv", "idx", "npy", "fann"};
}

// The data keys of train (with_train) and evaluate.
Schema data_keys(bool with_train) {
  Schema s = {
      choice("dataset", "", {"", "fashion-mnist"},
             "Named dataset: fashion-mnist (Debian's dataset-fashion-mnist) sets --train/--test"),
      input("train", "", "Training data: CSV, IDX images (plain or .gz), NPY features, or FANN .data"),
      input("train_labels", "", "Labels (IDX) or targets (NPY) of the training data"),
      input("test", "", with_train ? "Test data, evaluated after training"
                                  : "The data to evaluate on (--dataset fashion-mnist: its test set)"),
      input("test_labels", "", with_train ? "Labels (IDX) or targets (NPY) of the test data"
                                         : "Its labels (IDX) or targets (NPY)"),
      choice("format", "auto", data_formats(), "Data format: auto (by file name), csv, idx, npy, fann"),
      choice("task", "auto", {"auto", "classification", "regression"},
             "auto (regression for real-valued labels or a regression loss, else classification), classification or regression"),
      special("label_column", Type::kColumn, "",
              "CSV label column: a header name or a 0-based index (negative from the end); default last"),
      integer("targets", 1, 1, kMaxLayerSize, "Regression: number of target columns (the last ones) or outputs"),
      choice("header", "auto", {"auto", "yes", "no"}, "CSV header row: auto, yes, no"),
      special("delimiter", Type::kChar, ",", "CSV delimiter: ',', ';' or tab"),
  };
  if (!with_train) std::erase_if(s, [](const Key& k) { return k.name == "train" || k.name == "train_labels"; });
  return s;
}

Schema make_train_schema() {
  Schema s = data_keys(true);
  const Schema t = {
      sizes("layers", "auto", 2, {"auto"},
            "Every layer size, inputs first, e.g. 784,256,128,10; auto = from the data and --hidden"),
      sizes("hidden", "auto", 1, {"auto"},
            "Hidden layer sizes only, e.g. 64,32 (inputs and outputs come from the data); auto = one layer of 100"),
      network_key("Network spec instead of --layers/--hidden: a JSON array of layer objects, e.g. "
                  "[{\"type\": \"conv2d\", \"filters\": 32, \"kernel\": 3}, ...] (docs/network-spec.md); "
                  "as a flag, a JSON file holding it"),
      input_shape_key("Shape of one sample for --network, C,H,W (e.g. 1,28,28); auto = from the data "
                      "(IDX images: 1,H,W; else the feature count)"),
      choice("activation", "relu", activation_names(),
             "Hidden-layer activation: identity, sigmoid, tanh, relu, leaky-relu, elu, softplus, softmax",
             activation_aliases()),
      [] {
        std::vector<std::string> v = activation_names();
        v.insert(v.begin(), "auto");
        return choice("output_activation", "auto", v,
                      "Output activation; auto = softmax for cross-entropy, sigmoid for binary-cross-entropy, "
                      "else identity",
                      activation_aliases());
      }(),
      [] {
        std::vector<std::string> v = loss_names();
        v.insert(v.begin(), "auto");
        return choice("loss", "auto", v,
                      "Loss: auto (cross-entropy for classes, binary-cross-entropy for two classes on one output, mse "
                      "for regression), half-sse, mse, cross-entropy, binary-cross-entropy",
                      loss_aliases());
      }(),
      number("dropout", 0.0, Range::kFraction, "Dropout probability on every hidden layer's output while training"),
      choice("init", "xavier-uniform", init_names(),
             "Initialization: a name (see docs/initialization.md; xavier-uniform is scikit-learn's), or auto "
             "(he-uniform for relu-like, xavier-uniform else)",
             init_aliases()),
      input("init_from", "",
            "Fine-tune: start from this model file's network, weights and preprocessing (e.g. from "
            "backprop import) instead of building and initializing one"),
      choice("preprocess", "standard", {"none", "minmax", "standard"},
             "Feature scaling saved in the model: none, minmax, standard"),
      choice("precision", "float", {"float", "double"}, "Scalar type of training and of the saved weights: float or double"),
      integer("seed", nullptr, 0, kNoMax, "Random seed (drawn and printed when not given; saved with the model)"),
      integer("threads", nullptr, 1, kMaxThreads, "Threads for the matrix products (default: all cores)"),
      integer("mpi_chunk", "auto", 1, kNoMax, {"auto"},
              "Under mpirun: samples per gradient chunk, the unit of work of a process; the same for any number of "
              "processes (auto = batch/12, at least 32; docs/distributed.md)"),
      integer("epochs", "auto", 1, kNoMax, {"auto"},
              "Passes over the training data (at most, with early stopping); auto = 200, or more for at least 1000 steps"),
      special("batch_size", Type::kBatch, "200", "Samples per update: 1 = online, N, or full"),
      choice("optimizer", "adam", optimizer_names(), "sgd, adam, adamw, rmsprop, adagrad, adadelta, rprop (iRPROP-), irprop+, lbfgs"),
      number("lr", nullptr, Range::kPositive,
             "Learning rate (default: the optimizer's: sgd 0.01, adam/adamw 0.001, rmsprop/adagrad/rprop/irprop+ "
             "0.01, adadelta/lbfgs 1)"),
      number("momentum", 0.0, Range::kNonNegative, "SGD/RMSProp momentum"),
      boolean("nesterov", false, "SGD Nesterov momentum (needs --momentum > 0)"),
      number("beta1", 0.9, Range::kFraction, "Adam beta1"),
      number("beta2", 0.999, Range::kFraction, "Adam beta2"),
      number("eps", nullptr, Range::kPositive, "Adam/RMSProp/Adagrad/Adadelta epsilon (default: the optimizer's)"),
      number("weight_decay", nullptr, Range::kNonNegative,
             "L2 weight decay (decoupled for adamw; default: the optimizer's: adamw 0.01, others 0)"),
      boolean("amsgrad", false, "Adam/AdamW: AMSGrad variant"),
      number("alpha", 0.99, Range::kFraction, "RMSProp smoothing constant"),
      boolean("centered", false, "RMSProp: centered variant"),
      number("rho", 0.9, Range::kUnit, "Adadelta rho"),
      number("lr_decay", 0.0, Range::kNonNegative, "Adagrad learning-rate decay"),
      integer("history_size", 100, 1, 1000, "L-BFGS history size"),
      integer("max_iter", 20, 1, kNoMax, "L-BFGS iterations per step"),
      choice("line_search", "", {"", "strong_wolfe"}, "L-BFGS line search: empty or strong_wolfe"),
      choice("schedule", "none", {"none", "step", "exponential", "cosine", "plateau"},
             "Learning-rate schedule: none, step, exponential, cosine, plateau"),
      integer("step_size", 10, 1, kNoMax, "step schedule: epochs between decays"),
      number("gamma", 0.1, Range::kPositive, "step/exponential schedule: decay factor"),
      integer("warmup_epochs", 0, 0, kNoMax, "cosine schedule: linear warm-up epochs (fewer than --epochs)"),
      number("min_lr", 0.0, Range::kNonNegative, "cosine/plateau schedule: lowest learning rate"),
      number("plateau_factor", 0.1, Range::kOpenUnit, "plateau schedule: factor applied on a plateau"),
      integer("plateau_patience", 10, 0, kNoMax, "plateau schedule: epochs without improvement before reducing"),
      number("validation_split", 0.0, Range::kFraction, "Fraction of the training data held out for validation (seeded)"),
      choice("early_stopping", "loss", {"none", "loss", "val_loss", "val_accuracy", ""},
             "Stop on: loss, val_loss or val_accuracy (restores the best weights); none = off"),
      integer("patience", 10, 1, kNoMax, "Early stopping: epochs without improvement"),
      number("min_delta", 1e-4, Range::kNonNegative, "Early stopping: smallest change that counts as an improvement"),
      number("clip_norm", 0.0, Range::kNonNegative, "Clip gradients to this total L2 norm; 0 = off"),
      number("clip_value", 0.0, Range::kNonNegative, "Clip every gradient entry to [-v, v]; 0 = off"),
      output("metrics_log", "", false, "CSV file with one row per epoch"),
      output("report", "", false,
             "HTML report of the run: configuration, network, curves per epoch, test metrics, confusion matrix"),
      output("output", "model.bpm", true, "Where to save the trained model"),
      output("checkpoint", "", false, "Checkpoint file, written atomically during training (resume with --resume FILE)"),
      special("checkpoint_every", Type::kEvery, "1",
              "Checkpoint interval: N epochs, or Nsteps optimizer steps (e.g. 500steps)"),
      integer("verbose", -1, -1, 2, "0 silent, 1 live bar, 2 one line per epoch; -1 = 1 on a terminal, else 2"),
  };
  s.insert(s.end(), t.begin(), t.end());
  return s;
}

Schema make_evaluate_schema() {
  Schema s = data_keys(false);
  const Schema t = {
      input("model", "model.bpm", "The model file to evaluate"),
      integer("batch_size", 1024, 1, kNoMax, "Samples per forward pass"),
      integer("top_k", 5, 1, kNoMax, "k of the top-k accuracy"),
      choice("report", "text", {"text", "json", "FILE.html"},
             "Output: text or json; FILE.html also writes an HTML report (metrics, confusion matrix) there"),
      integer("threads", 0, 0, kMaxThreads, "Threads for the matrix products; 0 = all cores"),
  };
  s.insert(s.end(), t.begin(), t.end());
  return s;
}

Schema make_predict_schema() {
  return {
      input("model", "model.bpm", "The model file"),
      input("input", "", "Features: CSV (matched to the model's columns by header name; other columns are ignored), IDX images, NPY, or FANN data"),
      choice("format", "auto", data_formats(), "Input format: auto (by file name), csv, idx, npy, fann"),
      choice("header", "auto", {"auto", "yes", "no"}, "CSV header row: auto, yes, no"),
      special("delimiter", Type::kChar, ",", "CSV delimiter: ',', ';' or tab"),
      output("output", "-", true, "Where to write the predictions; - = standard output"),
      choice("output_format", "csv", {"csv", "json"}, "csv or json"),
      boolean("probabilities", false, "Classification: also write every class's probability"),
      integer("batch_size", 1024, 1, kNoMax, "Samples per forward pass"),
      integer("threads", 0, 0, kMaxThreads, "Threads for the matrix products; 0 = all cores"),
  };
}

Schema make_explain_schema() {
  return {
      input("network", "", "Same as the positional NETWORK"),
      choice("format", "text", {"text", "markdown", "json", "html", "dot"},
             "Output: text, markdown, json, html (a self-contained page that steps through the updates) or dot "
             "(Graphviz)", {"md"}),
      output("output", "-", true, "Write to this file (-o FILE); - = standard output"),
      number("lr", nullptr, Range::kPositive, "Learning rate (default: the description's, or the seed's 0.5)"),
      integer("steps", 0, 0, kNoMax, "Also train this many online updates and report E after the first and the last"),
      choice("update_order", "simultaneous", {"simultaneous", "layerwise"},
             "simultaneous (textbook) or layerwise (gives the seed's 'after 1 / 10,000' numbers)"),
      integer("precision", 12, 10, 17, "Significant digits in text and markdown (10 to 17)"),
  };
}

Schema make_gradcheck_schema() {
  return {
      sizes("layers", Json::array({4, 5, 3}), 2, {}, "Layer sizes, inputs first"),
      network_key("Check this network spec instead of --layers (a JSON file holding an array of layer objects, "
                  "docs/network-spec.md); needs --input-shape"),
      input_shape_key("Shape of one sample for --network, C,H,W (e.g. 1,8,8)"),
      choice("activation", "tanh", activation_names(), "Activation of every layer", activation_aliases()),
      choice("loss", "mse", loss_names(), "Loss: half-sse, mse, cross-entropy, binary-cross-entropy", loss_aliases()),
      integer("batch", 3, 1, 100000, "Samples in the random batch"),
      integer("seed", 1, 0, kNoMax, "Seed of the random weights and data"),
      boolean("seed_network", false, "Check the seed's 2-2-2 network instead"),
  };
}

Schema make_errata_schema() {
  return {
      choice("format", "text", {"text", "markdown", "json"}, "Output format: text, markdown, json", {"md"}),
      boolean("only_errata", false, "Leave out the numbers that match the equations"),
  };
}

}  // namespace

const Schema& train_schema() {
  static const Schema s = make_train_schema();
  return s;
}
const Schema& evaluate_schema() {
  static const Schema s = make_evaluate_schema();
  return s;
}
const Schema& predict_schema() {
  static const Schema s = make_predict_schema();
  return s;
}
const Schema& explain_schema() {
  static const Schema s = make_explain_schema();
  return s;
}
const Schema& gradcheck_schema() {
  static const Schema s = make_gradcheck_schema();
  return s;
}
const Schema& errata_schema() {
  static const Schema s = make_errata_schema();
  return s;
}

const Key* find_key(const Schema& schema, const std::string& name) {
  for (const Key& k : schema)
    if (k.name == name) return &k;
  return nullptr;
}

Json defaults_of(const Schema& schema) {
  Json d = Json::object();
  for (const Key& k : schema) d[k.name] = k.value;
  return d;
}

std::string Key::flag() const {
  std::string f = "--" + name;
  for (auto& c : f)
    if (c == '_') c = '-';
  return f;
}

}  // namespace bp::cli
