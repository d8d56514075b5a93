// The Python module's C++ core: one trained network, its optimizer and what fit needs between
// calls, on top of the same library as the CLI (no Python types here; bindings.cpp wraps it).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backprop/data/scaler.hpp"
#include "backprop/io/model.hpp"
#include "backprop/optim/optimizer.hpp"
#include "backprop/optim/options.hpp"
#include "backprop/optim/schedule.hpp"
#include "backprop/train/trainer.hpp"

namespace bp::python {

using Json = nlohmann::ordered_json;

/// Training data as the Python layer hands it over: features borrowed from a float32 C-order
/// array (never copied), and class indices (classification) or (N, K) targets (regression).
struct FitData {
  std::span<const float> x;
  std::size_t features = 0;
  std::vector<std::uint32_t> labels;     ///< classification: one per sample, < class_names.size()
  std::vector<std::string> class_names;  ///< classification; empty for regression
  std::vector<float> targets;            ///< regression: N * k values
  std::size_t k = 0;
};

struct FitReport {
  std::vector<EpochStats> epochs;  ///< the epochs of this call
  bool interrupted = false;
  bool stopped_early = false;
  std::size_t best_epoch = 0;
};

using EpochFn = std::function<void(const EpochStats&)>;

/// One model (float or double) and the state that partial_fit continues. The configuration is
/// the JSON object the Python layer builds from the estimator's parameters (docs/python.md).
template <class T>
class Core {
 public:
  Core() = default;
  /// A trained model from .bpm bytes (save/load, pickle); throws DataError when malformed.
  static std::unique_ptr<Core> from_bytes(const std::string& bytes, const std::string& name);

  bool built() const noexcept { return net().depth() > 0; }
  /// A fresh network (weights drawn from cfg["seed"]) trained for cfg["epochs"] epochs: the
  /// same steps as `backprop train` with the same data, configuration and seed.
  FitReport fit(const FitData& data, const Json& cfg, const std::atomic<bool>* stop, const EpochFn& on_epoch);
  /// One more epoch on `data`, continuing the network and the optimizer (built on the first call).
  FitReport partial_fit(const FitData& data, const Json& cfg, const std::atomic<bool>* stop,
                        const EpochFn& on_epoch);
  /// x (n, in) row-major -> out (n, out); the output activation included. Thread safe.
  void predict(const T* x, std::size_t n, T* out) const;

  std::vector<unsigned char> to_bytes() const { return model_to_bytes(model_.net, model_.info); }
  const ModelInfo& info() const noexcept { return model_.info; }
  ModelInfo& info() noexcept { return model_.info; }
  const Network<T>& net() const noexcept { return model_.net; }
  /// The trace of `backprop explain --format json` for one sample (x, t) and learning rate lr.
  std::string explain_json(std::span<const double> x, std::span<const double> t, double lr) const;

 private:
  void build(const Json& cfg, Dataset& train);
  void make_opt(const Json& cfg);
  FitReport run(const Dataset& train, const Dataset* val, const Json& cfg, std::size_t epochs,
                std::uint64_t seed, const std::atomic<bool>* stop, const EpochFn& on_epoch);
  TrainCallbacks<T> callbacks(const Json& cfg, std::size_t epochs, const EpochFn& on_epoch);

  Model<T> model_;
  std::unique_ptr<Optimizer<T>> opt_;
  std::unique_ptr<ReduceOnPlateau> plateau_;
  double base_lr_ = 0;
  bool single_binary_ = false;
  std::size_t partial_calls_ = 0;
  Scaler scaler_;  // a loaded CLI model's preprocessing (fit's models have none)
  mutable std::mutex predict_mutex_;  // guards the cached buffers below
  mutable Matrix<T> x_, out_;
  mutable InferenceScratch<T> scratch_;
};

/// The Dataset for `data`, its features borrowed.
Dataset make_dataset(const FitData& data);
/// OptimizerOptions from the configuration's "optimizer" object; UsageError naming an unknown key.
OptimizerOptions optimizer_options(const Json& o);

}  // namespace bp::python
