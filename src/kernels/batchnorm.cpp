// Batch normalisation kernels: one channel at a time (the statistics of channel c are over
// x[n][c][k] for every n and k), channels split across the pool.
#include "kernels/batchnorm.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "runtime/thread_pool.hpp"

namespace bp::kernels {

namespace {

// Channel c's elements: N runs of HW contiguous values, one run per sample.
struct Channel {
  std::size_t N, C, HW, c;
  std::size_t at(std::size_t n) const { return (n * C + c) * HW; }
  double M() const { return double(N * HW); }
};

// sum over the channel of f(offset) in double.
template <class F>
double channel_sum(const Channel& ch, F&& f) {
  double acc = 0;
  for (std::size_t n = 0; n < ch.N; ++n) {
    const std::size_t base = ch.at(n);
    for (std::size_t k = 0; k < ch.HW; ++k) acc += f(base + k);
  }
  return acc;
}

// y = (x - mean) * (invstd * gamma) + beta on the channel (the scale folded, one pass).
template <class T>
void normalise(T* y, const T* x, const Channel& ch, T mean, T scale, T shift) {
  for (std::size_t n = 0; n < ch.N; ++n) {
    const std::size_t base = ch.at(n);
    for (std::size_t k = 0; k < ch.HW; ++k) y[base + k] = (x[base + k] - mean) * scale + shift;
  }
}

template <class F>
void over_channels(std::size_t C, std::size_t threads, F&& f) {
  const std::size_t parts = std::min(std::max<std::size_t>(1, threads), C);
  detail::parallel_parts(parts, [&](std::size_t p) {
    const detail::Range r = detail::part_range(C, parts, p, 1);
    for (std::size_t c = r.begin; c < r.end; ++c) f(c);
  });
}

template <class T>
T gamma_of(const T* gamma, std::size_t c) {
  return gamma ? gamma[c] : T(1);
}

}  // namespace

template <class T>
void batchnorm_forward_train(T* y, T* save_mean, T* save_invstd, T* running_mean, T* running_var,
                             const T* x, const T* gamma, const T* beta, std::size_t N,
                             std::size_t C, std::size_t HW, T momentum, T eps,
                             std::size_t threads) {
  over_channels(C, threads, [&](std::size_t c) {
    const Channel ch{N, C, HW, c};
    const double M = ch.M();
    const double mean = channel_sum(ch, [&](std::size_t i) { return double(x[i]); }) / M;
    const double ss = channel_sum(ch, [&](std::size_t i) {
      const double d = double(x[i]) - mean;
      return d * d;
    });
    const double var = ss / M;
    const T invstd = T(1.0 / std::sqrt(var + double(eps)));
    save_mean[c] = T(mean);
    save_invstd[c] = invstd;
    const T g = gamma_of(gamma, c);
    normalise(y, x, ch, T(mean), invstd * g, beta ? beta[c] : T(0));
    if (running_mean) running_mean[c] = (T(1) - momentum) * running_mean[c] + momentum * T(mean);
    if (running_var)
      running_var[c] = (T(1) - momentum) * running_var[c] + momentum * T(ss / (M - 1));
  });
}

template <class T>
void batchnorm_backward_train(T* dx, T* dgamma, T* dbeta, const T* dy, const T* x, const T* gamma,
                              const T* save_mean, const T* save_invstd, std::size_t N,
                              std::size_t C, std::size_t HW, std::size_t threads) {
  over_channels(C, threads, [&](std::size_t c) {
    const Channel ch{N, C, HW, c};
    const double mean = double(save_mean[c]), invstd = double(save_invstd[c]);
    const double sum_dy = channel_sum(ch, [&](std::size_t i) { return double(dy[i]); });
    const double sum_dy_xhat = channel_sum(
        ch, [&](std::size_t i) { return double(dy[i]) * ((double(x[i]) - mean) * invstd); });
    if (dgamma) dgamma[c] += T(sum_dy_xhat);
    if (dbeta) dbeta[c] += T(sum_dy);
    if (!dx) return;
    // dx = k (dy - a - xhat b) with k = gamma invstd, a = sum dy / M, b = sum (dy xhat) / M:
    // folded into dx = k dy + (x - mean) * p + q, p = -k invstd b, q = k (mean invstd b - a).
    const double M = ch.M(), k = double(gamma_of(gamma, c)) * invstd;
    const double a = sum_dy / M, b = sum_dy_xhat / M;
    const T tk = T(k), tp = T(-k * invstd * b), tm = T(mean), tq = T(-k * a);
    for (std::size_t n = 0; n < N; ++n) {
      const std::size_t base = ch.at(n);
      for (std::size_t i = 0; i < HW; ++i)
        dx[base + i] = tk * dy[base + i] + (x[base + i] - tm) * tp + tq;
    }
  });
}

template <class T>
void batchnorm_forward_eval(T* y, const T* x, const T* gamma, const T* beta,
                            const T* running_mean, const T* running_var, std::size_t N,
                            std::size_t C, std::size_t HW, T eps, std::size_t threads) {
  over_channels(C, threads, [&](std::size_t c) {
    const T invstd = T(1.0 / std::sqrt(double(running_var[c]) + double(eps)));
    normalise(y, x, Channel{N, C, HW, c}, running_mean[c], invstd * gamma_of(gamma, c),
              beta ? beta[c] : T(0));
  });
}

template <class T>
void batchnorm_backward_eval(T* dx, T* dgamma, T* dbeta, const T* dy, const T* x, const T* gamma,
                             const T* running_mean, const T* running_var, std::size_t N,
                             std::size_t C, std::size_t HW, T eps, std::size_t threads) {
  over_channels(C, threads, [&](std::size_t c) {
    const Channel ch{N, C, HW, c};
    const T invstd = T(1.0 / std::sqrt(double(running_var[c]) + double(eps)));
    const double rm = double(running_mean[c]);
    if (dgamma)
      dgamma[c] += T(channel_sum(
          ch, [&](std::size_t i) { return double(dy[i]) * ((double(x[i]) - rm) * double(invstd)); }));
    if (dbeta) dbeta[c] += T(channel_sum(ch, [&](std::size_t i) { return double(dy[i]); }));
    if (!dx) return;
    const T k = gamma_of(gamma, c) * invstd;
    for (std::size_t n = 0; n < N; ++n) {
      const std::size_t base = ch.at(n);
      for (std::size_t i = 0; i < HW; ++i) dx[base + i] = dy[base + i] * k;
    }
  });
}

#define BP_INSTANTIATE(T)                                                                          \
  template void batchnorm_forward_train<T>(T*, T*, T*, T*, T*, const T*, const T*, const T*,     \
                                           std::size_t, std::size_t, std::size_t, T, T,          \
                                           std::size_t);                                          \
  template void batchnorm_backward_train<T>(T*, T*, T*, const T*, const T*, const T*, const T*,  \
                                            const T*, std::size_t, std::size_t, std::size_t,     \
                                            std::size_t);                                         \
  template void batchnorm_forward_eval<T>(T*, const T*, const T*, const T*, const T*, const T*,  \
                                          std::size_t, std::size_t, std::size_t, T, std::size_t); \
  template void batchnorm_backward_eval<T>(T*, T*, T*, const T*, const T*, const T*, const T*,   \
                                           const T*, std::size_t, std::size_t, std::size_t, T,   \
                                           std::size_t);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp::kernels
