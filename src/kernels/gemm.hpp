// Single-precision GEMM of our own: packed panels, cache blocking and a register-blocked
// micro-kernel per instruction set (AVX-512, AVX2+FMA, portable C++), chosen at run time.
// Internal; callers check shapes. sgemm_ref is the plain loop that the tests compare against.
#pragma once

#include <cstddef>

#include "kernels/sgd_update.hpp"

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
/// Threads: at most `threads` (the caller passes bp::num_threads()); sgemm splits the columns of
/// C (or its rows, when N is narrow) in whole tiles across the library's persistent pool
/// (src/runtime/thread_pool.hpp), in parts of at least 2^18 multiply-adds, so small products stay on
/// the calling thread. The result is bit-identical for any thread count (each element is
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

/// C = op(A)·op(B) + bias, bias (N) broadcast over the rows: the dense layer's forward product
/// z = x·wᵀ + b with the bias added in the micro-kernel's store (one rounding: the same bits as
/// writing the bias into C first and calling sgemm with beta = 1), not in a pass of its own.
/// Otherwise as sgemm with alpha = 1, beta = 0 (C is not read).
void sgemm_bias(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K,
                const float* A, std::size_t lda, const float* B, std::size_t ldb,
                const float* bias, float* C, std::size_t ldc, std::size_t threads = 1);
void sgemm_bias_with(GemmIsa isa, bool trans_a, bool trans_b, std::size_t M, std::size_t N,
                     std::size_t K, const float* A, std::size_t lda, const float* B,
                     std::size_t ldb, const float* bias, float* C, std::size_t ldc,
                     std::size_t threads = 1);

/// The dense layer's weight gradient and its SGD step in one: G = op(A)·op(B) (M, N), as sgemm
/// with alpha = 1 and beta = 1 would accumulate it into a zeroed C, and then, per element, the
/// update of sgd_update_ref (src/kernels/sgd_update.hpp) with g = G(i, j) on w(i, j) and v(i, j)
/// (M, N, row stride ldw; v nullptr without momentum) — applied to each tile of G in the
/// micro-kernel's epilogue while it is hot, so G is never written to memory and never read back.
/// C (M, N, row stride ldc) is scratch: written only when K > 256 (partial sums between K
/// blocks), never read before it is written; its contents afterwards are unspecified.
/// Bit-identical to { C = 0; sgemm(.., beta = 1, C); sgd_update_ref(w, C, v, ..) } for the same
/// kernel, and for any thread count. w, v, C must not overlap each other or A, B.
void sgemm_sgd(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K,
               const float* A, std::size_t lda, const float* B, std::size_t ldb, float* C,
               std::size_t ldc, float* w, float* v, std::size_t ldw, bool first,
               const SgdRule<float>& rule, std::size_t threads = 1);
void sgemm_sgd_with(GemmIsa isa, bool trans_a, bool trans_b, std::size_t M, std::size_t N,
                    std::size_t K, const float* A, std::size_t lda, const float* B,
                    std::size_t ldb, float* C, std::size_t ldc, float* w, float* v,
                    std::size_t ldw, bool first, const SgdRule<float>& rule,
                    std::size_t threads = 1);

/// The reference: the plain triple loop, summing k in order 0..K-1 in float, then
/// C = alpha·acc + beta·C (C not read when beta == 0). Same contract as sgemm.
void sgemm_ref(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K,
               float alpha, const float* A, std::size_t lda, const float* B, std::size_t ldb,
               float beta, float* C, std::size_t ldc);
/// sgemm_ref, then C += bias per column.
void sgemm_bias_ref(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K,
                    const float* A, std::size_t lda, const float* B, std::size_t ldb,
                    const float* bias, float* C, std::size_t ldc);

}  // namespace bp::kernels
