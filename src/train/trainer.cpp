// The epoch/batch loop: gather, preprocess, forward, loss, backward, clip, optimizer step.
#include "backprop/train/trainer.hpp"

#include <algorithm>
#include <bit>
#include <type_traits>
#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>

#include "backprop/core/error.hpp"
#include "backprop/dist/chunked_sum.hpp"
#include "backprop/nn/batchnorm.hpp"
#include "backprop/optim/clip.hpp"
#include "nn/fused/fused_sgd.hpp"

namespace bp {

void TrainOptions::validate(bool has_validation) const {
  if (epochs == 0) throw UsageError("--epochs 0; expected at least 1");
  if (!(clip_norm >= 0) || !std::isfinite(clip_norm))
    throw UsageError("--clip-norm " + std::to_string(clip_norm) + "; expected a finite value >= 0");
  if (!(clip_value >= 0) || !std::isfinite(clip_value))
    throw UsageError("--clip-value " + std::to_string(clip_value) + "; expected a finite value >= 0");
  if (!early_stopping.empty() && early_stopping != "loss" && early_stopping != "val_loss" &&
      early_stopping != "val_accuracy")
    throw UsageError("--early-stopping '" + early_stopping + "'; expected loss, val_loss or val_accuracy");
  if (early_stopping.rfind("val_", 0) == 0 && !has_validation)
    throw UsageError("--early-stopping " + early_stopping + " needs a validation set (--validation-split)");
  if (!(min_delta >= 0)) throw UsageError("--min-delta must be >= 0");
}

namespace {

// Correct predictions in a batch: argmax against the one-hot target; one output column (two
// classes, one sigmoid output) is class 1 when above 0.5, as ClassificationMetrics reads it.
template <class T>
std::size_t correct_in_batch(const Matrix<T>& out, const Matrix<T>& onehot) {
  std::size_t c = 0;
  if (out.cols() == 1) {
    for (std::size_t n = 0; n < out.rows(); ++n) c += (out(n, 0) > T(0.5)) == (onehot(n, 0) > T(0.5));
    return c;
  }
  for (std::size_t n = 0; n < out.rows(); ++n) {
    const auto o = out.row(n), t = onehot.row(n);
    const auto pred = std::max_element(o.begin(), o.end()) - o.begin();
    const auto truth = std::max_element(t.begin(), t.end()) - t.begin();
    c += pred == truth;
  }
  return c;
}

// SplitMix64's finalizer: decorrelates (seed, step) pairs for the dropout generator.
std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

template <class T>
bool has_dropout(const Network<T>& net) {
  for (std::size_t l = 0; l < net.depth(); ++l)
    if (const auto* d = net.layer(l).template as<Dropout<T>>(); d && d->p() > 0) return true;
  return false;
}

// True when no value is NaN or ±inf: an OR over "exponent bits all set", which vectorises (a
// floating-point sum would not, without reassociation). One pass over the gradients per step.
template <class T>
bool all_finite(const Matrix<T>& m) {
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  constexpr U kExp = sizeof(T) == 4 ? U(0x7f800000u) : U(0x7ff0000000000000ull);
  const T* p = m.data();
  U bad = 0;
  for (std::size_t k = 0; k < m.size(); ++k) bad |= U((std::bit_cast<U>(p[k]) & kExp) == kExp);
  return bad == 0;
}

// ", first in layer L's output" for the first layer whose forward output is not finite.
template <class T>
std::string where_forward(const Network<T>& net) {
  for (std::size_t l = 0; l < net.depth(); ++l) {
    const Layer<T>& layer = net.layer(l);
    if (!all_finite(net.output(l)) || (layer.output_activation() && !all_finite(layer.pre_activation())))
      return " (first non-finite value in the output of layer " + std::to_string(l + 1) + " of " +
             std::to_string(net.depth()) + ", " + layer.name() + ")";
  }
  return " (every layer's output is finite: the loss itself overflowed)";
}

template <class T>
void check_resume(const TrainState<T>& st, ParamSpan<T> ps, std::size_t steps,
                  std::size_t epochs) {
  if (st.steps != steps)
    throw UsageError("the checkpoint was made with " + std::to_string(st.steps) +
                     " batches per epoch; this run has " + std::to_string(steps) +
                     " (a different batch size or training set)");
  if (st.epoch < 1 || st.epoch > epochs + 1 || st.batch > steps)
    throw UsageError("the checkpoint is at epoch " + std::to_string(st.epoch) + ", batch " +
                     std::to_string(st.batch) + "; this run has " + std::to_string(epochs) +
                     " epochs of " + std::to_string(steps) + " batches");
  if (!st.best_weights.empty()) {
    bool fits = st.best_weights.size() == ps.size();
    for (std::size_t k = 0; fits && k < ps.size(); ++k)
      fits = st.best_weights[k].rows() == ps[k]->value.rows() && st.best_weights[k].cols() == ps[k]->value.cols();
    if (!fits) throw UsageError("the checkpoint's early-stopping weights do not fit the network");
  }
}

template <class T>
void check_fits(const Network<T>& net, const Dataset& d, const char* what) {
  if (d.features() != net.in())
    throw UsageError(std::string(what) + " has " + std::to_string(d.features()) +
                     " features per sample, expected " + std::to_string(net.in()) + " (the network's input)");
  if (d.target_width() != net.out())
    throw UsageError(std::string(what) + " has " + std::to_string(d.target_width()) +
                     (d.is_classification() ? " classes" : " targets") + ", expected " +
                     std::to_string(net.out()) + " (the network's output)");
}

// What a process group (TrainOptions::group) cannot do deterministically, or at all.
template <class T>
void check_group(const Network<T>& net, const Optimizer<T>& opt, const TrainOptions& opts, std::size_t B) {
  const auto P = static_cast<std::size_t>(opts.group->size());
  if (B < P)
    throw UsageError("--batch-size " + std::to_string(B) + " with " + std::to_string(P) +
                     " MPI processes: every process computes a share of each batch; expected a batch of at least " +
                     std::to_string(P) + " samples, or fewer processes");
  if (opts.chunk == 0) throw UsageError("--mpi-chunk 0; expected at least 1 sample per chunk");
  const std::size_t chunks = dist::chunk_count(B, opts.chunk);
  if (chunks < P)
    throw UsageError("--mpi-chunk " + std::to_string(opts.chunk) + " cuts a batch of " + std::to_string(B) +
                     " into " + std::to_string(chunks) + " chunks, fewer than the " + std::to_string(P) +
                     " MPI processes (each computes whole chunks); expected --mpi-chunk " +
                     std::to_string(B / P) + " or less");
  if (opt.needs_closure())
    throw UsageError("optimizer " + std::string(opt.name()) +
                     " under MPI: its line search is not supported across processes; expected another optimizer");
  for (std::size_t l = 0; l < net.depth(); ++l)
    if (net.layer(l).template as<BatchNorm<T>>())
      throw UsageError("layer " + std::to_string(l + 1) + " (" + net.layer(l).name() +
                       ") under MPI: batch normalisation's batch statistics would depend on how the batch is "
                       "split across processes; expected a network without batchnorm");
}

template <class T>
TrainState<T> initial_state(const TrainOptions& opts, const TrainState<T>* resume, ParamSpan<T> ps,
                            std::size_t steps) {
  TrainState<T> st;
  if (resume) {
    check_resume(*resume, ps, steps, opts.epochs);
    return *resume;
  }
  st.steps = steps;
  st.best = opts.early_stopping == "val_accuracy" ? -INFINITY : INFINITY;
  return st;
}

// One run of train(): the epoch and batch loop over the state it was given. Everything it needs in
// the loop is allocated here, before the first step.
template <class T>
class Run {
 public:
  Run(Network<T>& net, Optimizer<T>& opt, const Dataset& data, const Dataset* val, const Scaler& scaler,
      const TrainOptions& opts, const TrainCallbacks<T>& cb, std::size_t batch, TrainState<T>& st)
      : net_(net), opt_(opt), data_(data), val_(val), scaler_(scaler), opts_(opts), cb_(cb), st_(st),
        N_(data.size()), B_(batch), steps_((N_ + B_ - 1) / B_), order_(N_, opts.seed, /*shuffle=*/B_ < N_),
        ps_(net.params()), fused_steps_(ps_.size()), classify_(data.is_classification()),
        uses_dropout_(has_dropout(net)),
        // Plain SGD without clipping on a chain of dense layers takes the fused step
        // (fused::backward_sgd): the same bits, with each weight gradient applied while it is hot
        // instead of in a pass of its own.
        fusable_(opts.clip_value == 0 && opts.clip_norm == 0 && !opt.needs_closure()) {
    if (classify_) live_.emplace_back("accuracy", 0.0);
    if (opts.group) sum_ = std::make_unique<dist::ChunkedSum<T>>(ps_, *opts.group, opts.chunk, B_);
  }

