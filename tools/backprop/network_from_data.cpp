// Task detection and network sizing for `backprop train` (network_from_data.hpp).
#include "network_from_data.hpp"

#include <algorithm>
#include <memory>

#include "backprop/data/features.hpp"
#include "backprop/data/idx.hpp"
#include "backprop/data/task.hpp"
#include "backprop/core/error.hpp"
#include "backprop/nn/loss.hpp"
#include "backprop/nn/layer_registry.hpp"
#include "backprop/nn/network.hpp"
#include "backprop/nn/network_spec.hpp"
#include "config/suggest.hpp"
#include "data_args.hpp"

namespace bp::cli {

using Json = nlohmann::ordered_json;

namespace {

bool is_regression_loss(const std::string& name) {
  if (name == "auto") return false;
  const Loss l = parse_loss(name);
  return l == Loss::kMse || l == Loss::kHalfSse;
}

std::string format_of(const Json& cfg, const std::string& path) {
  const std::string f = cfg["format"].get<std::string>();
  if (f != "auto") return f;
  try {
    return detect_feature_format(path);
  } catch (const Error&) {
    return "";  // load_dataset says what is wrong: a missing file first, then the name
  }
}

// load_dataset for `task`. A regression target picked by --label-column in a CSV file is read as
// a label column and converted, so that the column can be named or counted like a class label.
Dataset load_as(const Json& cfg, const std::string& path, const std::string& labels, const std::string& task,
                const std::vector<std::string>& class_names) {
  Json c = cfg;
  c["task"] = task;
  const bool by_column = task == "regression" && format_of(cfg, path) == "csv" &&
                         !cfg["label_column"].get<std::string>().empty() && cfg["targets"].get<std::size_t>() == 1;
  if (!by_column) return load_dataset(c, path, labels, class_names);
  c["task"] = "classification";
  const Dataset d = load_dataset(c, path, labels, {});
  try {
    return labels_to_regression(d);
  } catch (const DataError& e) {
    throw DataError(path + ": " + e.what());
  }
}

using FailFn = std::function<void(const std::string&, const std::string&)>;
[[noreturn]] void fail_on(const FailFn& fail, const std::string& key, const std::string& what) {
  fail(key, what);
  throw UsageError(key + ": " + what);  // fail throws; this is for the compiler
}

std::string classes_phrase(const Dataset& d) {
  std::string names;
  for (std::size_t c = 0; c < d.classes() && c < 5; ++c) names += (c ? ", " : "") + d.class_names()[c];
  if (d.classes() > 5) names += ", ...";
  return std::to_string(d.classes()) + " classes: " + names;
}

// The input shape of a spec network: cfg["input_shape"], or for "auto" the data's.
Shape spec_input_shape(const Json& cfg, const Dataset& train, const FailFn& fail) {
  const std::size_t F = train.features();
  const Json& v = cfg["input_shape"];
  if (v.is_string()) {  // "auto"
    const std::string path = cfg["train"].get<std::string>();
    if (format_of(cfg, path) == "idx") {
      const std::vector<std::size_t> d = idx_sample_dims(path);
      if (d.size() == 2 && d[0] * d[1] == F) return {1, d[0], d[1]};
      if (d.size() == 3 && d[0] * d[1] * d[2] == F) return {d[0], d[1], d[2]};
    }
    return Shape::flat(F);
  }
  Shape in;
  try {
    in = shape_of_sizes(v.get<std::vector<std::size_t>>());
  } catch (const UsageError& e) {
    fail_on(fail, "input_shape", e.what());
  }
  if (in.size() != F)
    fail_on(fail, "input_shape", "expected a shape of " + std::to_string(F) + " values (the data's features), got " +
                                     v.dump() + " (" + std::to_string(in.size()) + " values)");
  return in;
}

// Refuses a layer type make_layer does not know, with the nearest known one.
void check_layer_types(const Json& spec, const FailFn& fail) {
  std::vector<std::string> kinds;
  for (std::string_view k : layer_kinds()) kinds.emplace_back(k);
  for (std::size_t l = 0; l < spec.size(); ++l) {
    if (!spec[l].is_object() || !spec[l].contains("type") || !spec[l]["type"].is_string()) continue;
    const std::string type = spec[l]["type"].get<std::string>();
    if (std::find(kinds.begin(), kinds.end(), type) != kinds.end()) continue;
    std::string list;
    for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
    const std::string near = nearest(type, kinds);
    fail_on(fail, "network", "layer " + std::to_string(l + 1) + ": unknown type '" + type + "'; expected one of: " +
                                 list + (near.empty() ? "" : "; did you mean '" + near + "'?"));
  }
}

// The outputs the task needs: the classes (or 1 for two classes), or the regression targets.
template <class T>
void check_outputs(const Network<T>& net, const Dataset& train, const FailFn& fail) {
  const std::size_t out = net.out(), L = net.depth();
  const bool classes = train.is_classification();
  const std::size_t want = classes ? train.classes() : train.target_width();
  if (out == want || (classes && want == 2 && out == 1)) return;
  fail_on(fail, "network", "the last layer (layer " + std::to_string(L) + ", " +
                               std::string(net.layer(L - 1).kind()) + ") has " + std::to_string(out) +
                               " outputs; expected " + std::to_string(want) +
                               (classes ? std::string(" (the number of classes") + (want == 2 ? ", or 1)" : ")")
                                        : std::string(" (the number of regression targets)")));
}

// Cross-entropy needs the probabilities of a softmax, binary cross-entropy a sigmoid's.
template <class T>
void check_output_activation(const Network<T>& net, const FailFn& fail) {
  const Loss loss = net.loss();
  if (loss != Loss::kSoftmaxCrossEntropy && loss != Loss::kBinaryCrossEntropy) return;
  const Activation want = loss == Loss::kSoftmaxCrossEntropy ? Activation::kSoftmax : Activation::kSigmoid;
  const Layer<T>& last = net.layer(net.depth() - 1);
  const auto oa = last.output_activation();
  if (oa && oa->act == want) return;
  fail_on(fail, "network", "the last layer (layer " + std::to_string(net.depth()) + ", " + std::string(last.kind()) +
                               ") outputs " + (oa ? std::string(activation_name(oa->act)) : "values without an activation") +
                               "; expected " + std::string(activation_name(want)) + " outputs for the " +
                               std::string(loss_name(loss)) + " loss (e.g. \"activation\": \"" +
                               std::string(activation_name(want)) + "\")");
}

}  // namespace

std::string load_training_data(Json& cfg, Dataset& out) {
  std::string task = cfg["task"].get<std::string>();
  if (task != "auto" && task != "classification" && task != "regression")
    throw UsageError("--task '" + task + "'; expected auto, classification or regression");
  const std::string loss = cfg["loss"].get<std::string>();
  const std::string path = cfg["train"].get<std::string>(), labels = cfg["train_labels"].get<std::string>();
  std::string why;
  if (task == "auto" && is_regression_loss(loss)) {
    task = "regression";
    why = "--loss " + loss + " is a regression loss";
  }
  if (task == "regression") {
    out = load_as(cfg, path, labels, task, {});
    cfg["task"] = task;
    return why.empty() ? "--task regression" : why;
  }
  const std::string fmt = format_of(cfg, path);
  if (task == "auto" && (fmt == "npy" || fmt == "fann")) {
    try {  // targets that are not class labels (fractions, several values per row): regression
      out = load_as(cfg, path, labels, "classification", {});
    } catch (const Error&) {
      out = load_as(cfg, path, labels, "regression", {});
      cfg["task"] = "regression";
      return "the targets are not class labels";
    }
  } else {
    out = load_as(cfg, path, labels, "classification", {});
  }
  if (const auto real = real_valued_label(out)) {
    if (task == "classification")
      throw UsageError("--task classification: the labels are real numbers (e.g. " + *real +
                       "), not classes; expected class labels, or use --task regression");
    if (loss != "auto" && !is_regression_loss(loss))
      throw UsageError("--loss " + loss + ": a classification loss, but the labels are real numbers (e.g. " + *real +
                       "); expected a regression loss (mse, half-sse) or --loss auto");
    out = labels_to_regression(out);
    cfg["task"] = "regression";
    return "the labels are real numbers, e.g. " + *real;
  }
  cfg["task"] = "classification";
  return (task == "auto" ? "the labels are integers or names: " : "--task classification: ") + classes_phrase(out);
}

Dataset load_like_training(const Json& cfg, const std::string& path, const std::string& labels,
                           const Dataset& train) {
  return load_as(cfg, path, labels, cfg["task"].get<std::string>(), train.class_names());
}

NetworkShape network_from_data(Json& cfg, const Dataset& train,
                               const std::function<void(const std::string&, const std::string&)>& fail) {
  ShapeRequest req;
  auto sizes_of = [&](const char* key) -> std::optional<std::vector<std::size_t>> {
    const Json& v = cfg[key];
    if (v.is_string() && v.get<std::string>() == "auto") return std::nullopt;
    if (!v.is_array())
      fail_on(fail, key, (v.is_string() ? "'" + v.get<std::string>() + "'" : v.dump()) +
                             "; expected 'auto' or a list of sizes");
    std::vector<std::size_t> s;
    for (const Json& e : v) {
      if (!e.is_number_unsigned()) fail_on(fail, key, v.dump() + "; expected positive whole sizes");
      s.push_back(e.get<std::size_t>());
    }
    return s;
  };
  req.layers = sizes_of("layers");
  req.hidden = sizes_of("hidden");
  const std::string loss = cfg["loss"].get<std::string>();
  if (loss != "auto") req.loss = parse_loss(loss);
  NetworkShape shape;
  try {
    shape = shape_from_data(train, req);
  } catch (const DataShapeError& e) {
    fail_on(fail, e.key, e.detail);
  }
  cfg["layers"] = shape.sizes;
  cfg["hidden"] = std::vector<std::size_t>(shape.sizes.begin() + 1, shape.sizes.end() - 1);
  cfg["loss"] = std::string(loss_name(shape.loss));
  return shape;
}

std::size_t epochs_from_data(Json& cfg, std::size_t samples, std::size_t batch_size, const FailFn& fail) {
  Json& v = cfg["epochs"];
  if (v.is_string() && v.get<std::string>() == "auto") v = default_epochs(samples, batch_size);
  if (v.is_number_integer() && v.get<long long>() < 0)
    fail_on(fail, "epochs", v.dump() + "; expected a positive number of epochs or auto");
  if (!v.is_number_unsigned() && !v.is_number_integer())
    fail_on(fail, "epochs", (v.is_string() ? "'" + v.get<std::string>() + "'" : v.dump()) +
                                "; expected a positive number of epochs or auto");
  return v.get<std::size_t>();
}

template <class T>
Network<T> network_from_spec_for_data(Json& cfg, const Dataset& train, NetworkShape& shape, const FailFn& fail) {
  const Shape in = spec_input_shape(cfg, train, fail);
  const Json& spec = cfg["network"];
  check_layer_types(spec, fail);
  Network<T> net;
  try {
    net = network_from_spec<T>(spec, in, Loss::kMse);
  } catch (const UsageError& e) {
    fail_on(fail, "network", e.what());
  }
  check_outputs(net, train, fail);
  ShapeRequest req;
  req.layers = std::vector<std::size_t>{train.features(), net.out()};
  const std::string loss = cfg["loss"].get<std::string>();
  if (loss != "auto") req.loss = parse_loss(loss);
  try {
    shape = shape_from_data(train, req);
  } catch (const DataShapeError& e) {
    fail_on(fail, e.key == "layers" ? "network" : e.key, e.detail);
  }
  net.set_loss(shape.loss);
  check_output_activation(net, fail);
  cfg["input_shape"] = in.is_flat() ? Json::array({in.c}) : Json::array({in.c, in.h, in.w});
  cfg["loss"] = std::string(loss_name(shape.loss));
  return net;
}

template Network<float> network_from_spec_for_data<float>(Json&, const Dataset&, NetworkShape&, const FailFn&);
template Network<double> network_from_spec_for_data<double>(Json&, const Dataset&, NetworkShape&, const FailFn&);

template <class T>
Network<T> network_for_data(Json& cfg, const Dataset& train, NetworkShape& shape, const FailFn& fail) {
  if (!cfg["network"].is_null()) return network_from_spec_for_data<T>(cfg, train, shape, fail);
  shape = network_from_data(cfg, train, fail);
  return build_network<T>(cfg, shape);
}

template Network<float> network_for_data<float>(Json&, const Dataset&, NetworkShape&, const FailFn&);
template Network<double> network_for_data<double>(Json&, const Dataset&, NetworkShape&, const FailFn&);

template <class T>
Network<T> build_network(const nlohmann::ordered_json& cfg, const NetworkShape& shape) {
  const std::vector<std::size_t>& sizes = shape.sizes;
  const Loss loss = shape.loss;
  const Activation hidden = parse_activation(cfg.at("activation").get<std::string>());
  const auto out_name = cfg.at("output_activation").get<std::string>();
  const Activation out_act = out_name != "auto"                      ? parse_activation(out_name)
                             : loss == Loss::kSoftmaxCrossEntropy  ? Activation::kSoftmax
                             : loss == Loss::kBinaryCrossEntropy   ? Activation::kSigmoid
                                                                   : Activation::kIdentity;
  const auto dropout = cfg.at("dropout").get<double>();
  Network<T> net;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    const bool last = l + 2 == sizes.size();
    net.add({.in = sizes[l], .out = sizes[l + 1], .activation = last ? out_act : hidden});
    if (!last && dropout > 0) net.add(std::make_unique<Dropout<T>>(dropout, Shape::flat(sizes[l + 1])));
  }
  net.set_loss(loss);
  return net;
}

template Network<float> build_network<float>(const nlohmann::ordered_json&, const NetworkShape&);
template Network<double> build_network<double>(const nlohmann::ordered_json&, const NetworkShape&);

}  // namespace bp::cli
