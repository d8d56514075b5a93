// The training loop over a Dataset: batches, optimizer steps, metrics per epoch, validation,
// early stopping; and evaluation of a trained network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <atomic>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "backprop/data/dataset.hpp"
#include "backprop/data/scaler.hpp"
#include "backprop/train/metrics.hpp"
#include "backprop/io/model.hpp"
#include "backprop/nn/network.hpp"
#include "backprop/optim/optimizer.hpp"
#include "backprop/train/progress.hpp"

namespace bp {

namespace dist {
class Communicator;
}

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

/// What one epoch did. Values that do not apply (accuracy in regression, validation without a
/// validation set) are NaN.
struct EpochStats {
  std::size_t epoch = 0;       ///< 1-based
  double lr = 0;               ///< learning rate used in this epoch
  double loss = kNoValue;      ///< mean training loss over the epoch's batches (before each update)
  double accuracy = kNoValue;  ///< running training accuracy over the epoch
  double val_loss = kNoValue;
  double val_accuracy = kNoValue;
  double seconds = 0;
  std::size_t samples = 0;
};

struct TrainOptions {
  std::size_t epochs = 10;      ///< > 0
  std::size_t batch_size = 32;  ///< 1 = online; 0 = full batch (needed by L-BFGS and iRPROP)
  std::uint64_t seed = 0;       ///< epoch orders and dropout masks
  double clip_norm = 0;         ///< > 0: scale gradients so their total L2 norm is at most this
  double clip_value = 0;        ///< > 0: clamp every gradient entry to [-v, v]
  /// Early stopping: "" (off), "loss", "val_loss" or "val_accuracy"; stops after `patience`
  /// epochs without an improvement larger than min_delta, and restores the best weights.
  std::string early_stopping;
  std::size_t patience = 5;
  double min_delta = 0;
  bool restore_best = true;
  /// When set (by a signal handler, another thread), training ends cleanly after the current step,
  /// with the weights that step left; TrainResult says where. Not owned; may be null.
  const std::atomic<bool>* stop = nullptr;
  /// Checkpoints: TrainCallbacks::checkpoint runs every `checkpoint_every` epochs (at the epoch's
  /// end) or optimizer steps (checkpoint_in_steps), and once more when `stop` ends the run. 0 = never.
  std::size_t checkpoint_every = 0;
  bool checkpoint_in_steps = false;
  /// Data parallelism (docs/distributed.md): when set, this process is one of group->size()
  /// processes that train together, each computing its share of every batch in chunks of
  /// `chunk` samples; the gradient is their exact sum (dist/chunked_sum.hpp), so the weights have
  /// the same bits for any number of processes. Not owned; `stop` is then obeyed by all at once.
  dist::Communicator* group = nullptr;
  std::size_t chunk = 0;  ///< samples per chunk (> 0 with a group); dist::default_chunk() suits most
  void validate(bool has_validation) const;  ///< throws UsageError naming the option
};

/// Everything besides the weights and the optimizer's state that decides the rest of a run: where
/// it is, the running sums of the epoch in progress, the finished epochs, and early stopping's
/// memory. A checkpoint stores it (include/backprop/io/checkpoint.hpp); train() given a TrainState
/// continues from it and ends bit-identical to the run that was never interrupted, because every
/// random choice is a function of (seed, epoch, batch): the epoch's order (BatchOrder) and the
/// dropout masks (reseeded per step).
template <class T>
struct TrainState {
  std::size_t epoch = 1;          ///< the epoch in progress, 1-based
  std::size_t batch = 0;          ///< batches of that epoch already done, 0..steps
  std::size_t steps = 0;          ///< batches per epoch (checked on resume)
  double loss_sum = 0;            ///< sum over the done batches of loss * batch size
  std::size_t correct = 0;        ///< correctly classified training samples so far this epoch
  std::size_t seen = 0;           ///< samples so far this epoch
  double seconds = 0;             ///< time spent in the epoch so far (statistics only)
  std::vector<EpochStats> history;  ///< the finished epochs
  double best = kNoValue;         ///< early stopping: best value of the monitored metric (±inf: none yet)
  std::size_t since_best = 0;     ///< early stopping: epochs without improvement
  std::size_t best_epoch = 0;     ///< early stopping: the epoch of `best`
  std::vector<Matrix<T>> best_weights;  ///< early stopping with restore: w then b of each layer
};

template <class T>
struct TrainCallbacks {
  /// Before each epoch (1-based): where a schedule sets the learning rate.
  std::function<void(std::size_t epoch, Optimizer<T>& opt)> before_epoch;
  /// After each epoch: logs, reduce-on-plateau. Returning false stops training.
  std::function<bool(const EpochStats&, Optimizer<T>& opt)> after_epoch;
  Progress* progress = nullptr;
  /// Writes a checkpoint (TrainOptions::checkpoint_every). Receives the state as of the end of the
  /// step or epoch just done; the network and the optimizer hold the matching values.
  std::function<void(const TrainState<T>&, const Optimizer<T>& opt)> checkpoint;
};

struct TrainResult {
  std::vector<EpochStats> epochs;
  std::size_t best_epoch = 0;  ///< the epoch whose weights the network holds at the end
  bool stopped_early = false;
  bool interrupted = false;       ///< TrainOptions::stop was raised
  std::size_t stopped_epoch = 0;  ///< when interrupted: the epoch (1-based) ...
  std::size_t stopped_batch = 0;  ///< ... and the last batch (1-based) that completed
};

/// Trains net on `train` (validation on `val` when not null) with `opt`. Features pass through
/// `scaler`; classification targets become one-hot rows. With `resume`, continues from that state
/// (net and opt must already hold the checkpoint's weights and optimizer state).
/// Throws UsageError when the data does not fit the network or `resume` does not fit the data;
/// DivergenceError naming the epoch, the batch and the layer when the loss or a gradient is not
/// finite -- the optimizer step is not taken, so the weights stay those of the last good step.
template <class T>
TrainResult train(Network<T>& net, Optimizer<T>& opt, const Dataset& train, const Dataset* val,
                  const Scaler& scaler, const TrainOptions& opts, const TrainCallbacks<T>& cb = {},
                  const TrainState<T>* resume = nullptr);

/// Loss and metrics of net on data, in batches of batch_size, in evaluation mode (no dropout) via
/// the const Network::predict: the network is not changed, so threads may evaluate one network
/// at once. Fills cm (classification) or rm (regression) when given; returns the mean loss over
/// samples.
template <class T>
double evaluate(const Network<T>& net, const Dataset& data, const Scaler& scaler, std::size_t batch_size,
                ClassificationMetrics<T>* cm, RegressionMetrics<T>* rm);

}  // namespace bp
