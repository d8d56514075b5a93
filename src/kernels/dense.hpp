// Dense (fully connected) kernels: forward and backward side by side, each with a plain reference
// loop (`_ref`) beside the fast version that calls the BLAS. Internal; callers check shapes.
#pragma once

#include <cstddef>

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

}  // namespace bp::kernels
