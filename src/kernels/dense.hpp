// Dense (fully connected) kernels: forward and backward side by side, each with a plain reference
// loop (`_ref`) beside the fast version that calls the BLAS. Internal; callers check shapes.
#pragma once

#include <cstddef>

#include "kernels/sgd_update.hpp"

namespace bp::kernels {

// z = x · wᵀ + bias
// x: (N, I)  w: (O, I)  bias: (O) or nullptr  ->  z: (N, O). Overwrites z; z must not alias x or w.
// The reference sums in the seed's order: ((x_1 w_1 + x_2 w_2) + ...) + b.
template <class T>
void dense_forward_ref(T* z, const T* x, const T* w, const T* bias, std::size_t N, std::size_t I,
                       std::size_t O);
template <class T>
void dense_forward(T* z, const T* x, const T* w, const T* bias, std::size_t N, std::size_t I,
                   std::size_t O);

// dz: (N, O), x: (N, I), w: (O, I)  ->  dw: (O, I) += dzᵀ x (if dw), dbias: (O) += sum_n dz (if dbias),
// dx: (N, I) = dz · w (if dx; OVERWRITTEN, not accumulated). dw and dbias are ACCUMULATED.
// Needs from forward: the layer's input x (may be null when dw is null).
template <class T>
void dense_backward_ref(T* dx, T* dw, T* dbias, const T* dz, const T* x, const T* w, std::size_t N,
                        std::size_t I, std::size_t O);
template <class T>
void dense_backward(T* dx, T* dw, T* dbias, const T* dz, const T* x, const T* w, std::size_t N,
                    std::size_t I, std::size_t O);

// The weight gradient dw = dzᵀ x and one SGD step on w with it, as
// { dw = 0; dense_backward(nullptr, dw, nullptr, dz, x, w, ..); sgd_update(w, dw, v, ..) } does,
// bit for bit. dz: (N, O), x: (N, I), w, v, dw: (O, I) (v nullptr without momentum).
// dw is scratch (for float products large enough for sgemm the gradient is applied tile by tile
// in sgemm's epilogue and dw is not written unless N > 256); its contents afterwards are unspecified.
template <class T>
void dense_weights_sgd(T* w, T* v, T* dw, const T* dz, const T* x, std::size_t N, std::size_t I,
                       std::size_t O, bool first, const SgdRule<T>& rule);

}  // namespace bp::kernels
