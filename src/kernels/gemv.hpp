// Matrix-vector kernels for one sample (batch N = 1), where the dense layer's products are
// matrix-vector products and the cost is streaming w from L2, not arithmetic: the forward
// z = w·x + bias, the input gradient dx = wᵀ·dz, the rank-1 gradient dw += dz·xᵀ, and plain SGD
// fused into the backward pass (w is read once and written once, no gradient buffer).
// Float kernels per instruction set (AVX-512, AVX2+FMA, portable), chosen at run time as sgemm's
// are; the `_ref` loops are templates defined here, so the exact double path (the seed, W1) can
// inline them. Internal; callers check shapes.
#pragma once

#include <cstddef>

#include "kernels/gemm.hpp"  // GemmIsa: the same ISA choice as sgemm

namespace bp::kernels {

// z = w · x + bias
// x: (I)  w: (O, I) row-major  bias: (O) or nullptr  ->  z: (O). Overwrites z; z must not alias
// x or w. Reference order (dense_forward_ref at N = 1, bit for bit): acc = 0, acc += x_i w_oi for
// i = 0..I-1, z_o = acc + bias_o.
template <class T>
inline void gemv_forward_ref(T* z, const T* x, const T* w, const T* bias, std::size_t I,
                             std::size_t O) {
  for (std::size_t o = 0; o < O; ++o) {
    const T* w_o = w + o * I;
    T acc = T(0);
    for (std::size_t i = 0; i < I; ++i) acc += x[i] * w_o[i];
    z[o] = bias ? acc + bias[o] : acc;
  }
}
// Fast: four rows at a time, FMA; differs from the reference by rounding only
// (|err| <~ I · eps_float · sum_i |x_i w_oi|).
void gemv_forward(float* z, const float* x, const float* w, const float* bias, std::size_t I,
                  std::size_t O);

// dx = wᵀ · dz
// dz: (O)  w: (O, I)  ->  dx: (I). OVERWRITES dx; dx must not alias dz or w.
// Reference order (dense_backward_ref's dx at N = 1): acc = 0, acc += dz_o w_oi for o = 0..O-1.
template <class T>
inline void gemv_backward_input_ref(T* dx, const T* dz, const T* w, std::size_t I,
                                    std::size_t O) {
  for (std::size_t i = 0; i < I; ++i) {
    T acc = T(0);
    for (std::size_t o = 0; o < O; ++o) acc += dz[o] * w[o * I + i];
    dx[i] = acc;
  }
}
void gemv_backward_input(float* dx, const float* dz, const float* w, std::size_t I,
                         std::size_t O);

// dw += dz · xᵀ   (rank-1 update, ACCUMULATED: the weight gradient of one sample)
// dz: (O)  x: (I)  ->  dw: (O, I).
template <class T>
inline void ger_ref(T* dw, const T* dz, const T* x, std::size_t I, std::size_t O) {
  for (std::size_t o = 0; o < O; ++o) {
    const T g = dz[o];
    T* dw_o = dw + o * I;
    for (std::size_t i = 0; i < I; ++i) dw_o[i] += g * x[i];
  }
}
void ger(float* dw, const float* dz, const float* x, std::size_t I, std::size_t O);

// Plain SGD on one sample, fused into backpropagation through the layer:
//   dx = wᵀ · dz   with the weights as they were BEFORE the update (when dx is not null), then
//   w -= lr · dz · xᵀ.
// This is what computing dw = dz·xᵀ and dx first and then w -= lr·dw gives (textbook,
// simultaneous backpropagation), without a gradient buffer: each row of w is read once and
// written once, and dx is accumulated in L1 meanwhile.
// dz: (O)  x: (I)  w: (O, I) updated in place  ->  dx: (I) OVERWRITTEN, or nullptr.
// dx must not alias w, dz or x. Reference order, bit for bit what the unfused path computes
// (dw zeroed, dense_backward_ref, then w -= lr·dw): w_oi = w_oi - lr · (0 + dz_o x_i).
template <class T>
inline void gemv_sgd_update_ref(T* dx, T* w, const T* dz, const T* x, T lr, std::size_t I,
                                std::size_t O) {
  if (dx) gemv_backward_input_ref(dx, dz, w, I, O);
  for (std::size_t o = 0; o < O; ++o) {
    const T g = dz[o];
    T* w_o = w + o * I;
    for (std::size_t i = 0; i < I; ++i) w_o[i] -= lr * (T(0) + g * x[i]);
  }
}
// Fast: w_oi = fma(-(lr·dz_o), x_i, w_oi), dx by FMA over the rows in order; rounding only.
void gemv_sgd_update(float* dx, float* w, const float* dz, const float* x, float lr,
                     std::size_t I, std::size_t O);

// The fast kernels with a chosen instruction set (for tests and benchmarks). An ISA this CPU
// lacks (gemm_isa_supported) runs kGeneric; kAuto is the best one (gemm_isa_best).
void gemv_forward_with(GemmIsa isa, float* z, const float* x, const float* w, const float* bias,
                       std::size_t I, std::size_t O);
void gemv_backward_input_with(GemmIsa isa, float* dx, const float* dz, const float* w,
                              std::size_t I, std::size_t O);
void ger_with(GemmIsa isa, float* dw, const float* dz, const float* x, std::size_t I,
              std::size_t O);
void gemv_sgd_update_with(GemmIsa isa, float* dx, float* w, const float* dz, const float* x,
                          float lr, std::size_t I, std::size_t O);

}  // namespace bp::kernels
