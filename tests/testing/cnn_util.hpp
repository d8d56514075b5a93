// Helpers shared by the convolution, pooling and batch-norm kernel tests: random tensors, the
// finite-difference gradient of a scalar loss, relative errors, and a scoped thread count.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "backprop/core/threads.hpp"

namespace bp::test {

template <class T>
std::vector<T> random_vec(std::size_t n, unsigned seed, double lo = -1.0, double hi = 1.0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<T> v(n);
  for (T& e : v) e = T(u(rng));
  return v;
}

template <class T, class U>
std::vector<T> convert(const U* p, std::size_t n) {
  std::vector<T> v(n);
  for (std::size_t k = 0; k < n; ++k) v[k] = T(p[k]);
  return v;
}

/// |a - n| / max(|a|, |n|, floor), as bp::gradcheck reports it.
inline double rel_err(double a, double n, double floor = 1e-6) {
  return std::abs(a - n) / std::max({std::abs(a), std::abs(n), floor});
}

/// d loss / d p[k] for every k by the fourth-order central stencil
/// (-f(+2h) + 8 f(+h) - 8 f(-h) + f(-2h)) / 12h, restoring p afterwards.
template <class Loss>
std::vector<double> numeric_grad(std::vector<double>& p, Loss&& loss, double h = 1e-3) {
  std::vector<double> g(p.size());
  for (std::size_t k = 0; k < p.size(); ++k) {
    const double v = p[k];
    auto at = [&](double d) {
      p[k] = v + d;
      return loss();
    };
    g[k] = (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h);
    p[k] = v;
  }
  return g;
}

/// The worst relative error of an analytic gradient against the numeric one.
inline double worst_rel_err(const std::vector<double>& analytic, const std::vector<double>& numeric) {
  double worst = 0;
  for (std::size_t k = 0; k < analytic.size(); ++k)
    worst = std::max(worst, rel_err(analytic[k], numeric[k]));
  return worst;
}

/// sum_k r[k] y[k]: a loss whose gradient with respect to y is r.
inline double dot(const std::vector<double>& r, const std::vector<double>& y) {
  double s = 0;
  for (std::size_t k = 0; k < y.size(); ++k) s += r[k] * y[k];
  return s;
}

/// Sets bp::num_threads() (the size of the pool the kernels run on) for one scope.
struct ScopedThreads {
  std::size_t saved = bp::num_threads();
  explicit ScopedThreads(std::size_t n) { bp::set_num_threads(n); }
  ~ScopedThreads() { bp::set_num_threads(saved); }
};

/// Bitwise equality of two float arrays (NaN payloads included).
inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace bp::test
