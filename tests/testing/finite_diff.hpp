// Finite differences for the layer tests (tests/nn/test_layers.cpp, tests/nn/test_cnn_layers.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>

namespace bp::testing {

/// |a - b| relative to the larger magnitude, with a floor of 1e-6 (as gradcheck.hpp explains).
inline double rel_err(double a, double b) {
  return std::abs(a - b) / std::max({1e-6, std::abs(a), std::abs(b)});
}

/// dL/dv of L() by the 4-point stencil (error O(h^4): ~1e-12 at h = 1e-3), restoring v.
inline double numeric(const std::function<double()>& loss, double& v, double h = 1e-3) {
  const double saved = v;
  v = saved + 2 * h; const double p2 = loss();
  v = saved + h;     const double p1 = loss();
  v = saved - h;     const double m1 = loss();
  v = saved - 2 * h; const double m2 = loss();
  v = saved;
  return (-p2 + 8 * p1 - 8 * m1 + m2) / (12 * h);
}

}  // namespace bp::testing
