// Flushing subnormal optimizer state to zero. Internal.
//
// A decaying optimizer buffer (SGD's velocity, Adam's moments) whose gradient has stopped, as
// for the weights of a dead ReLU unit, shrinks by a constant factor each step into the
// subnormal range and, for factors >= 0.5, stays there for good: 0.9 times the smallest
// subnormal rounds back to it. Every x86 operation on a subnormal takes a microcode assist
// (~100x slower), which made the third epoch of the W2 benchmark run at 61 % of the first's
// speed with SGD momentum (and Adam's fourth at 80 %). Stored as 0 instead, such a value changes
// no weight of normal magnitude: |lr * v| < 2^-126 is below half an ulp of any float above
// 2^-102 (with lr <= 1), and W2's model after 3 epochs is byte-identical either way.
#pragma once

#include <limits>

namespace bp::kernels {

/// v, or +0 when |v| is below the smallest normal T (NaN and infinities pass unchanged).
template <class T>
inline T flush_subnormal(T v) {
  return (v < T(0) ? -v : v) < std::numeric_limits<T>::min() ? T(0) : v;
}

}  // namespace bp::kernels