  TrainResult run() {
    TrainResult result;
    result.epochs = st_.history;
    while (st_.epoch <= opts_.epochs) {
      const std::size_t epoch = st_.epoch;
      if (!run_epoch(epoch, result)) return result;  // interrupted
      const EpochStats s = epoch_stats(epoch);
      st_.history.push_back(s);
      result.epochs.push_back(s);
      bool stop = cb_.after_epoch && !cb_.after_epoch(s, opt_);
      if (!opts_.early_stopping.empty() && no_better(s, epoch)) {
        result.stopped_early = true;
        stop = true;
      }
      st_.epoch = epoch + 1;
      st_.batch = 0;
      st_.loss_sum = 0;
      st_.correct = st_.seen = 0;
      st_.seconds = 0;
      if (stop) break;
      if (!opts_.checkpoint_in_steps && opts_.checkpoint_every > 0 && epoch % opts_.checkpoint_every == 0 &&
          cb_.checkpoint)
        cb_.checkpoint(st_, opt_);
    }
    result.best_epoch = result.epochs.size();
    if (!st_.best_weights.empty()) {  // early stopping with restore_best
      for (std::size_t k = 0; k < ps_.size(); ++k) ps_[k]->assign(st_.best_weights[k]);
      result.best_epoch = st_.best_epoch;
    }
    return result;
  }

