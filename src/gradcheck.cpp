// Gradient check by finite differences (4-point stencil) in double.
#include "backprop/gradcheck.hpp"

#include <algorithm>
#include <cmath>

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
  net.set_training(false);  // dropout would draw a new mask on every evaluation
  net.zero_grad();
  net.forward(x);
  net.backward(x, t, /*need_dx=*/true);
  // Snapshot analytic gradients and the forward's net inputs before perturbing anything.
  std::vector<Matrix<double>> dw, db, zs;
  for (std::size_t l = 0; l < net.depth(); ++l) {
    dw.push_back(net.layer(l).weights().grad);
    db.push_back(net.layer(l).bias().grad);
    zs.push_back(net.z(l));
  }
  Matrix<double> dx = net.input_grad();
  Matrix<double> xp = x;
  auto loss_of = [&](const Matrix<double>& input) {
    net.forward(input);
    return net.loss_value(t);
  };
  auto loss = [&] { return loss_of(xp); };
  double max_in = 0;
  for (double v : x) max_in = std::max(max_in, std::abs(v));
  for (std::size_t l = 0; l < net.depth(); ++l) {
    Dense<double>& layer = net.layer(l);
    GradcheckLayer r;
    r.layer = l + 1;
    r.min_abs_z = INFINITY;
    for (double v : zs[l]) r.min_abs_z = std::min(r.min_abs_z, std::abs(v));
    // A perturbation of 2h in any upstream value moves z by roughly 2h * (1 + |inputs|).
    r.near_kink = activation_has_kink(layer.activation(), static_cast<double>(layer.alpha())) &&
                  r.min_abs_z < 4 * opts.h * (1 + max_in) * static_cast<double>(net.depth());
    if (layer.weights().trainable) {
      auto& w = layer.weights().value;
      for (std::size_t k = 0; k < w.size(); ++k, ++r.checked)
        r.worst_weight = std::max(r.worst_weight, rel_err(dw[l][k], numeric(loss, w[k], opts.h), opts.floor));
    }
    if (layer.bias().trainable) {
      auto& b = layer.bias().value;
      for (std::size_t k = 0; k < b.size(); ++k, ++r.checked)
        r.worst_bias = std::max(r.worst_bias, rel_err(db[l][k], numeric(loss, b[k], opts.h), opts.floor));
    }
    report.layers.push_back(r);
  }
  for (std::size_t k = 0; k < xp.size(); ++k)
    report.worst_input = std::max(report.worst_input, rel_err(dx[k], numeric(loss, xp[k], opts.h), opts.floor));
  net.forward(x);  // leave the caches as a forward of x left them
  return report;
}

}  // namespace bp
