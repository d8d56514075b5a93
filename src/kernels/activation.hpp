// Activation kernels: forward and backward side by side. Internal; callers check shapes.
#pragma once

#include <cstddef>

#include "backprop/nn/activation.hpp"

namespace bp::kernels {

// a = f(z), element-wise, or row-wise for softmax.
// z: (N, O)  ->  a: (N, O). Overwrites a; a may alias z except for softmax.
// Stable for |z| up to at least 1e4 in float and double: sigmoid and softplus never evaluate
// e^(+|z|), softmax subtracts the row maximum.
template <class T>
void activation_forward(T* a, const T* z, std::size_t N, std::size_t O, Activation act, T alpha);

// dz = da * f'(z), element-wise; for softmax the row-wise Jacobian product
// dz_o = a_o * (da_o - sum_k da_k a_k).
// da, z, a: (N, O)  ->  dz: (N, O). Overwrites dz (not accumulated); dz may alias da.
// Needs from forward: z and a (each activation uses whichever gives the cheaper, exact form).
template <class T>
void activation_backward(T* dz, const T* da, const T* z, const T* a, std::size_t N, std::size_t O,
                         Activation act, T alpha);

// f'(z) of an element-wise activation at one point, given z and a = f(z). Not for softmax.
template <class T>
T activation_derivative(T z, T a, Activation act, T alpha);

// The logistic function, stable for any finite z.
template <class T>
T sigmoid(T z);

}  // namespace bp::kernels
