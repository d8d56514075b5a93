// Batch preparation kernels: bytes to floats, and the per-feature scaling x = (x - offset) / scale
// of bp::Scaler. Each has a plain reference loop (`_ref`) beside the fast version. Internal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bp::kernels {

/// Which loop the fast kernels run. kAuto: the best this CPU supports; kAvx512 exists only on
/// x86-64 (AVX-512F); kGeneric: portable C++ (what the compiler vectorises for the baseline).
enum class ScaleIsa { kAuto, kAvx512, kGeneric };
bool scale_isa_supported(ScaleIsa isa);

/// Starts fetching the cache lines of [p, p + bytes): batch rows are scattered over the whole
/// data set, so gathers fetch the next row while they convert this one.
inline void prefetch_row(const std::uint8_t* p, std::size_t bytes) {
  for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off);
}

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

// ---- byte features, gathered and scaled in one pass ------------------------------------------
//
// A byte feature takes only 256 values, so whether multiplying by 1/scale[i] gives the same T as
// dividing by scale[i] can be settled once per feature by trying every value, instead of being
// tested on every element as scale_columns does. The plan records the answer; the kernel then
// multiplies where that is exact and divides the (rare) features where it is not: the result is
// the reference's, bit for bit, by construction.

/// Per feature i < I: inv[i] = 1 / scale[i]; bit (i % 8) of divide_float[i / 8] (divide_double)
/// is set when T((u - offset[i]) * inv[i]) differs from T((u - offset[i]) / scale[i]) for some
/// byte value u, T = float (double): that feature is divided.
struct ByteScaling {
  std::vector<double> inv;
  std::vector<std::uint8_t> divide_float, divide_double;  // ceil(I / 8) each
};
/// offset, scale: (I); scale[i] > 0 and finite, offset[i] finite (as bp::Scaler guarantees).
ByteScaling plan_byte_scaling(const double* offset, const double* scale, std::size_t I);

/// x: (nb, I), src: (N, I) bytes row-major, rows: (nb) indices < N (not checked here):
///   x[b][i] = T((double(src[rows[b] * I + i]) - offset[i]) / scale[i]),
/// i.e. u8_to_real_ref then scale_columns_ref on the gathered rows.
template <class T>
void gather_scale_u8_ref(T* x, const std::uint8_t* src, const std::size_t* rows, std::size_t nb,
                         std::size_t I, const double* offset, const double* scale);
/// The same bits in one pass (AVX-512 or portable, picked as for scale_columns), rows split
/// across bp::num_threads() threads when the batch is large; plan from plan_byte_scaling on the
/// same offset and scale.
template <class T>
void gather_scale_u8(T* x, const std::uint8_t* src, const std::size_t* rows, std::size_t nb,
                     std::size_t I, const double* offset, const double* scale,
                     const ByteScaling& plan, ScaleIsa isa = ScaleIsa::kAuto);

}  // namespace bp::kernels
