// The epoch/batch loop: gather, preprocess, forward, loss, backward, clip, optimizer step.
#include "backprop/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "backprop/error.hpp"
#include "backprop/optim/clip.hpp"

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

template <class T>
std::vector<Param<T>*> params_of(Network<T>& net) {
  std::vector<Param<T>*> ps;
  for (auto& l : net.layers()) {
    ps.push_back(&l.weights());
    ps.push_back(&l.bias());
  }
  return ps;
}

template <class T>
std::size_t correct_in_batch(const Matrix<T>& out, const Matrix<T>& onehot) {
  std::size_t c = 0;
  for (std::size_t n = 0; n < out.rows(); ++n) {
    const auto o = out.row(n), t = onehot.row(n);
    const auto pred = std::max_element(o.begin(), o.end()) - o.begin();
    const auto truth = std::max_element(t.begin(), t.end()) - t.begin();
    c += pred == truth;
  }
  return c;
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
double evaluate(Network<T>& net, const Dataset& data, const Scaler& scaler, std::size_t batch_size,
                ClassificationMetrics<T>* cm, RegressionMetrics<T>* rm) {
  check_fits(net, data, "the evaluation data");
  const std::size_t N = data.size();
  if (N == 0) throw UsageError("the evaluation data is empty");
  const std::size_t B = batch_size == 0 ? 1024 : batch_size;
  const bool was_training = net.training();
  net.set_training(false);
  std::vector<std::size_t> rows(std::min(B, N));
  Matrix<T> x, y;
  double sum = 0;
  for (std::size_t start = 0; start < N; start += B) {
    const std::size_t nb = std::min(B, N - start);
    rows.resize(nb);
    std::iota(rows.begin(), rows.end(), start);
    data.gather<T>(rows, x, y);
    scaler.apply(x);
    const Matrix<T>& out = net.forward(x);
    sum += double(net.loss_value(y)) * double(nb);
    if (cm) cm->add_batch(out, y);
    if (rm) rm->add_batch(out, y);
  }
  net.set_training(was_training);
  return sum / double(N);
}

template <class T>
TrainResult train(Network<T>& net, Optimizer<T>& opt, const Dataset& data, const Dataset* val,
                  const Scaler& scaler, const TrainOptions& opts, const TrainCallbacks<T>& cb) {
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
  net.seed_dropout(opts.seed ^ 0x9e3779b97f4a7c15ull);
  auto ps = params_of(net);
  Matrix<T> x, y;
  std::vector<std::size_t> rows;
  rows.reserve(B);
  TrainResult result;
  const bool classify = data.is_classification();
  // Early stopping state: the best value and a copy of the weights that achieved it.
  const bool maximize = opts.early_stopping == "val_accuracy";
  double best = maximize ? -INFINITY : INFINITY;
  std::size_t since_best = 0, best_epoch = 0;
  std::vector<Matrix<T>> best_weights;
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
  for (std::size_t epoch = 1; epoch <= opts.epochs; ++epoch) {
    if (cb.before_epoch) cb.before_epoch(epoch, opt);
    EpochStats s;
    s.epoch = epoch;
    s.lr = opt.lr();
    const auto t0 = std::chrono::steady_clock::now();
    if (cb.progress) cb.progress->begin_epoch(epoch, opts.epochs, steps, N);
    const auto idx = order.next();
    double loss_sum = 0;
    std::size_t correct = 0, seen = 0;
    net.set_training(true);
    for (std::size_t step = 0; step < steps; ++step) {
      const std::size_t start = step * B, nb = std::min(B, N - start);
      data.gather<T>(idx.subspan(start, nb), x, y);
      scaler.apply(x);
      if (opt.needs_closure()) {
        opt.step(ps, &closure);
      } else {
        closure();
        if (std::isfinite(double(batch_loss))) opt.step_with_loss(ps, batch_loss);
      }
      if (!std::isfinite(double(batch_loss)))
        throw DivergenceError("loss became " + std::to_string(double(batch_loss)) + " at epoch " +
                              std::to_string(epoch) + ", batch " + std::to_string(step + 1) + " of " +
                              std::to_string(steps) + "; lower the learning rate (now " +
                              std::to_string(opt.lr()) + ") or clip gradients (--clip-norm)");
      loss_sum += double(batch_loss) * double(nb);
      seen += nb;
      if (classify) correct += correct_in_batch(net.output(), y);
      if (cb.progress) {
        std::vector<std::pair<std::string, double>> m{{"loss", loss_sum / double(seen)}};
        if (classify) m.emplace_back("accuracy", double(correct) / double(seen));
        cb.progress->update(step + 1, seen, m);
      }
      if (opts.stop && opts.stop->load(std::memory_order_relaxed)) {
        result.interrupted = true;
        result.stopped_epoch = epoch;
        result.stopped_batch = step + 1;
        break;
      }
    }
    net.set_training(false);
    if (result.interrupted) {
      result.best_epoch = epoch;  // the weights are those of the interrupted epoch
      return result;
    }
    s.loss = loss_sum / double(N);
    if (classify) s.accuracy = double(correct) / double(N);
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
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (cb.progress) {
      std::vector<std::pair<std::string, double>> m{{"loss", s.loss}};
      if (classify) m.emplace_back("accuracy", s.accuracy);
      if (val) m.emplace_back("val_loss", s.val_loss);
      if (val && classify) m.emplace_back("val_accuracy", s.val_accuracy);
      cb.progress->end_epoch(m);
    }
    result.epochs.push_back(s);
    bool stop = cb.after_epoch && !cb.after_epoch(s, opt);
    if (!opts.early_stopping.empty()) {
      const double v = opts.early_stopping == "loss" ? s.loss
                       : opts.early_stopping == "val_loss" ? s.val_loss : s.val_accuracy;
      const bool better = maximize ? v > best + opts.min_delta : v < best - opts.min_delta;
      if (better) {
        best = v;
        since_best = 0;
        if (opts.restore_best) {
          best_weights.clear();
          for (auto* p : ps) best_weights.push_back(p->value);
        }
        best_epoch = epoch;
      } else if (++since_best >= opts.patience) {
        result.stopped_early = true;
        stop = true;
      }
    }
    if (stop) break;
  }
  result.best_epoch = result.epochs.size();
  if (!best_weights.empty()) {  // early stopping with restore_best
    for (std::size_t k = 0; k < ps.size(); ++k) ps[k]->value = best_weights[k];
    result.best_epoch = best_epoch;
  }
  return result;
}

#define BP_INSTANTIATE(T)                                                                           \
  template double evaluate<T>(Network<T>&, const Dataset&, const Scaler&, std::size_t,       \
                              ClassificationMetrics<T>*, RegressionMetrics<T>*);                    \
  template TrainResult train<T>(Network<T>&, Optimizer<T>&, const Dataset&, const Dataset*,         \
                                const Scaler&, const TrainOptions&, const TrainCallbacks<T>&);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp
