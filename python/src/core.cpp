// The Python module's C++ core (core.hpp): builds, trains and runs a network exactly as
// `backprop train` does, from the configuration the Python layer resolves.
#include "core.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "backprop/core/error.hpp"
#include "backprop/data/scaler.hpp"
#include "backprop/data/shape_from_data.hpp"
#include "backprop/nn/init.hpp"
#include "backprop/nn/layer_registry.hpp"
#include "backprop/optim/options.hpp"
#include "backprop/tutorial/explain.hpp"

namespace bp::python {

namespace {

std::vector<std::size_t> sizes_of(const Json& v) { return v.get<std::vector<std::size_t>>(); }

Shape input_shape(const Json& cfg, std::size_t features) {
  const Json& v = cfg.value("input_shape", Json());
  if (v.is_null()) return Shape::flat(features);
  const auto d = sizes_of(v);
  if (d.empty() || d.size() > 3)
    throw UsageError("input_shape " + v.dump() + "; expected (features,) or (channels, height, width)");
  const Shape s = d.size() == 1 ? Shape::flat(d[0]) : d.size() == 2 ? Shape{1, d[0], d[1]} : Shape{d[0], d[1], d[2]};
  if (s.size() != features)
    throw UsageError("input_shape " + v.dump() + " holds " + std::to_string(s.size()) +
                     " values per sample; expected the " + std::to_string(features) + " features of X");
  return s;
}

Loss auto_loss(const Dataset& d, std::size_t outputs) {
  if (!d.is_classification()) return Loss::kMse;
  return outputs == 1 ? Loss::kBinaryCrossEntropy : Loss::kSoftmaxCrossEntropy;
}

// The `network` parameter: a list of layer dicts {"type": kind, ...its config}, as the CLI's key.
template <class T>
Network<T> network_from_layers(const Json& cfg, const Dataset& d) {
  Network<T> net;
  Shape in = input_shape(cfg, d.features());
  std::size_t index = 1;
  for (const Json& layer : cfg.at("network")) {
    if (!layer.is_object() || !layer.contains("type") || !layer["type"].is_string())
      throw UsageError("network layer " + std::to_string(index) + ": " + layer.dump() +
                       "; expected a dict with a 'type' key (" + "dense, conv2d, ...)");
    Json c = layer;
    c.erase("type");
    net.add(make_layer<T>(layer["type"].get<std::string>(), c, in, index++));
    in = net.out_shape();
  }
  if (net.depth() == 0) throw UsageError("network is an empty list; expected at least one layer");
  const std::size_t want = d.is_classification() ? (d.classes() == 2 && net.out() == 1 ? 1 : d.classes())
                                                 : d.target_width();
  if (net.out() != want)
    throw UsageError("network's last layer has " + std::to_string(net.out()) + " outputs; expected " +
                     std::to_string(want) + (d.is_classification() ? " (one per class)" : " (one per target)"));
  const std::string loss = cfg.value("loss", "auto");
  net.set_loss(loss == "auto" ? auto_loss(d, net.out()) : parse_loss(loss));
  return net;
}

// hidden_layer_sizes: the CLI's network for --hidden (tools/backprop/network_from_data.cpp).
template <class T>
Network<T> network_from_sizes(const Json& cfg, const Dataset& d, bool& single_binary) {
  ShapeRequest req;
  req.hidden = sizes_of(cfg.at("hidden"));
  const std::string loss_name = cfg.value("loss", "auto");
  if (loss_name != "auto") req.loss = parse_loss(loss_name);
  const NetworkShape shape = shape_from_data(d, req);
  single_binary = shape.single_binary_output;
  const Activation hidden = parse_activation(cfg.at("activation").get<std::string>());
  const std::string out_name = cfg.value("output_activation", "auto");
  const Activation out_act = out_name != "auto" ? parse_activation(out_name)
                             : shape.loss == Loss::kSoftmaxCrossEntropy ? Activation::kSoftmax
                             : shape.loss == Loss::kBinaryCrossEntropy  ? Activation::kSigmoid
                                                                        : Activation::kIdentity;
  const double dropout = cfg.value("dropout", 0.0);
  const std::vector<std::size_t>& sizes = shape.sizes;
  Network<T> net;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    const bool last = l + 2 == sizes.size();
    net.add({.in = sizes[l], .out = sizes[l + 1], .activation = last ? out_act : hidden});
    if (!last && dropout > 0) net.add(std::make_unique<Dropout<T>>(dropout, Shape::flat(sizes[l + 1])));
  }
  net.set_loss(shape.loss);
  return net;
}

InitOptions init_options(const Json& cfg) {
  std::string name = cfg.value("init", "xavier-uniform");
  if (name == "auto") {
    const Activation a = parse_activation(cfg.value("activation", "relu"));
    name = (a == Activation::kRelu || a == Activation::kLeakyRelu || a == Activation::kElu) ? "he-uniform"
                                                                                            : "xavier-uniform";
  }
  InitOptions init;
  init.kind = parse_init(name);
  return init;
}

TrainOptions train_options(const Json& cfg, std::size_t epochs, std::uint64_t seed) {
  TrainOptions to;
  to.epochs = epochs;
  to.batch_size = cfg.at("batch_size").get<std::size_t>();
  to.seed = seed;
  to.clip_norm = cfg.value("clip_norm", 0.0);
  to.clip_value = cfg.value("clip_value", 0.0);
  to.early_stopping = cfg.value("early_stopping", "none");
  if (to.early_stopping == "none") to.early_stopping.clear();
  to.patience = cfg.value("patience", std::size_t{10});
  to.min_delta = cfg.value("min_delta", 1e-4);
  return to;
}

}  // namespace

