// The optimizer tests' problem, shared with tests/reference/gen_optim_reference.py: three
// parameter tensors (2x2, 1x3, 3x1) and f(w) = sum_i c_i (w_i - m_i)^2 + 0.1 sum_i w_i^4,
// with the gradient by hand: df/dw_i = 2 c_i (w_i - m_i) + 0.4 w_i^3.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "backprop/optim/optimizer.hpp"
#include "reference/optim_reference.inc"

namespace bp::testing {

template <class T>
struct QuarticProblem {
  std::vector<Param<T>> params;
  std::vector<Param<T>*> list;

  QuarticProblem() {
    std::size_t k = 0;
    params.reserve(3);
    for (std::size_t p = 0; p < 3; ++p) {
      const std::size_t r = ref::kOptimShapes[p][0], c = ref::kOptimShapes[p][1];
      params.emplace_back("p" + std::to_string(p), r, c);
      for (std::size_t i = 0; i < r * c; ++i) params[p].value[i] = static_cast<T>(ref::kOptimInit[k++]);
    }
    for (auto& p : params) list.push_back(&p);
  }
  ParamSpan<T> span() { return list; }

  // Overwrites every grad with df/dw at the current values and returns f.
  T loss_and_grad() {
    T f = 0;
    std::size_t k = 0;
    for (auto& p : params) {
      for (std::size_t i = 0; i < p.value.size(); ++i, ++k) {
        const T w = p.value[i], c = static_cast<T>(ref::kOptimC[k]), m = static_cast<T>(ref::kOptimM[k]);
        f += c * (w - m) * (w - m) + T(0.1) * w * w * w * w;
        p.grad[i] = T(2) * c * (w - m) + T(0.4) * w * w * w;
      }
    }
    return f;
  }

  std::vector<double> values() const {
    std::vector<double> v;
    for (const auto& p : params)
      for (T x : p.value) v.push_back(static_cast<double>(x));
    return v;
  }
};

// got[i] vs want[i] within atol + rtol |want|; a failure prints name, index, got, want and the
// tolerance. Returns the largest |diff| / tolerance (<= 1 when all pass).
inline double expect_close(const std::vector<double>& got, const double* want, std::size_t n,
                         double atol, double rtol, const std::string& name) {
  EXPECT_EQ(got.size(), n) << name;
  if (got.size() != n) return 0;
  double worst = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double diff = std::abs(got[i] - want[i]), tol = atol + rtol * std::abs(want[i]);
    worst = std::max(worst, diff / tol);
    EXPECT_LE(diff, tol) << name << "[" << i << "]: got " << got[i] << " want " << want[i]
                         << " (|diff| " << diff << " > atol " << atol << " + rtol " << rtol
                         << " * |want|)";
  }
  return worst;
}

}  // namespace bp::testing