 private:
  // The batches of one epoch from st_.batch on; false when interrupted (result says where).
  bool run_epoch(std::size_t epoch, TrainResult& result) {
    if (cb_.before_epoch) cb_.before_epoch(epoch, opt_);
    if (cb_.progress) cb_.progress->begin_epoch(epoch, opts_.epochs, steps_, N_);
    const auto idx = order_.order(epoch - 1);
    t0_ = std::chrono::steady_clock::now();
    net_.set_training(true);
    for (std::size_t step = st_.batch; step < steps_; ++step) {
      const std::size_t start = step * B_, nb = std::min(B_, N_ - start);
      const std::size_t global_step = (epoch - 1) * steps_ + step + 1;
      if (sum_) {
        take_group_step(epoch, step, idx.subspan(start, nb), global_step);
      } else {
        scaler_.gather(data_, idx.subspan(start, nb), x_, y_);  // gather + apply, one pass for bytes
        // Dropout masks depend only on (seed, step), so a resumed run draws the same ones.
        if (uses_dropout_) net_.seed_dropout(mix64(opts_.seed ^ mix64(global_step)));
        take_step(epoch, step);
      }
      count_step(step, nb);
      const bool interrupted = sum_ ? group_stop_ : opts_.stop && opts_.stop->load(std::memory_order_relaxed);
      if (interrupted || (opts_.checkpoint_in_steps && opts_.checkpoint_every > 0 &&
                          global_step % opts_.checkpoint_every == 0)) {
        const auto now = std::chrono::steady_clock::now();
        st_.seconds += std::chrono::duration<double>(now - t0_).count();
        t0_ = now;
        if (cb_.checkpoint) cb_.checkpoint(st_, opt_);
      }
      if (interrupted) {
        net_.set_training(false);
        result.interrupted = true;
        result.stopped_epoch = epoch;
        result.stopped_batch = step + 1;
        result.best_epoch = epoch;  // the weights are those of the interrupted epoch
        return false;
      }
    }
    net_.set_training(false);
    return true;
  }

  // The gradient of the mean loss of the batch in x_, y_.
  void forward_backward() {
    net_.zero_grad();
    net_.forward(x_);
    batch_loss_ = net_.loss_value(y_);
    net_.backward(x_, y_);
  }

  void clip() {
    if (opts_.clip_value > 0) clip_grad_value<T>(ps_, opts_.clip_value);
    if (opts_.clip_norm > 0) clip_grad_norm<T>(ps_, opts_.clip_norm);
  }

  T closure() {
    forward_backward();
    clip();
    return batch_loss_;
  }

  DivergenceError diverged(const std::string& what, std::size_t epoch, std::size_t step) const {
    return DivergenceError(what + " at epoch " + std::to_string(epoch) + ", batch " + std::to_string(step + 1) +
                           " of " + std::to_string(steps_) + "; the step was not taken: lower the learning rate (now " +
                           std::to_string(opt_.lr()) + "), clip gradients (--clip-norm) or check the data");
  }

  void check_loss(std::size_t epoch, std::size_t step) const {
    if (!std::isfinite(double(batch_loss_)))
      throw diverged("loss became " + std::to_string(double(batch_loss_)) + where_forward(net_), epoch, step);
  }

