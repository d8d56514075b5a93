// The tutorial's gradient step: w <- w - lr * dE/dw, with the seed's two update orders.
#include "backprop/tutorial/gradient_step.hpp"

#include <cmath>
#include <functional>
#include <string>

#include "backprop/core/error.hpp"
#include "nn/fused/fused_sgd.hpp"

namespace bp {

void SgdOptions::validate() const {
  if (!(lr > 0) || !std::isfinite(lr))
    throw UsageError("learning rate = " + std::to_string(lr) + "; expected a finite value > 0");
}

namespace {

template <class T>
void apply_update(Param<T>& p, T lr) {
  if (!p.trainable) return;
  T* v = p.value.data();
  const T* g = p.grad.data();
  for (std::size_t k = 0; k < p.value.size(); ++k) v[k] -= lr * g[k];
}

}  // namespace

template <class T>
T sgd_step(Network<T>& net, const Matrix<T>& x, const Matrix<T>& t, const SgdOptions& opts) {
  const T lr = static_cast<T>(opts.lr);
  T e_fused;
  if (opts.order == UpdateOrder::kSimultaneous && fused::online_sgd_step(net, x, t, lr, e_fused))
    return e_fused;  // batch 1: one fused pass (src/nn/fused/online_sgd.cpp)
  net.zero_grad();
  net.forward(x);
  const T e = net.loss_value(t);
  if (opts.order == UpdateOrder::kLayerwise) {
    // Network::backward allows the hook only where every layer with parameters is Dense.
    const std::function<void(Layer<T>&)> update = [lr](Layer<T>& l) {
      if (auto* d = l.template as<Dense<T>>()) {
        apply_update(d->weights(), lr);
        apply_update(d->bias(), lr);
      }
    };
    net.backward(x, t, false, &update);
  } else {
    net.backward(x, t);
    for (Param<T>* p : net.params()) apply_update(*p, lr);
  }
  return e;
}

template float sgd_step<float>(Network<float>&, const Matrix<float>&, const Matrix<float>&, const SgdOptions&);
template double sgd_step<double>(Network<double>&, const Matrix<double>&, const Matrix<double>&, const SgdOptions&);

}  // namespace bp