Dataset make_dataset(const FitData& data) {
  if (data.class_names.empty())
    return Dataset::regression_borrowed(data.features, data.x, data.k, data.targets);
  return Dataset::classification_borrowed(data.features, data.x, data.labels, data.class_names);
}

OptimizerOptions optimizer_options(const Json& o) {
  OptimizerOptions oo;
  for (const auto& [key, v] : o.items()) {
    if (key == "name") oo.name = v.get<std::string>();
    else if (key == "lr") oo.lr = v.get<double>();
    else if (key == "weight_decay") oo.weight_decay = v.get<double>();
    else if (key == "eps") oo.eps = v.get<double>();
    else if (key == "momentum") oo.momentum = v.get<double>();
    else if (key == "dampening") oo.dampening = v.get<double>();
    else if (key == "nesterov") oo.nesterov = v.get<bool>();
    else if (key == "beta1") oo.beta1 = v.get<double>();
    else if (key == "beta2") oo.beta2 = v.get<double>();
    else if (key == "amsgrad") oo.amsgrad = v.get<bool>();
    else if (key == "alpha") oo.alpha = v.get<double>();
    else if (key == "centered") oo.centered = v.get<bool>();
    else if (key == "lr_decay") oo.lr_decay = v.get<double>();
    else if (key == "initial_accumulator_value") oo.initial_accumulator_value = v.get<double>();
    else if (key == "rho") oo.rho = v.get<double>();
    else if (key == "eta_minus") oo.eta_minus = v.get<double>();
    else if (key == "eta_plus") oo.eta_plus = v.get<double>();
    else if (key == "step_size_min") oo.step_size_min = v.get<double>();
    else if (key == "step_size_max") oo.step_size_max = v.get<double>();
    else if (key == "max_iter") oo.max_iter = v.get<std::size_t>();
    else if (key == "history_size") oo.history_size = v.get<std::size_t>();
    else if (key == "tolerance_grad") oo.tolerance_grad = v.get<double>();
    else if (key == "tolerance_change") oo.tolerance_change = v.get<double>();
    else if (key == "line_search_fn") oo.line_search_fn = v.get<std::string>();
    else
      throw UsageError("optimizer option '" + key + "'; expected one of lr, weight_decay, eps, momentum, "
                       "dampening, nesterov, beta1, beta2, amsgrad, alpha, centered, lr_decay, "
                       "initial_accumulator_value, rho, eta_minus, eta_plus, step_size_min, step_size_max, "
                       "max_iter, history_size, tolerance_grad, tolerance_change, line_search_fn");
  }
  return oo;
}

template <class T>
std::unique_ptr<Core<T>> Core<T>::from_bytes(const std::string& bytes, const std::string& name) {
  auto core = std::make_unique<Core<T>>();
  core->model_ = model_from_bytes<T>(bytes, name);
  core->scaler_ = to_scaler(core->model_.info.preprocessing);
  core->single_binary_ = core->model_.info.class_names.size() == 2 && core->model_.net.out() == 1;
  return core;
}

template <class T>
void Core<T>::make_opt(const Json& cfg) {
  const OptimizerOptions oo = optimizer_options(cfg.at("optimizer"));
  opt_ = make_optimizer<T>(oo);
  base_lr_ = oo.lr_or_default();
  plateau_.reset();
}

template <class T>
void Core<T>::build(const Json& cfg, Dataset& train) {
  single_binary_ = false;
  model_.net = cfg.contains("network") && !cfg["network"].is_null() ? network_from_layers<T>(cfg, train)
                                                                    : network_from_sizes<T>(cfg, train, single_binary_);
  if (model_.net.out() == 1 && train.is_classification()) single_binary_ = true;
  const auto seed = cfg.at("seed").get<std::uint64_t>();
  init_network(model_.net, init_options(cfg), seed);
  make_opt(cfg);
  partial_calls_ = 0;
  model_.info = ModelInfo{};
  model_.info.class_names = train.class_names();
  model_.info.seed = seed;
  model_.info.config_json = cfg.dump();
  scaler_ = Scaler(ScalerKind::kNone);
  model_.info.preprocessing = to_preprocessing(scaler_);
}

// The schedule, as `backprop train` sets it (tools/backprop/cmd_train.cpp); `first` is the
// number of epochs done before this call (partial_fit).
template <class T>
TrainCallbacks<T> Core<T>::callbacks(const Json& cfg, std::size_t epochs, const EpochFn& on_epoch) {
  TrainCallbacks<T> cb;
  const Json s = cfg.value("schedule", Json::object());
  const std::string name = s.value("name", "none");
  const std::size_t first = partial_calls_;
  if (name == "step") {
    StepSchedule st{base_lr_, s.value("step_size", std::size_t{10}), s.value("gamma", 0.1)};
    st.validate();
    cb.before_epoch = [st, first](std::size_t e, Optimizer<T>& o) { o.set_lr(st.lr_at(first + e - 1)); };
  } else if (name == "exponential") {
    ExponentialSchedule st{base_lr_, s.value("gamma", 0.95)};
    st.validate();
    cb.before_epoch = [st, first](std::size_t e, Optimizer<T>& o) { o.set_lr(st.lr_at(first + e - 1)); };
  } else if (name == "cosine") {
    CosineWarmupSchedule st{base_lr_, s.value("warmup_epochs", std::size_t{0}), epochs, s.value("min_lr", 0.0)};
    st.validate();
    cb.before_epoch = [st, first](std::size_t e, Optimizer<T>& o) { o.set_lr(st.lr_at(first + e - 1)); };
  } else if (name == "plateau") {
    PlateauOptions po;
    po.factor = s.value("factor", 0.1);
    po.patience = s.value("patience", std::size_t{10});
    po.min_lr = s.value("min_lr", 0.0);
    po.validate();
    if (!plateau_) plateau_ = std::make_unique<ReduceOnPlateau>(base_lr_, po);
  } else if (name != "none") {
    throw UsageError("schedule '" + name + "'; expected none, step, exponential, cosine or plateau");
  }
  cb.after_epoch = [this, on_epoch](const EpochStats& st, Optimizer<T>& o) {
    if (plateau_) o.set_lr(plateau_->step(std::isnan(st.val_loss) ? st.loss : st.val_loss));
    if (on_epoch) on_epoch(st);
    return true;
  };
  return cb;
}

template <class T>
FitReport Core<T>::run(const Dataset& train, const Dataset* val, const Json& cfg, std::size_t epochs,
                       std::uint64_t seed, const std::atomic<bool>* stop, const EpochFn& on_epoch) {
  TrainOptions to = train_options(cfg, epochs, seed);
  to.stop = stop;
  to.validate(val != nullptr);
  Scaler scaler(ScalerKind::kNone);
  scaler.fit(train);
  const TrainResult r = bp::train(model_.net, *opt_, train, val, scaler, to, callbacks(cfg, epochs, on_epoch));
  FitReport rep;
  rep.epochs = r.epochs;
  rep.interrupted = r.interrupted;
  rep.stopped_early = r.stopped_early;
  rep.best_epoch = r.best_epoch;
  return rep;
}

template <class T>
FitReport Core<T>::fit(const FitData& data, const Json& cfg, const std::atomic<bool>* stop,
                       const EpochFn& on_epoch) {
  Dataset all = make_dataset(data);
  const auto seed = cfg.at("seed").get<std::uint64_t>();
  const double vsplit = cfg.value("validation_split", 0.0);
  Dataset train_set, val_set;
  if (vsplit > 0) {
    auto split = all.split(vsplit, seed);
    train_set = std::move(split.train);
    val_set = std::move(split.validation);
  } else {
    train_set = std::move(all);
  }
  build(cfg, train_set);
  if (single_binary_) {
    train_set.use_single_binary_target();
    if (val_set.size() > 0) val_set.use_single_binary_target();
  }
  const auto epochs = cfg.at("epochs").get<std::size_t>();
  FitReport rep = run(train_set, vsplit > 0 ? &val_set : nullptr, cfg, epochs, seed, stop, on_epoch);
  partial_calls_ = rep.epochs.size();
  return rep;
}

template <class T>
FitReport Core<T>::partial_fit(const FitData& data, const Json& cfg, const std::atomic<bool>* stop,
                               const EpochFn& on_epoch) {
  Dataset d = make_dataset(data);
  if (!built()) build(cfg, d);
  else if (!opt_) make_opt(cfg);  // a loaded model: its weights, a fresh optimizer
  if (d.is_classification() && d.classes() != model_.info.class_names.size())
    throw UsageError("partial_fit: " + std::to_string(d.classes()) + " classes; expected the " +
                     std::to_string(model_.info.class_names.size()) + " of the first call");
  if (single_binary_) d.use_single_binary_target();
  Json once = cfg;
  once["early_stopping"] = "none";
  // Each call shuffles differently: its seed is the model's seed plus the calls before it.
  FitReport rep = run(d, nullptr, once, 1, model_.info.seed + partial_calls_, stop, on_epoch);
  partial_calls_ += rep.epochs.size();
  return rep;
}

template <class T>
void Core<T>::predict(const T* x, std::size_t n, T* out) const {
  constexpr std::size_t kChunk = 8192;  // rows per network pass: bounded scratch for any n
  const std::size_t in = net().in(), width = net().out();
  std::unique_lock lock(predict_mutex_, std::try_to_lock);
  Matrix<T> own_x, own_out;  // another thread holds the cached buffers: use buffers of our own
  InferenceScratch<T> own_scratch;
  Matrix<T>& xb = lock.owns_lock() ? x_ : own_x;
  Matrix<T>& ob = lock.owns_lock() ? out_ : own_out;
  InferenceScratch<T>& sb = lock.owns_lock() ? scratch_ : own_scratch;
  for (std::size_t r0 = 0; r0 < n; r0 += kChunk) {
    const std::size_t rows = std::min(kChunk, n - r0);
    xb.resize(rows, in);
    std::memcpy(xb.data(), x + r0 * in, rows * in * sizeof(T));
    scaler_.apply(xb);
    model_.net.predict(xb, ob, sb);
    std::memcpy(out + r0 * width, ob.data(), rows * width * sizeof(T));
  }
}

template <class T>
std::string Core<T>::explain_json(std::span<const double> x, std::span<const double> t, double lr) const {
  const auto bytes = to_bytes();
  const Model<double> m = model_from_bytes<double>(std::string(bytes.begin(), bytes.end()), "model");
  ExplainOptions opts;
  opts.lr = lr;
  const Explanation e = explain(m.net, x, t, opts);
  return render_explanation(e, nullptr, ExplainFormat::kJson);
}

template class Core<float>;
template class Core<double>;

}  // namespace bp::python
