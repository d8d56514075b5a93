// Loss kernels. Cross-entropy forms follow PyTorch's CrossEntropyLoss and BCEWithLogitsLoss docs.
#include "kernels/loss.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/activation.hpp"

namespace bp::kernels {

template <class T>
T loss_half_sse_forward(const T* y, const T* t, std::size_t count, T scale) {
  T sum = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const T d = t[k] - y[k];
    sum += T(0.5) * d * d;
  }
  return scale * sum;
}

template <class T>
void loss_half_sse_backward(T* dy, const T* y, const T* t, std::size_t count, T scale) {
  // d/dy 1/2 (t - y)^2 = -(t - y), the seed's eq. (4)
  for (std::size_t k = 0; k < count; ++k) dy[k] = scale * -(t[k] - y[k]);
}

template <class T>
static T row_logsumexp(const T* z, std::size_t O) {
  T m = z[0];
  for (std::size_t o = 1; o < O; ++o) m = std::max(m, z[o]);
  T sum = 0;
  for (std::size_t o = 0; o < O; ++o) sum += std::exp(z[o] - m);
  return m + std::log(sum);
}

template <class T>
T loss_softmax_ce_forward(const T* z, const T* t, std::size_t N, std::size_t O, T scale) {
  T total = 0;
  for (std::size_t n = 0; n < N; ++n) {
    const T* z_n = z + n * O;
    const T* t_n = t + n * O;
    const T lse = row_logsumexp(z_n, O);
    // -sum t_o (z_o - lse), written so no term is formed for t_o = 0 (z may be -1e4 there)
    T row = 0;
    for (std::size_t o = 0; o < O; ++o)
      if (t_n[o] != T(0)) row += t_n[o] * (lse - z_n[o]);
    total += row;
  }
  return scale * total;
}

template <class T>
void loss_softmax_ce_backward(T* dz, const T* z, const T* t, std::size_t N, std::size_t O, T scale) {
  for (std::size_t n = 0; n < N; ++n) {
    const T* z_n = z + n * O;
    const T* t_n = t + n * O;
    T* dz_n = dz + n * O;
    const T lse = row_logsumexp(z_n, O);
    T tsum = 0;
    for (std::size_t o = 0; o < O; ++o) tsum += t_n[o];
    for (std::size_t o = 0; o < O; ++o) dz_n[o] = scale * (std::exp(z_n[o] - lse) * tsum - t_n[o]);
  }
}

template <class T>
T loss_bce_logits_forward(const T* z, const T* t, std::size_t count, T scale) {
  T sum = 0;
  for (std::size_t k = 0; k < count; ++k)
    sum += std::max(z[k], T(0)) - z[k] * t[k] + std::log1p(std::exp(-std::abs(z[k])));
  return scale * sum;
}

template <class T>
void loss_bce_logits_backward(T* dz, const T* z, const T* t, std::size_t count, T scale) {
  for (std::size_t k = 0; k < count; ++k) dz[k] = scale * (sigmoid(z[k]) - t[k]);
}

#define BP_INSTANTIATE(T)                                                                       \
  template T loss_half_sse_forward<T>(const T*, const T*, std::size_t, T);                      \
  template void loss_half_sse_backward<T>(T*, const T*, const T*, std::size_t, T);              \
  template T loss_softmax_ce_forward<T>(const T*, const T*, std::size_t, std::size_t, T);       \
  template void loss_softmax_ce_backward<T>(T*, const T*, const T*, std::size_t, std::size_t, T); \
  template T loss_bce_logits_forward<T>(const T*, const T*, std::size_t, T);                    \
  template void loss_bce_logits_backward<T>(T*, const T*, const T*, std::size_t, T);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp::kernels
