// Gradient descent: the update rule and the epoch/batch loop around it.
#include "backprop/sgd.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "backprop/error.hpp"

namespace bp {

void SgdOptions::validate() const {
  if (!(lr > 0) || !std::isfinite(lr))
    throw UsageError("learning rate = " + std::to_string(lr) + "; expected a finite value > 0");
}

void FitOptions::validate() const {
  if (epochs == 0) throw UsageError("epochs = 0; expected at least 1");
  sgd.validate();
}

namespace {

template <class T>
void apply_update(Dense<T>& layer, T lr) {
  for (Param<T>* p : {&layer.weights(), &layer.bias()}) {
    if (!p->trainable) continue;
    T* v = p->value.data();
    const T* g = p->grad.data();
    for (std::size_t k = 0; k < p->value.size(); ++k) v[k] -= lr * g[k];
  }
}

}  // namespace

template <class T>
T sgd_step(Network<T>& net, const Matrix<T>& x, const Matrix<T>& t, const SgdOptions& opts) {
  const T lr = static_cast<T>(opts.lr);
  T e_fused;
  if (opts.order == UpdateOrder::kSimultaneous && net.sgd_step_fused(x, t, lr, e_fused))
    return e_fused;  // batch 1: one fused pass (src/sgd_online.cpp)
  net.zero_grad();
  net.forward(x);
  const T e = net.loss_value(t);
  if (opts.order == UpdateOrder::kLayerwise) {
    const std::function<void(Dense<T>&)> update = [lr](Dense<T>& l) { apply_update(l, lr); };
    net.backward(x, t, false, &update);
  } else {
    net.backward(x, t);
    for (auto& l : net.layers()) apply_update(l, lr);
  }
  return e;
}

template <class T>
std::vector<T> fit(Network<T>& net, const Matrix<T>& X, const Matrix<T>& Y, const FitOptions& opts) {
  opts.validate();
  const std::size_t N = X.rows();
  if (N == 0) throw UsageError("fit: the dataset is empty");
  if (Y.rows() != N)
    throw UsageError("fit: " + std::to_string(N) + " samples but " + std::to_string(Y.rows()) +
                     " targets");
  if (X.cols() != net.in())
    throw UsageError("fit: samples have " + std::to_string(X.cols()) + " features, expected " +
                     std::to_string(net.in()));
  if (Y.cols() != net.out())
    throw UsageError("fit: targets have " + std::to_string(Y.cols()) + " values, expected " +
                     std::to_string(net.out()));
  const std::size_t B = (opts.batch_size == 0 || opts.batch_size > N) ? N : opts.batch_size;
  std::mt19937_64 rng(opts.seed);
  std::vector<std::size_t> order(N);
  std::iota(order.begin(), order.end(), std::size_t{0});
  Matrix<T> xb(B, X.cols()), yb(B, Y.cols());
  std::vector<T> history;
  history.reserve(opts.epochs);
  struct TrainingMode {  // dropout on while fitting, off again however we leave
    Network<T>& n;
    explicit TrainingMode(Network<T>& net_) : n(net_) { n.set_training(true); }
    ~TrainingMode() { n.set_training(false); }
  } mode(net);
  for (std::size_t epoch = 0; epoch < opts.epochs; ++epoch) {
    if (opts.shuffle && B < N) std::shuffle(order.begin(), order.end(), rng);
    T sum = 0;
    std::size_t batches = 0;
    for (std::size_t start = 0; start < N; start += B) {
      const std::size_t nb = std::min(B, N - start);
      xb.resize(nb, X.cols());
      yb.resize(nb, Y.cols());
      for (std::size_t r = 0; r < nb; ++r) {
        std::copy_n(X.row(order[start + r]).data(), X.cols(), xb.row(r).data());
        std::copy_n(Y.row(order[start + r]).data(), Y.cols(), yb.row(r).data());
      }
      const T e = sgd_step(net, xb, yb, opts.sgd);
      if (!std::isfinite(e))
        throw DivergenceError("loss is " + std::to_string(e) + " at epoch " + std::to_string(epoch + 1) +
                              ", batch " + std::to_string(batches + 1) +
                              "; try a lower learning rate (now " + std::to_string(opts.sgd.lr) + ")");
      sum += e;
      ++batches;
    }
    history.push_back(sum / static_cast<T>(batches));
  }
  return history;
}

template float sgd_step<float>(Network<float>&, const Matrix<float>&, const Matrix<float>&, const SgdOptions&);
template double sgd_step<double>(Network<double>&, const Matrix<double>&, const Matrix<double>&, const SgdOptions&);
template std::vector<float> fit<float>(Network<float>&, const Matrix<float>&, const Matrix<float>&, const FitOptions&);
template std::vector<double> fit<double>(Network<double>&, const Matrix<double>&, const Matrix<double>&, const FitOptions&);

}  // namespace bp