  // One optimizer step on the batch in x_, y_; throws DivergenceError before a non-finite step.
  void take_step(std::size_t epoch, std::size_t step) {
    if (opt_.needs_closure()) {
      opt_.step(ps_, &closure_fn_);
      check_loss(epoch, step);
      for (std::size_t k = 0; k < ps_.size(); ++k)
        if (!all_finite<T>(ps_[k]->value))
          throw diverged(ps_[k]->name() + " became non-finite in the optimizer step", epoch, step);
      return;
    }
    if (fusable_ && opt_.plan_fused_sgd(ps_, fused_steps_)) {
      net_.forward(x_);
      batch_loss_ = net_.loss_value(y_);
      if (std::isfinite(double(batch_loss_)) && fused::backward_sgd<T>(net_, x_, y_, fused_steps_)) {
        opt_.commit_fused_sgd(ps_);
        return;
      }
      net_.zero_grad();  // the general path below finds and reports what is not finite
      net_.backward(x_, y_);
    } else {
      closure();
    }
    check_loss(epoch, step);
    for (std::size_t k = ps_.size(); k-- > 0;)  // from the output down: where backward met it first
      if (!all_finite<T>(ps_[k]->grad))
        throw diverged("the gradient of " + ps_[k]->name() + " is not finite (loss " +
                           std::to_string(double(batch_loss_)) + ")",
                       epoch, step);
    opt_.step_with_loss(ps_, batch_loss_);
  }

  // One step of a process group (TrainOptions::group) on the batch `rows`: this process's chunks,
  // their exact sum over every process, then on every process the same clipping and update.
  void take_group_step(std::size_t epoch, std::size_t step, std::span<const std::size_t> rows,
                       std::size_t global_step) {
    const std::size_t c = sum_->chunk();
    const dist::ChunkRange mine = sum_->mine(rows.size());
    for (std::size_t k = mine.first; k < mine.last; ++k) {
      const std::size_t start = k * c, n = std::min(c, rows.size() - start);
      scaler_.gather(data_, rows.subspan(start, n), x_, y_);
      // Dropout masks depend on (seed, step, the chunk's first sample in the batch): not on P.
      if (uses_dropout_) net_.seed_dropout(mix64(mix64(opts_.seed ^ mix64(global_step)) ^ mix64(start)));
      forward_backward();
      sum_->add(k - mine.first, n, double(batch_loss_), classify_ ? correct_in_batch(net_.output(), y_) : 0);
    }
    const dist::BatchTotals t = sum_->reduce(rows.size(), opts_.stop && opts_.stop->load(std::memory_order_relaxed));
    if (t.not_finite == "loss") throw diverged("the loss became non-finite", epoch, step);
    if (!t.not_finite.empty()) throw diverged("the gradient of " + t.not_finite + " is not finite", epoch, step);
    batch_loss_ = T(t.loss);
    group_correct_ = t.correct;
    group_stop_ = t.stop;
    clip();
    opt_.step_with_loss(ps_, batch_loss_);
  }

  // The running loss and accuracy of the epoch, and the progress line.
  void count_step(std::size_t step, std::size_t nb) {
    st_.loss_sum += double(batch_loss_) * double(nb);
    st_.seen += nb;
    if (classify_) st_.correct += sum_ ? group_correct_ : correct_in_batch(net_.output(), y_);
    st_.batch = step + 1;
    if (!cb_.progress) return;
    live_[0].second = st_.loss_sum / double(st_.seen);
    if (classify_) live_[1].second = double(st_.correct) / double(st_.seen);
    cb_.progress->update(step + 1, st_.seen, live_);
  }

  EpochStats epoch_stats(std::size_t epoch) {
    EpochStats s;
    s.epoch = epoch;
    s.lr = opt_.lr();
    s.loss = st_.loss_sum / double(N_);
    if (classify_) s.accuracy = double(st_.correct) / double(N_);
    if (val_ && val_->is_classification()) {
      ClassificationMetrics<T> cm(val_->classes());
      s.val_loss = evaluate<T>(net_, *val_, scaler_, 1024, &cm, nullptr);
      s.val_accuracy = cm.accuracy();
    } else if (val_) {
      s.val_loss = evaluate<T>(net_, *val_, scaler_, 1024, nullptr, nullptr);
    }
    s.samples = N_;
    s.seconds = st_.seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    if (cb_.progress) {
      std::vector<std::pair<std::string, double>> m{{"loss", s.loss}};
      if (classify_) m.emplace_back("accuracy", s.accuracy);
      if (val_) m.emplace_back("val_loss", s.val_loss);
      if (val_ && classify_) m.emplace_back("val_accuracy", s.val_accuracy);
      cb_.progress->end_epoch(m);
    }
    return s;
  }

