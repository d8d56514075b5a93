// Loss kernels: value and gradient side by side. Internal; callers check shapes.
#pragma once

#include <cstddef>

namespace bp::kernels {

// E = scale * sum 1/2 (t - y)^2;  dy = scale * (y - t).   y, t, dy: (N, O). dy overwritten.
template <class T>
T loss_half_sse_forward(const T* y, const T* t, std::size_t count, T scale);
template <class T>
void loss_half_sse_backward(T* dy, const T* y, const T* t, std::size_t count, T scale);

// Softmax cross-entropy on logits, per row: E_n = lse(z_n) * sum_o t_o - sum_o t_o z_o,
// E = scale * sum_n E_n;  dz = scale * (softmax(z) * sum_o t_o - t).
// z, t, dz: (N, O). dz overwritten. lse is computed with the row maximum subtracted.
template <class T>
T loss_softmax_ce_forward(const T* z, const T* t, std::size_t N, std::size_t O, T scale);
template <class T>
void loss_softmax_ce_backward(T* dz, const T* z, const T* t, std::size_t N, std::size_t O, T scale);

// Binary cross-entropy on logits, element-wise: E = scale * sum [max(z,0) - z t + log1p(e^-|z|)];
// dz = scale * (sigmoid(z) - t).   z, t, dz: (count). dz overwritten.
template <class T>
T loss_bce_logits_forward(const T* z, const T* t, std::size_t count, T scale);
template <class T>
void loss_bce_logits_backward(T* dz, const T* z, const T* t, std::size_t count, T scale);

}  // namespace bp::kernels
