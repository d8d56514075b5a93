// Gradient check by finite differences (4-point stencil) in double.
#include "backprop/nn/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "backprop/nn/conv2d.hpp"
#include "backprop/nn/dropout.hpp"

namespace bp {

double GradcheckReport::worst() const noexcept {
  double w = worst_input;
  for (const auto& l : layers) w = std::max({w, l.worst_weight, l.worst_bias});
  return w;
}

namespace {

double rel_err(double a, double n, double floor) {
  return std::abs(a - n) / std::max({std::abs(a), std::abs(n), floor});
}

// dE/dv by the 4-point stencil, restoring v.
template <class F>
double numeric(F&& loss, double& v, double h) {
  const double saved = v;
  v = saved + 2 * h; const double p2 = loss();
  v = saved + h;     const double p1 = loss();
  v = saved - h;     const double m1 = loss();
  v = saved - 2 * h; const double m2 = loss();
  v = saved;
  return (-p2 + 8 * p1 - 8 * m1 + m2) / (12 * h);
}

}  // namespace

GradcheckReport gradcheck(Network<double>& net, const Matrix<double>& x, const Matrix<double>& t,
                          const GradcheckOptions& opts) {
  GradcheckReport report;
  // Training mode, so that BatchNorm is checked through its batch statistics, unless there is
  // dropout, which would draw a new mask on every evaluation. The forward passes of training mode
  // move BatchNorm's running statistics: they are put back at the end.
  bool dropout = false;
  std::vector<Matrix<double>> buffers;
  for (std::size_t l = 0; l < net.depth(); ++l) {
    dropout = dropout || net.layer(l).as<Dropout<double>>() != nullptr;
    for (const Param<double>* b : net.layer(l).buffers()) buffers.push_back(b->value);
  }
  const bool was_training = net.training();
  net.set_training(!dropout);
  net.zero_grad();
  net.forward(x);
  net.backward(x, t, /*need_dx=*/true);
  // Snapshot analytic gradients and the forward's net inputs before perturbing anything.
  std::vector<Matrix<double>> grads, zs(net.depth());
  for (const Param<double>* p : std::as_const(net).params()) grads.push_back(p->grad);
  for (std::size_t l = 0; l < net.depth(); ++l)
    if (net.layer(l).output_activation()) zs[l] = net.layer(l).pre_activation();
  Matrix<double> dx = net.input_grad();
  Matrix<double> xp = x;
  auto loss_of = [&](const Matrix<double>& input) {
    net.forward(input);
    return net.loss_value(t);
  };
  auto loss = [&] { return loss_of(xp); };
  double max_in = 0;
  for (double v : x) max_in = std::max(max_in, std::abs(v));
  std::size_t k_param = 0;  // index into grads: params() order is layer by layer
  for (std::size_t l = 0; l < net.depth(); ++l) {
    Layer<double>& layer = net.layer(l);
    const auto oa = layer.output_activation();
    const std::vector<Param<double>*> params = layer.params();
    if (!oa && params.empty()) continue;
    GradcheckLayer r;
    r.layer = l + 1;
    r.name = layer.name();
    r.min_abs_z = INFINITY;
    if (oa) {
      r.activation = oa->act;
      for (double v : zs[l]) r.min_abs_z = std::min(r.min_abs_z, std::abs(v));
      // A perturbation of 2h in any upstream value moves z by roughly 2h * (1 + |inputs|).
      r.near_kink = activation_has_kink(oa->act, oa->alpha) &&
                    r.min_abs_z < 4 * opts.h * (1 + max_in) * static_cast<double>(net.depth());
    }
    const Dense<double>* dense = layer.as<Dense<double>>();
    Conv2D<double>* conv = layer.as<Conv2D<double>>();
    for (Param<double>* p : params) {
      const Matrix<double>& g = grads[k_param++];
      if (!p->trainable) continue;
      const bool bias = (dense && p == &dense->bias()) || (conv && p == &conv->bias());
      double& worst = bias ? r.worst_bias : r.worst_weight;
      for (std::size_t k = 0; k < p->size(); ++k, ++r.checked)
        worst = std::max(worst, rel_err(g[k], numeric(loss, p->value[k], opts.h), opts.floor));
    }
    report.layers.push_back(r);
  }
  for (std::size_t k = 0; k < xp.size(); ++k)
    report.worst_input = std::max(report.worst_input, rel_err(dx[k], numeric(loss, xp[k], opts.h), opts.floor));
  net.forward(x);  // leave the caches as a forward of x left them
  std::size_t k_buffer = 0;
  for (std::size_t l = 0; l < net.depth(); ++l)
    for (Param<double>* b : net.layer(l).buffers()) b->assign(buffers[k_buffer++]);
  net.set_training(was_training);
  return report;
}

}  // namespace bp
