// The epoch/batch loop: gather, preprocess, forward, loss, backward, clip, optimizer step.
#include "backprop/trainer.hpp"

#include <algorithm>
#include <bit>
#include <type_traits>
#include <chrono>
#include <cmath>
#include <numeric>

#include "backprop/error.hpp"
#include "backprop/optim/clip.hpp"
#include "fused_sgd.hpp"

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
  const std::size_t steps = (N + B - 1) / B;
  BatchOrder order(N, opts.seed, /*shuffle=*/B < N);
  const bool uses_dropout = has_dropout(net);
  const ParamSpan<T> ps = net.params();
  const bool maximize = opts.early_stopping == "val_accuracy";
  TrainState<T> st;
  if (resume) {
    check_resume(*resume, ps, steps, opts.epochs);
    st = *resume;
  } else {
    st.steps = steps;
    st.best = maximize ? -INFINITY : INFINITY;
  }
  Matrix<T> x, y;
  TrainResult result;
  result.epochs = st.history;
  const bool classify = data.is_classification();
  // The live metrics, updated in place each step (no allocation in the loop).
  std::vector<std::pair<std::string, double>> live{{"loss", 0.0}};
  if (classify) live.emplace_back("accuracy", 0.0);
  T batch_loss = 0;
  const Closure<T> closure = [&]() -> T {
    net.zero_grad();
    net.forward(x);
    batch_loss = net.loss_value(y);
    net.backward(x, y);
    if (opts.clip_value > 0) clip_grad_value<T>(ps, opts.clip_value);
    if (opts.clip_norm > 0) clip_grad_norm<T>(ps, opts.clip_norm);
    return batch_loss;
  };
  // Plain SGD without clipping on a chain of dense layers takes the fused step
  // (fused::backward_sgd): the same bits, with each weight gradient applied while it is hot
  // instead of in a pass of its own.
  const bool fusable = opts.clip_value == 0 && opts.clip_norm == 0 && !opt.needs_closure();
  std::vector<SgdStep<T>> fused_steps(ps.size());
  auto diverged = [&](const std::string& what, std::size_t epoch, std::size_t step) {
    return DivergenceError(what + " at epoch " + std::to_string(epoch) + ", batch " + std::to_string(step + 1) +
                           " of " + std::to_string(steps) + "; the step was not taken: lower the learning rate (now " +
                           std::to_string(opt.lr()) + "), clip gradients (--clip-norm) or check the data");
  };
  while (st.epoch <= opts.epochs) {
    const std::size_t epoch = st.epoch;
    if (cb.before_epoch) cb.before_epoch(epoch, opt);
    if (cb.progress) cb.progress->begin_epoch(epoch, opts.epochs, steps, N);
    const auto idx = order.order(epoch - 1);
    auto t0 = std::chrono::steady_clock::now();
    net.set_training(true);
    for (std::size_t step = st.batch; step < steps; ++step) {
      const std::size_t start = step * B, nb = std::min(B, N - start);
      const std::size_t global_step = (epoch - 1) * steps + step + 1;
      scaler.gather(data, idx.subspan(start, nb), x, y);  // gather + apply, one pass for bytes
      // Dropout masks depend only on (seed, step), so a resumed run draws the same ones.
      if (uses_dropout) net.seed_dropout(mix64(opts.seed ^ mix64(global_step)));
      if (opt.needs_closure()) {
        opt.step(ps, &closure);
        if (!std::isfinite(double(batch_loss)))
          throw diverged("loss became " + std::to_string(double(batch_loss)) + where_forward(net), epoch, step);
        for (std::size_t k = 0; k < ps.size(); ++k)
          if (!all_finite<T>(ps[k]->value))
            throw diverged(ps[k]->name() + " became non-finite in the optimizer step",
                           epoch, step);
      } else {
        bool fused = false;
        if (fusable && opt.plan_fused_sgd(ps, fused_steps)) {
          net.forward(x);
          batch_loss = net.loss_value(y);
          fused = std::isfinite(double(batch_loss)) && fused::backward_sgd<T>(net, x, y, fused_steps);
          if (fused) {
            opt.commit_fused_sgd(ps);
          } else {  // the general path below finds and reports what is not finite
            net.zero_grad();
            net.backward(x, y);
          }
        } else {
          closure();
        }
        if (!fused) {
          if (!std::isfinite(double(batch_loss)))
            throw diverged("loss became " + std::to_string(double(batch_loss)) + where_forward(net), epoch, step);
          for (std::size_t k = ps.size(); k-- > 0;)  // from the output down: where backward met it first
            if (!all_finite<T>(ps[k]->grad))
              throw diverged("the gradient of " + ps[k]->name() + " is not finite (loss " +
                                 std::to_string(double(batch_loss)) + ")",
                             epoch, step);
          opt.step_with_loss(ps, batch_loss);
        }
      }
      st.loss_sum += double(batch_loss) * double(nb);
      st.seen += nb;
      if (classify) st.correct += correct_in_batch(net.output(), y);
      st.batch = step + 1;
      if (cb.progress) {
        live[0].second = st.loss_sum / double(st.seen);
        if (classify) live[1].second = double(st.correct) / double(st.seen);
        cb.progress->update(step + 1, st.seen, live);
      }
      const bool interrupted = opts.stop && opts.stop->load(std::memory_order_relaxed);
      if (interrupted || (opts.checkpoint_in_steps && opts.checkpoint_every > 0 &&
                          global_step % opts.checkpoint_every == 0)) {
        const auto now = std::chrono::steady_clock::now();
        st.seconds += std::chrono::duration<double>(now - t0).count();
        t0 = now;
        if (cb.checkpoint) cb.checkpoint(st, opt);
      }
      if (interrupted) {
        net.set_training(false);
        result.interrupted = true;
        result.stopped_epoch = epoch;
        result.stopped_batch = step + 1;
        result.best_epoch = epoch;  // the weights are those of the interrupted epoch
        return result;
      }
    }
    net.set_training(false);
    EpochStats s;
    s.epoch = epoch;
    s.lr = opt.lr();
    s.loss = st.loss_sum / double(N);
    if (classify) s.accuracy = double(st.correct) / double(N);
    if (val) {
      if (val->is_classification()) {
        ClassificationMetrics<T> cm(val->classes());
        s.val_loss = evaluate<T>(net, *val, scaler, 1024, &cm, nullptr);
        s.val_accuracy = cm.accuracy();
      } else {
        s.val_loss = evaluate<T>(net, *val, scaler, 1024, nullptr, nullptr);
      }
    }
    s.samples = N;
    s.seconds = st.seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (cb.progress) {
      std::vector<std::pair<std::string, double>> m{{"loss", s.loss}};
      if (classify) m.emplace_back("accuracy", s.accuracy);
      if (val) m.emplace_back("val_loss", s.val_loss);
      if (val && classify) m.emplace_back("val_accuracy", s.val_accuracy);
      cb.progress->end_epoch(m);
    }
    st.history.push_back(s);
    result.epochs.push_back(s);
    bool stop = cb.after_epoch && !cb.after_epoch(s, opt);
    if (!opts.early_stopping.empty()) {
      const double v = opts.early_stopping == "loss" ? s.loss
                       : opts.early_stopping == "val_loss" ? s.val_loss : s.val_accuracy;
      const bool better = maximize ? v > st.best + opts.min_delta : v < st.best - opts.min_delta;
      if (better) {
        st.best = v;
        st.since_best = 0;
        if (opts.restore_best) {
          st.best_weights.clear();
          for (auto* p : ps) st.best_weights.push_back(p->value);
        }
        st.best_epoch = epoch;
      } else if (++st.since_best >= opts.patience) {
        result.stopped_early = true;
        stop = true;
      }
    }
    st.epoch = epoch + 1;
    st.batch = 0;
    st.loss_sum = 0;
    st.correct = st.seen = 0;
    st.seconds = 0;
    if (stop) break;
    if (!opts.checkpoint_in_steps && opts.checkpoint_every > 0 && epoch % opts.checkpoint_every == 0 &&
        cb.checkpoint)
      cb.checkpoint(st, opt);
  }
  result.best_epoch = result.epochs.size();
  if (!st.best_weights.empty()) {  // early stopping with restore_best
    for (std::size_t k = 0; k < ps.size(); ++k) ps[k]->assign(st.best_weights[k]);
    result.best_epoch = st.best_epoch;
  }
  return result;
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
