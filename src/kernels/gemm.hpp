// Single-precision GEMM of our own: packed panels, cache blocking and a register-blocked
// micro-kernel per instruction set (AVX-512, AVX2+FMA, portable C++), chosen at run time.
// Internal; callers check shapes. sgemm_ref is the plain loop that the tests compare against.
#pragma once

#include <cstddef>

namespace bp::kernels {

/// Which micro-kernel sgemm_with runs. kAuto: the best one this CPU supports.
/// kAvx512 (AVX-512F/VL, tile 12x32) and kAvx2 (AVX2+FMA, tile 6x16) exist only on x86-64;
/// kGeneric (plain C++, tile 4x8, no FMA) runs everywhere.
enum class GemmIsa { kAuto, kAvx512, kAvx2, kGeneric };

/// True when this build has the kernel and this CPU can run it (kAuto and kGeneric: always).
bool gemm_isa_supported(GemmIsa isa);
/// The kernel kAuto resolves to on this CPU (never kAuto).
GemmIsa gemm_isa_best();
/// "avx512", "avx2", "generic" or "auto".
const char* gemm_isa_name(GemmIsa isa);

/// C = alpha · op(A) · op(B) + beta · C, row-major, op(X) = X or Xᵀ.
///   op(A): (M, K); A is (M, K) with row stride lda >= K, or (K, M) with lda >= M when trans_a.
///   op(B): (K, N); B is (K, N) with row stride ldb >= N, or (N, K) with ldb >= K when trans_b.
///   C: (M, N) with row stride ldc >= N. OVERWRITES C when beta == 0 (C is then not read, so it
///   may hold NaN); accumulates beta·C otherwise. C must not alias A or B.
/// The dense layer's products: forward z = x·wᵀ (false, true), dw += dzᵀ·x (true, false),
/// dx = dz·w (false, false); (true, true) works too.
/// Threads: threads > 1 splits the columns of C (or its rows, when N is narrow) across that many
/// std::threads, started per call; the result is bit-identical to threads = 1 (each element is
/// computed by the same kernel, in the same order, on the same K blocks).
/// Packing buffers are thread_local and only grow: after the first call of a given size a
/// single-threaded call does not allocate. Results differ from sgemm_ref by rounding only
/// (explicit FMA, different summation order): |err| <~ K · eps_float · sum_k |a_ik b_kj|.
void sgemm(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, float alpha,
           const float* A, std::size_t lda, const float* B, std::size_t ldb, float beta, float* C,
           std::size_t ldc, std::size_t threads = 1);

/// sgemm with a chosen micro-kernel; isa must be supported (gemm_isa_supported), else it runs
/// kGeneric. For tests and benchmarks.
void sgemm_with(GemmIsa isa, bool trans_a, bool trans_b, std::size_t M, std::size_t N,
                std::size_t K, float alpha, const float* A, std::size_t lda, const float* B,
                std::size_t ldb, float beta, float* C, std::size_t ldc, std::size_t threads = 1);

/// The reference: the plain triple loop, summing k in order 0..K-1 in float, then
/// C = alpha·acc + beta·C (C not read when beta == 0). Same contract as sgemm.
void sgemm_ref(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K,
               float alpha, const float* A, std::size_t lda, const float* B, std::size_t ldb,
               float beta, float* C, std::size_t ldc);

}  // namespace bp::kernels
