// Activation kernels. Formulas: PyTorch's docs for each op (torch.nn.ELU, Softplus, LeakyReLU).
#include "kernels/activation.hpp"

#include <algorithm>
#include <cmath>

namespace bp::kernels {

template <class T>
T sigmoid(T z) {
  // For z >= 0 this is the seed's 1 / (1 + e^-z); for z < 0 the same value written as
  // e^z / (1 + e^z), so e^(+large) is never formed.
  if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}

template <class T>
static T apply(T z, Activation act, T alpha) {
  switch (act) {
    case Activation::kIdentity: return z;
    case Activation::kSigmoid: return sigmoid(z);
    case Activation::kTanh: return std::tanh(z);
    case Activation::kRelu: return z > T(0) ? z : T(0);
    case Activation::kLeakyRelu: return z > T(0) ? z : alpha * z;
    case Activation::kElu: return z > T(0) ? z : alpha * std::expm1(z);
    // log(1 + e^z) = max(z, 0) + log1p(e^-|z|)
    case Activation::kSoftplus: return std::max(z, T(0)) + std::log1p(std::exp(-std::abs(z)));
    case Activation::kSoftmax: break;
  }
  return z;
}

template <class T>
T activation_derivative(T z, T a, Activation act, T alpha) {
  switch (act) {
    case Activation::kIdentity: return T(1);
    case Activation::kSigmoid: return a * (T(1) - a);  // the seed's eq. (8): y_final(1 - y_final)
    case Activation::kTanh: return T(1) - a * a;
    case Activation::kRelu: return z > T(0) ? T(1) : T(0);
    case Activation::kLeakyRelu: return z > T(0) ? T(1) : alpha;
    case Activation::kElu: return z > T(0) ? T(1) : a + alpha;  // alpha e^z = a + alpha
    case Activation::kSoftplus: return sigmoid(z);
    case Activation::kSoftmax: break;
  }
  return T(1);
}

// ---- ReLU, the hidden activation of W2: branch-free loops, vectorised for the best instruction
// set at run time (the baseline build is SSE2, where GCC leaves the select as a branch that
// mispredicts on half the elements). Same formulas as the element-wise reference, so same bits.
// `ivdep`: a may be z (or dz be da) exactly, never partly overlapping, so no element depends on
// another.
template <class T>
[[gnu::always_inline]] inline void relu_forward_body(T* a, const T* z, std::size_t count) {
#pragma GCC ivdep
  for (std::size_t k = 0; k < count; ++k) a[k] = z[k] > T(0) ? z[k] : T(0);
}
template <class T>
[[gnu::always_inline]] inline void relu_backward_body(T* dz, const T* da, const T* z,
                                                      std::size_t count) {
#pragma GCC ivdep
  for (std::size_t k = 0; k < count; ++k) dz[k] = z[k] > T(0) ? da[k] : T(0);
}

template <class T>
void relu_forward_generic(T* a, const T* z, std::size_t count) { relu_forward_body(a, z, count); }
template <class T>
void relu_backward_generic(T* dz, const T* da, const T* z, std::size_t count) {
  relu_backward_body(dz, da, z, count);
}
#if defined(__x86_64__)
template <class T>
__attribute__((target("avx512f"))) void relu_forward_avx512(T* a, const T* z, std::size_t count) {
  relu_forward_body(a, z, count);
}
template <class T>
__attribute__((target("avx512f"))) void relu_backward_avx512(T* dz, const T* da, const T* z,
                                                             std::size_t count) {
  relu_backward_body(dz, da, z, count);
}
template <class T>
__attribute__((target("avx2"))) void relu_forward_avx2(T* a, const T* z, std::size_t count) {
  relu_forward_body(a, z, count);
}
template <class T>
__attribute__((target("avx2"))) void relu_backward_avx2(T* dz, const T* da, const T* z,
                                                        std::size_t count) {
  relu_backward_body(dz, da, z, count);
}
inline int simd_level() {  // 2: AVX-512F, 1: AVX2, 0: baseline
  static const int level = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
  return level;
}
#endif

template <class T>
void relu_forward(T* a, const T* z, std::size_t count) {
#if defined(__x86_64__)
  if (simd_level() == 2) return relu_forward_avx512(a, z, count);
  if (simd_level() == 1) return relu_forward_avx2(a, z, count);
#endif
  relu_forward_generic(a, z, count);
}
template <class T>
void relu_backward(T* dz, const T* da, const T* z, std::size_t count) {
#if defined(__x86_64__)
  if (simd_level() == 2) return relu_backward_avx512(dz, da, z, count);
  if (simd_level() == 1) return relu_backward_avx2(dz, da, z, count);
#endif
  relu_backward_generic(dz, da, z, count);
}

template <class T>
void activation_forward(T* a, const T* z, std::size_t N, std::size_t O, Activation act, T alpha) {
  if (act == Activation::kSoftmax) {
    for (std::size_t n = 0; n < N; ++n) {
      const T* z_n = z + n * O;
      T* a_n = a + n * O;
      T m = z_n[0];
      for (std::size_t o = 1; o < O; ++o) m = std::max(m, z_n[o]);
      T sum = 0;
      for (std::size_t o = 0; o < O; ++o) sum += (a_n[o] = std::exp(z_n[o] - m));
      const T inv = T(1) / sum;
      for (std::size_t o = 0; o < O; ++o) a_n[o] *= inv;
    }
    return;
  }
  const std::size_t count = N * O;
  switch (act) {  // hoist the switch out of the loop so each case vectorises
    case Activation::kIdentity:
      if (a != z) std::copy(z, z + count, a);
      return;
    case Activation::kRelu:
      return relu_forward(a, z, count);
    default:
      for (std::size_t k = 0; k < count; ++k) a[k] = apply(z[k], act, alpha);
  }
}

template <class T>
void activation_backward(T* dz, const T* da, const T* z, const T* a, std::size_t N, std::size_t O,
                         Activation act, T alpha) {
  if (act == Activation::kSoftmax) {
    for (std::size_t n = 0; n < N; ++n) {
      const T* da_n = da + n * O;
      const T* a_n = a + n * O;
      T* dz_n = dz + n * O;
      T dot = 0;
      for (std::size_t o = 0; o < O; ++o) dot += da_n[o] * a_n[o];
      for (std::size_t o = 0; o < O; ++o) dz_n[o] = a_n[o] * (da_n[o] - dot);
    }
    return;
  }
  const std::size_t count = N * O;
  switch (act) {
    case Activation::kIdentity:
      if (dz != da) std::copy(da, da + count, dz);
      return;
    case Activation::kRelu:
      return relu_backward(dz, da, z, count);
    case Activation::kSigmoid:
      for (std::size_t k = 0; k < count; ++k) dz[k] = da[k] * a[k] * (T(1) - a[k]);
      return;
    default:
      for (std::size_t k = 0; k < count; ++k) dz[k] = da[k] * activation_derivative(z[k], a[k], act, alpha);
  }
}

#define BP_INSTANTIATE(T)                                                                      \
  template T sigmoid<T>(T);                                                                    \
  template T activation_derivative<T>(T, T, Activation, T);                                    \
  template void activation_forward<T>(T*, const T*, std::size_t, std::size_t, Activation, T);  \
  template void activation_backward<T>(T*, const T*, const T*, const T*, std::size_t,          \
                                       std::size_t, Activation, T);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp::kernels
