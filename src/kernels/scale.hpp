// Batch preparation kernels: bytes to floats, and the per-feature scaling x = (x - offset) / scale
// of bp::Scaler. Each has a plain reference loop (`_ref`) beside the fast version. Internal.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bp::kernels {

/// Which loop the fast kernels run. kAuto: the best this CPU supports; kAvx512 exists only on
/// x86-64 (AVX-512F); kGeneric: portable C++ (what the compiler vectorises for the baseline).
enum class ScaleIsa { kAuto, kAvx512, kGeneric };
bool scale_isa_supported(ScaleIsa isa);

// dst[k] = src[k] for k < count (exact: every byte is a float and a double).
template <class T>
void u8_to_real_ref(T* dst, const std::uint8_t* src, std::size_t count);
template <class T>
void u8_to_real(T* dst, const std::uint8_t* src, std::size_t count, ScaleIsa isa = ScaleIsa::kAuto);

// x: (N, I) in place, offset, scale: (I):  x[n][i] = T((double(x[n][i]) - offset[i]) / scale[i]),
// the division in double, then one rounding to T.
// The fast float version multiplies by 1/scale[i] instead of dividing and divides only where
// that could round differently: the product is within 2 ulp (double) of the quotient, so the two
// give the same float unless the product lies within a few double ulps of a halfway point
// between two floats (or is subnormal, infinite or NaN as a float); those elements, about one
// in 10^7, are divided. The result is therefore bit-identical to the reference.
// double has no such shortcut (the quotient is the result): it divides, vectorised.
// Rows are split across bp::num_threads() threads when the batch is large (same result).
template <class T>
void scale_columns_ref(T* x, std::size_t N, std::size_t I, const double* offset,
                       const double* scale);
template <class T>
void scale_columns(T* x, std::size_t N, std::size_t I, const double* offset, const double* scale,
                   ScaleIsa isa = ScaleIsa::kAuto);

}  // namespace bp::kernels