  // Early stopping: records an improvement (and the best weights); true when patience ran out.
  bool no_better(const EpochStats& s, std::size_t epoch) {
    const bool maximize = opts_.early_stopping == "val_accuracy";
    const double v = opts_.early_stopping == "loss" ? s.loss
                     : opts_.early_stopping == "val_loss" ? s.val_loss : s.val_accuracy;
    const bool better = maximize ? v > st_.best + opts_.min_delta : v < st_.best - opts_.min_delta;
    if (!better) return ++st_.since_best >= opts_.patience;
    st_.best = v;
    st_.since_best = 0;
    if (opts_.restore_best) {
      st_.best_weights.clear();
      for (auto* p : ps_) st_.best_weights.push_back(p->value);
    }
    st_.best_epoch = epoch;
    return false;
  }

  Network<T>& net_;
  Optimizer<T>& opt_;
  const Dataset& data_;
  const Dataset* val_;
  const Scaler& scaler_;
  const TrainOptions& opts_;
  const TrainCallbacks<T>& cb_;
  TrainState<T>& st_;
  const std::size_t N_, B_, steps_;
  BatchOrder order_;
  const ParamSpan<T> ps_;
  std::vector<SgdStep<T>> fused_steps_;
  const bool classify_, uses_dropout_, fusable_;
  Matrix<T> x_, y_;
  T batch_loss_ = 0;
  // The live metrics, updated in place each step (no allocation in the loop).
  std::vector<std::pair<std::string, double>> live_{{"loss", 0.0}};
  std::chrono::steady_clock::time_point t0_;
  const Closure<T> closure_fn_ = [this] { return closure(); };
  std::unique_ptr<dist::ChunkedSum<T>> sum_;  // with a process group only
  std::size_t group_correct_ = 0;
  bool group_stop_ = false;
};

}  // namespace

template <class T>
double evaluate(const Network<T>& net, const Dataset& data, const Scaler& scaler, std::size_t batch_size,
                ClassificationMetrics<T>* cm, RegressionMetrics<T>* rm) {
  check_fits(net, data, "the evaluation data");
  const std::size_t N = data.size();
  if (N == 0) throw UsageError("the evaluation data is empty");
  const std::size_t B = batch_size == 0 ? 1024 : batch_size;
  std::vector<std::size_t> rows(std::min(B, N));
  Matrix<T> x, y, out;
  InferenceScratch<T> scratch;
  double sum = 0;
  for (std::size_t start = 0; start < N; start += B) {
    const std::size_t nb = std::min(B, N - start);
    rows.resize(nb);
    std::iota(rows.begin(), rows.end(), start);
    scaler.gather(data, rows, x, y);  // gather + apply, one pass for byte features
    net.predict(x, out, scratch);
    sum += double(net.loss_value(y, out, scratch)) * double(nb);
    if (cm) cm->add_batch(out, y);
    if (rm) rm->add_batch(out, y);
  }
  return sum / double(N);
}

template <class T>
TrainResult train(Network<T>& net, Optimizer<T>& opt, const Dataset& data, const Dataset* val,
                  const Scaler& scaler, const TrainOptions& opts, const TrainCallbacks<T>& cb,
                  const TrainState<T>* resume) {
  opts.validate(val != nullptr);
  check_fits(net, data, "the training data");
  if (val) check_fits(net, *val, "the validation data");
  const std::size_t N = data.size();
  if (N == 0) throw UsageError("the training data is empty");
  const std::size_t B = (opts.batch_size == 0 || opts.batch_size > N) ? N : opts.batch_size;
  if ((opt.needs_closure() || opt.needs_loss()) && B != N)
    throw UsageError("optimizer " + std::string(opt.name()) +
                     " is a full-batch method; use --batch-size full (got " + std::to_string(B) + ")");
  if (opts.group) check_group(net, opt, opts, B);
  TrainState<T> st = initial_state<T>(opts, resume, net.params(), (N + B - 1) / B);
  return Run<T>(net, opt, data, val, scaler, opts, cb, B, st).run();
}

#define BP_INSTANTIATE(T)                                                                           \
  template double evaluate<T>(const Network<T>&, const Dataset&, const Scaler&, std::size_t,       \
                              ClassificationMetrics<T>*, RegressionMetrics<T>*);                    \
  template TrainResult train<T>(Network<T>&, Optimizer<T>&, const Dataset&, const Dataset*,         \
                                const Scaler&, const TrainOptions&, const TrainCallbacks<T>&,       \
                                const TrainState<T>*);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp
