// `backprop train`: data in, a trained model file out, with progress and an optional CSV log.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "backprop/backprop.hpp"
#include "backprop/report/run_report.hpp"
#include "backprop/io/checkpoint.hpp"
#include "backprop/data/dataset.hpp"
#include "backprop/dist/chunked_sum.hpp"
#include "backprop/optim/options.hpp"
#include "backprop/optim/schedule.hpp"
#include "backprop/train/trainer.hpp"
#include "commands.hpp"
#include "config/rules.hpp"
#include "data_args.hpp"
#include "network_from_data.hpp"
#include "train_config.hpp"
#include "train_group.hpp"

namespace bp::cli {

using Json = nlohmann::ordered_json;

namespace {

// SIGINT / SIGTERM: ask the trainer to stop after the current step (std::atomic<bool> is lock-free,
// so storing to it is async-signal-safe). A second signal gets the default action.
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
extern "C" void on_stop_signal(int sig) {
  g_signal.store(sig, std::memory_order_relaxed);
  g_stop.store(true, std::memory_order_relaxed);
  std::signal(sig, SIG_DFL);
}

template <class V>
V get(const Json& cfg, const char* key) {
  return cfg.at(key).get<V>();
}

// Refuses a config value where it came from: the config file's key or the flag.
struct Checker {
  const ConfigFlags& flags;
  [[noreturn]] void fail(const std::string& key, const std::string& what) const { flags.fail(key, what); }
};

// Whether a hidden layer has a ReLU-like activation (init auto: he-uniform for those).
template <class T>
bool relu_like_hidden(const Network<T>& net) {
  for (std::size_t l = 0; l + 1 < net.depth(); ++l)
    if (const auto oa = net.layer(l).output_activation())
      if (oa->act == Activation::kRelu || oa->act == Activation::kLeakyRelu || oa->act == Activation::kElu) return true;
  return false;
}

// "--threads": all cores when not given (the schema checked the value).
void set_threads(const Json& v) { set_num_threads(v.is_null() ? 0 : v.get<std::size_t>()); }

// Keys that describe this process only: never compared with a checkpoint nor taken from it.
bool is_process_key(const std::string& k) { return k == "verbose" || k == "threads"; }
// Keys that name outputs and the test set: taken from the checkpoint unless given, never compared.
bool is_output_key(const std::string& k) {
  return k == "output" || k == "metrics_log" || k == "report" || k == "checkpoint" || k == "checkpoint_every" || k == "test" ||
         k == "test_labels";
}
std::string shown(const Json& v) { return v.is_string() ? "'" + v.get<std::string>() + "'" : v.dump(); }

// A resumed run continues the checkpoint's configuration: keys not given take the checkpoint's
// values; keys given must agree with it, or the run is refused with every difference named.
void merge_checkpoint_config(Json& cfg, const std::string& saved_text, const ConfigFlags& flags,
                             const std::string& path) {
  Json saved;
  try {
    saved = Json::parse(saved_text);
  } catch (const nlohmann::json::parse_error&) {
    throw DataError(path + ": the checkpoint's configuration is not valid JSON");
  }
  if (!saved.is_object()) throw DataError(path + ": the checkpoint's configuration is not a JSON object");
  std::string diffs;
  for (const auto& [key, value] : saved.items()) {
    if (!cfg.contains(key) || is_process_key(key)) continue;
    if (!flags.given(key)) {
      Json v = value;
      if (const auto r = check_value(*find_key(flags.schema(), key), v))
        throw DataError(path + ": the checkpoint's key '" + key + "': expected " + r->expected + ", got " + v.dump());
      cfg[key] = std::move(v);
      continue;
    }
    const Json& now = cfg[key];
    const bool same = now == value || (now.is_string() != value.is_string() &&
                                       (now.is_string() ? now.get<std::string>() : now.dump()) ==
                                           (value.is_string() ? value.get<std::string>() : value.dump()));
    if (!same && !is_output_key(key)) {
      std::string flag = "--" + key;
      std::replace(flag.begin(), flag.end(), '_', '-');
      diffs += (diffs.empty() ? "" : "; ") + flag + " is " + shown(now) + " here but " + shown(value) +
               " in the checkpoint";
    }
  }
  if (!diffs.empty())
    throw UsageError(path + ": this checkpoint was made with another configuration: " + diffs +
                     ". Resume with the checkpoint's settings (omit those flags) or start a new run");
}

void check_same_data(const DataFingerprint& saved, const DataFingerprint& now, const char* what,
                     const std::string& path) {
  if (saved == now) return;
  throw UsageError(path + ": the " + std::string(what) + " differs from the checkpoint's: checkpoint " +
                   saved.describe() + "; now " + now.describe());
}

// The metrics log of a resumed run: rewritten from the checkpoint's history, so that it matches the
// log of a run that was never interrupted.
void write_log_row(std::ofstream& csv, const EpochStats& s) {
  auto num = [](double v) { return std::isnan(v) ? std::string() : std::to_string(v); };
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", s.loss);
  csv << s.epoch << ',' << s.lr << ',' << buf << ',' << num(s.accuracy) << ',' << num(s.val_loss) << ','
      << num(s.val_accuracy) << ',' << s.seconds << '\n';
}

// --init-from: the model file's network (with its weights) replaces `net`, which was built for
// the data, once its input and output widths are the data's; returns the model's preprocessing.
template <class T>
Scaler start_from_model(Network<T>& net, const std::string& path) {
  Model<T> m = load_model<T>(path);
  if (m.net.in() != net.in() || m.net.out() != net.out())
    throw UsageError("--init-from " + path + ": the model has " + std::to_string(m.net.in()) +
                     " inputs and " + std::to_string(m.net.out()) + " outputs; expected the data's " +
                     std::to_string(net.in()) + " and " + std::to_string(net.out()));
  net = std::move(m.net);
  return to_scaler(m.info.preprocessing);
}

template <class T>
int run_train_as(Json cfg, const ConfigFlags& flags, const std::string& resume_path,
                 const std::string& resume_bytes) {
  const Checker chk{flags};
  const auto group = join_train_group(flags);  // under mpirun: docs/distributed.md
  std::optional<Checkpoint<T>> ck;
  if (!resume_path.empty()) {
    ck = checkpoint_from_bytes<T>(resume_bytes, resume_path);
    merge_checkpoint_config(cfg, ck->model.info.config_json, flags, resume_path);
  }
  resolve_dataset_shortcut(cfg);
  // Every value was checked as it was read (config/schema.hpp); now the rules across keys, and
  // the outputs, before any data is read or any time spent.
  check_train_rules(cfg, flags);
  probe_inputs(cfg, train_schema());
  probe_outputs(cfg, train_schema());
  // Seed: drawn when not given, and recorded in the resolved config and the model.
  if (cfg["seed"].is_null()) cfg["seed"] = std::random_device{}() & 0xffffffffu;
  if (group) {  // one seed, config and build on every process; only rank 0 writes and reports
    share_key(*group, cfg, "seed");
    agree(*group, agreed_config(cfg));
    if (group->rank() != 0) {
      for (const char* k : {"metrics_log", "report", "checkpoint"}) cfg[k] = "";
      cfg["verbose"] = 0;
    }
  }
  const auto seed = cfg["seed"].get<std::uint64_t>();
  set_threads(cfg["threads"]);
  const int verbose = get<int>(cfg, "verbose");
  std::FILE* log = stderr;
  const bool live = verbose == 1 || (verbose == -1 && Progress::is_terminal(stderr));

  // Data.
  Dataset all;
  const std::string task_why = load_training_data(cfg, all);
  const double vsplit = get<double>(cfg, "validation_split");
  Dataset train_set, val_set;
  if (vsplit > 0) {
    auto split = all.split(vsplit, seed);
    train_set = std::move(split.train);
    val_set = std::move(split.validation);
  } else {
    train_set = std::move(all);
  }

  // Network: from the spec (--network), or sizes and loss from the data and --layers / --hidden /
  // --loss (network_from_data.hpp).
  const auto fail = [&](const std::string& k, const std::string& w) { chk.fail(k, w); };
  const bool from_spec = !cfg["network"].is_null();
  NetworkShape shape;
  Network<T> net = network_for_data<T>(cfg, train_set, shape, fail);
  if (shape.single_binary_output) {
    train_set.use_single_binary_target();
    if (val_set.size() > 0) val_set.use_single_binary_target();
  }
  InitOptions init;
  std::string init_name = get<std::string>(cfg, "init");
  if (init_name == "auto") {
    const Activation hidden = parse_activation(get<std::string>(cfg, "activation"));
    const bool relu_like = from_spec ? relu_like_hidden(net)
                                     : hidden == Activation::kRelu || hidden == Activation::kLeakyRelu ||
                                           hidden == Activation::kElu;
    init_name = relu_like ? "he-uniform" : "xavier-uniform";
  }
  init.kind = parse_init(init_name);
  try {
    init_network(net, init, seed);
  } catch (const UsageError& e) {  // widrow-nguyen on a convolution
    chk.fail("init", e.what());
  }
  Scaler scaler(parse_scaler_kind(get<std::string>(cfg, "preprocess")));
  if (const std::string from = get<std::string>(cfg, "init_from"); !from.empty())
    scaler = start_from_model(net, from);  // fine-tuning: its network, weights and preprocessing
  else
    scaler.fit(train_set);

  // Optimizer and schedule.
  OptimizerOptions oo;
  oo.name = get<std::string>(cfg, "optimizer");
  if (!cfg["lr"].is_null()) oo.lr = get<double>(cfg, "lr");
  if (!cfg["eps"].is_null()) oo.eps = get<double>(cfg, "eps");
  if (!cfg["weight_decay"].is_null()) oo.weight_decay = get<double>(cfg, "weight_decay");
  oo.momentum = get<double>(cfg, "momentum");
  oo.nesterov = get<bool>(cfg, "nesterov");
  oo.beta1 = get<double>(cfg, "beta1");
  oo.beta2 = get<double>(cfg, "beta2");
  oo.amsgrad = get<bool>(cfg, "amsgrad");
  oo.alpha = get<double>(cfg, "alpha");
  oo.centered = get<bool>(cfg, "centered");
  oo.rho = get<double>(cfg, "rho");
  oo.lr_decay = get<double>(cfg, "lr_decay");
  oo.history_size = get<std::size_t>(cfg, "history_size");
  oo.max_iter = get<std::size_t>(cfg, "max_iter");
  oo.line_search_fn = get<std::string>(cfg, "line_search");
  auto opt = make_optimizer<T>(oo);  // validates
  cfg["lr"] = oo.lr_or_default();
  const double base_lr = oo.lr_or_default();
  TrainOptions to;
  to.batch_size = batch_of(cfg["batch_size"]);
  const std::size_t epochs = epochs_from_data(cfg, train_set.size(), to.batch_size,
                                              [&](const std::string& k, const std::string& w) { chk.fail(k, w); });
  to.epochs = epochs;
  to.seed = seed;
  to.clip_norm = get<double>(cfg, "clip_norm");
  to.clip_value = get<double>(cfg, "clip_value");
  to.early_stopping = get<std::string>(cfg, "early_stopping");
  if (to.early_stopping == "none") to.early_stopping.clear();
  to.patience = get<std::size_t>(cfg, "patience");
  to.min_delta = get<double>(cfg, "min_delta");
  to.validate(vsplit > 0);
  if (group) {
    const std::size_t n = train_set.size(), b = to.batch_size == 0 || to.batch_size > n ? n : to.batch_size;
    if (cfg["mpi_chunk"] == "auto") cfg["mpi_chunk"] = dist::default_chunk(b);
    to.group = group.get();
    to.chunk = get<std::size_t>(cfg, "mpi_chunk");
  }

  TrainCallbacks<T> cb;
  const std::string schedule = get<std::string>(cfg, "schedule");
  std::unique_ptr<ReduceOnPlateau> plateau;
  if (schedule == "step") {
    StepSchedule s{base_lr, get<std::size_t>(cfg, "step_size"), get<double>(cfg, "gamma")};
    s.validate();
    cb.before_epoch = [s](std::size_t e, Optimizer<T>& o) { o.set_lr(s.lr_at(e - 1)); };
  } else if (schedule == "exponential") {
    ExponentialSchedule s{base_lr, get<double>(cfg, "gamma")};
    s.validate();
    cb.before_epoch = [s](std::size_t e, Optimizer<T>& o) { o.set_lr(s.lr_at(e - 1)); };
  } else if (schedule == "cosine") {
    CosineWarmupSchedule s{base_lr, get<std::size_t>(cfg, "warmup_epochs"), epochs, get<double>(cfg, "min_lr")};
    if (s.warmup_steps >= epochs)  // epochs auto: known only now
      chk.fail("warmup_epochs", "expected fewer than the " + std::to_string(epochs) + " epochs, got " +
                                    std::to_string(s.warmup_steps));
    s.validate();
    cb.before_epoch = [s](std::size_t e, Optimizer<T>& o) { o.set_lr(s.lr_at(e - 1)); };
  } else if (schedule == "plateau") {
    PlateauOptions po;
    po.factor = get<double>(cfg, "plateau_factor");
    po.patience = get<std::size_t>(cfg, "plateau_patience");
    po.min_lr = get<double>(cfg, "min_lr");
    po.validate();
    plateau = std::make_unique<ReduceOnPlateau>(base_lr, po);
  }

  // Outputs (probed above, before the data was read).
  const std::string out_path = get<std::string>(cfg, "output");
  const std::string report_path = get<std::string>(cfg, "report");
  const std::string log_path = get<std::string>(cfg, "metrics_log");
  std::ofstream csv;
  if (!log_path.empty()) {
    csv.open(log_path, std::ios::trunc);
    if (!csv) throw CantCreateError(log_path + ": cannot create the metrics log");
    csv << "epoch,lr,loss,accuracy,val_loss,val_accuracy,seconds\n";
    if (ck)
      for (const EpochStats& s : ck->state.history) write_log_row(csv, s);
    csv.flush();
  }
  cb.after_epoch = [&](const EpochStats& s, Optimizer<T>& o) {
    if (csv.is_open()) {
      write_log_row(csv, s);
      csv.flush();
      if (!csv) throw IoError(log_path + ": write failed");
    }
    if (plateau) o.set_lr(plateau->step(std::isnan(s.val_loss) ? s.loss : s.val_loss));
    return true;
  };
  Progress progress(log, live);
  if (verbose != 0) cb.progress = &progress;

  // Checkpoints: the model as the model file holds it, plus everything that decides the rest of
  // the run (include/backprop/io/checkpoint.hpp).
  const std::string ck_path = get<std::string>(cfg, "checkpoint");
  const Every every = *parse_every(cfg["checkpoint_every"]);
  to.checkpoint_every = ck_path.empty() ? 0 : every.count;
  to.checkpoint_in_steps = every.steps;
  ModelInfo info;
  info.preprocessing = to_preprocessing(scaler);
  if (train_set.is_classification()) info.class_names = train_set.class_names();
  info.seed = seed;
  info.config_json = cfg.dump();
  info.columns = train_set.columns();  // predict and evaluate match columns by these names
  const DataFingerprint train_fp = fingerprint(train_set), val_fp = fingerprint(val_set);
  if (group) {
    agree(*group, {{"training data", train_fp.describe()}, {"validation data", val_fp.describe()}});
    quiet_unless_rank0(*group);
  }
  if (ck) {  // continue the checkpoint's run: its data, weights, optimizer and schedule state
    check_same_data(ck->train_data, train_fp, "training data", resume_path);
    check_same_data(ck->validation_data, val_fp, "validation data", resume_path);
    if (ck->model.info.preprocessing != info.preprocessing)
      throw UsageError(resume_path + ": the checkpoint's preprocessing differs from this data's");
    const auto saved = std::as_const(ck->model.net).params();
    const auto params = net.params();
    if (saved.size() != params.size())
      throw DataError(resume_path + ": the checkpoint's network has " + std::to_string(saved.size()) +
                      " parameter tensors; this configuration has " + std::to_string(params.size()));
    for (std::size_t k = 0; k < params.size(); ++k) params[k]->assign(saved[k]->value);
    for (std::size_t l = 0; l < net.depth() && l < ck->model.net.depth(); ++l) {  // BatchNorm's running statistics
      const auto from = ck->model.net.layer(l).buffers(), to_buffers = net.layer(l).buffers();
      if (from.size() != to_buffers.size())
        throw DataError(resume_path + ": the checkpoint's layer " + std::to_string(l + 1) + " has " +
                        std::to_string(from.size()) + " buffers; this configuration's has " +
                        std::to_string(to_buffers.size()));
      for (std::size_t k = 0; k < from.size(); ++k) to_buffers[k]->assign(from[k]->value);
    }
    opt->load_state(ck->optimizer);
    if (plateau) {
      if (ck->extra.size() != 5) throw DataError(resume_path + ": the checkpoint has no plateau-schedule state");
      plateau->load_state(ck->extra);
    }
  }
  if (!ck_path.empty()) {
    if (remove_stale_temporaries(ck_path) > 0 && verbose != 0)
      std::fprintf(log, "backprop train: removed temporary files of an earlier run killed while saving %s\n",
                   ck_path.c_str());
    cb.checkpoint = [&](const TrainState<T>& st, const Optimizer<T>& o) {
      std::vector<double> opt_state, extra;
      o.save_state(opt_state);
      if (plateau) plateau->save_state(extra);
      save_checkpoint(ck_path, net, info, st, opt_state, extra, train_fp, val_fp);
    };
  }
  if (!group || group->rank() == 0) remove_stale_temporaries(out_path);

  if (verbose != 0)
    std::fprintf(log, "backprop train: task %s (%s)\n", get<std::string>(cfg, "task").c_str(), task_why.c_str());
  if (verbose != 0)
    std::fprintf(log, "backprop train: %zu samples (%zu for validation), network %s, %zu parameters, seed %llu\n",
                 train_set.size(), val_set.size(), [&] {
                   std::string s;
                   if (from_spec)
                     return std::to_string(net.depth()) + " layers, " + to_string(net.in_shape()) + " -> " +
                            to_string(net.out_shape());
                   for (std::size_t v : shape.sizes) s += (s.empty() ? "" : "-") + std::to_string(v);
                   return s;
                 }().c_str(), net.parameter_count(), static_cast<unsigned long long>(seed));
  to.stop = &g_stop;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  const auto t0 = std::chrono::steady_clock::now();
  const TrainResult r = train(net, *opt, train_set, vsplit > 0 ? &val_set : nullptr, scaler, to, cb,
                              ck ? &ck->state : nullptr);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Under mpirun a signal may reach only some processes; all stop at the same step (trainer.hpp).
  const int sig = g_signal.load() != 0 ? g_signal.load() : SIGTERM;
  if (group && group->rank() != 0) return r.interrupted ? 128 + sig : 0;  // rank 0 writes
  save_model(out_path, net, info);
  if (r.interrupted) {
    std::fprintf(stderr, "backprop: interrupted by %s at epoch %zu, batch %zu; the model as of that step is saved to %s%s\n",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT", r.stopped_epoch, r.stopped_batch, out_path.c_str(),
                 ck_path.empty() ? "" : (" and the checkpoint to " + ck_path + " (continue with --resume " + ck_path + ")").c_str());
    return 128 + sig;
  }

  if (verbose != 0) {
    std::fprintf(log, "trained %zu epoch(s) in %s%s\n", r.epochs.size(), Progress::format_duration(secs).c_str(),
                 r.stopped_early ? (" (early stop; weights of epoch " + std::to_string(r.best_epoch) + ")").c_str() : "");
  }
  // The test set, when there is one.
  RunReport report;
  report.title = "Training run: " + get<std::string>(cfg, "train");
  report.config_json = cfg.dump(2);
  report.network_summary = network_summary(net);
  report.history = metrics_log_from_history(r.epochs);
  const std::string test = get<std::string>(cfg, "test");
  if (!test.empty()) {
    Dataset test_set = load_like_training(cfg, test, get<std::string>(cfg, "test_labels"), train_set);
    if (shape.single_binary_output) test_set.use_single_binary_target();
    report.test_what = test + ", " + std::to_string(test_set.size()) + " samples";
    if (test_set.is_classification()) {
      ClassificationMetrics<T> cm(test_set.classes());
      const double tl = evaluate<T>(net, test_set, scaler, 1024, &cm, nullptr);
      std::printf("test: loss %.4f, accuracy %.4f (%zu samples)\n", tl, cm.accuracy(), test_set.size());
      report.test_metrics = {{"loss", tl}, {"accuracy", cm.accuracy()}, {"macro precision", cm.macro_precision()},
                             {"macro recall", cm.macro_recall()}, {"macro F1", cm.macro_f1()}};
      set_classification(report, cm, test_set.class_names());
    } else {
      RegressionMetrics<T> rm(test_set.target_width());
      const double tl = evaluate<T>(net, test_set, scaler, 1024, nullptr, &rm);
      std::printf("test: loss %.6g, mse %.6g, mae %.6g, r2 %.4f (%zu samples)\n", tl, rm.mse(), rm.mae(), rm.r2(),
                  test_set.size());
      report.test_metrics = {{"loss", tl}, {"mse", rm.mse()}, {"mae", rm.mae()}, {"r2", rm.r2()}};
    }
  }
  if (!report_path.empty()) {
    const std::string html = render_run_report(report);
    write_file_atomically(report_path, {reinterpret_cast<const unsigned char*>(html.data()), html.size()});
    std::printf("report written to %s\n", report_path.c_str());
  }
  std::printf("model saved to %s\n", out_path.c_str());
  return 0;
}

}  // namespace

void register_train(CLI::App& app, Run& run) {
  CLI::App* cmd = app.add_subcommand("train", "Train a network on data and save the model");
  auto config = std::make_shared<std::string>();
  auto print = std::make_shared<bool>(false);
  cmd->add_option("-c,--config", *config, "JSON config file; flags override it");
  cmd->add_flag("--print-config", *print, "Print the resolved configuration as JSON and exit");
  auto resume = std::make_shared<std::string>();
  cmd->add_option("--resume", *resume,
                  "Continue the run saved in this checkpoint (--checkpoint); flags not given take the checkpoint's values");
  auto flags = std::make_shared<ConfigFlags>(cmd, train_schema());
  cmd->callback([&run, flags, config, print, resume] {
    run = [flags, config, print, resume] {
      Json cfg = flags->resolve(*config);
      if (*print) {
        resolve_dataset_shortcut(cfg);
        std::printf("%s\n", cfg.dump(2).c_str());
        return 0;
      }
      std::string bytes;
      if (!resume->empty()) {
        bytes = read_file(*resume);
        // The precision comes from the checkpoint unless given (its scalar size, read after its
        // checksum: a damaged byte is reported as corruption, not as a precision to resume with).
        if (!flags->given("precision"))
          cfg["precision"] = checkpoint_scalar_size(bytes, *resume) == 4 ? "float" : "double";
      }
      if (cfg["precision"] == "double") return run_train_as<double>(cfg, *flags, *resume, bytes);
      return run_train_as<float>(cfg, *flags, *resume, bytes);  // the schema admits float or double
    };
  });
}

}  // namespace bp::cli
