// Dense kernels. Small products (where call overhead dominates, and the seed's networks) run the
// reference loops; larger ones go to sgemm (float) or the BLAS (double).
#include "kernels/dense.hpp"

#include <cblas.h>

#include <algorithm>
#include <type_traits>

#include "backprop/core/threads.hpp"
#include "kernels/gemm.hpp"
#include "kernels/gemv.hpp"

namespace bp::kernels {

namespace {

// Below this many multiply-adds a product runs the plain loop.
constexpr std::size_t kBlasMinWork = 4096;

inline blasint bi(std::size_t v) { return static_cast<blasint>(v); }

// float: our own packed AVX-512 / AVX2 / portable SGEMM (src/kernels/gemm.cpp), about 4x the
// shipped OpenBLAS on this machine, whose 0.3.21 falls back to generic SSE3 kernels on CPUs it does
// not know. Threads: up to bp::num_threads(), on the library's persistent pool; sgemm itself
// keeps small products on the calling thread. Results do not depend on the thread count.
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, std::size_t M, std::size_t N, std::size_t K,
          float alpha, const float* A, std::size_t lda, const float* B, std::size_t ldb, float beta,
          float* C, std::size_t ldc) {
  sgemm(ta == CblasTrans, tb == CblasTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
        num_threads());
}
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, std::size_t M, std::size_t N, std::size_t K,
          double alpha, const double* A, std::size_t lda, const double* B, std::size_t ldb,
          double beta, double* C, std::size_t ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, bi(M), bi(N), bi(K), alpha, A, bi(lda), B, bi(ldb), beta, C,
              bi(ldc));
}

// z = x·wᵀ + bias. float: the bias is added in sgemm's store (same bits as broadcasting it into
// z and accumulating with beta = 1, which is what double does).
void forward_product(float* z, const float* x, const float* w, const float* bias, std::size_t N,
                     std::size_t I, std::size_t O) {
  if (!bias) return gemm(CblasNoTrans, CblasTrans, N, O, I, 1.0f, x, I, w, I, 0.0f, z, O);
  sgemm_bias(false, true, N, O, I, x, I, w, I, bias, z, O, num_threads());
}
void forward_product(double* z, const double* x, const double* w, const double* bias,
                     std::size_t N, std::size_t I, std::size_t O) {
  double beta = 0;
  if (bias) {  // z = bias broadcast, then z += x wᵀ
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t o = 0; o < O; ++o) z[n * O + o] = bias[o];
    beta = 1;
  }
  gemm(CblasNoTrans, CblasTrans, N, O, I, 1.0, x, I, w, I, beta, z, O);
}

// dbias (O) += sum over n of dz (N, O), summed in n order for every o (the reference's order),
// vectorised across o. dbias never overlaps dz.
template <class T>
[[gnu::always_inline]] inline void column_sums_body(T* __restrict dbias, const T* __restrict dz,
                                                    std::size_t N, std::size_t O) {
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t o = 0; o < O; ++o) dbias[o] += dz[n * O + o];
}
template <class T>
void column_sums_generic(T* dbias, const T* dz, std::size_t N, std::size_t O) {
  column_sums_body(dbias, dz, N, O);
}
#if defined(__x86_64__)
template <class T>
__attribute__((target("avx512f"))) void column_sums_avx512(T* dbias, const T* dz, std::size_t N,
                                                           std::size_t O) {
  column_sums_body(dbias, dz, N, O);
}
#endif
template <class T>
void add_column_sums(T* dbias, const T* dz, std::size_t N, std::size_t O) {
#if defined(__x86_64__)
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (avx512) return column_sums_avx512(dbias, dz, N, O);
#endif
  column_sums_generic(dbias, dz, N, O);
}

}  // namespace

template <class T>
void dense_forward_ref(T* z, const T* x, const T* w, const T* bias, std::size_t N, std::size_t I,
                       std::size_t O) {
  for (std::size_t n = 0; n < N; ++n) {
    const T* x_n = x + n * I;
    T* z_n = z + n * O;
    for (std::size_t o = 0; o < O; ++o) {
      const T* w_o = w + o * I;
      T acc = T(0);
      for (std::size_t i = 0; i < I; ++i) acc += x_n[i] * w_o[i];
      z_n[o] = bias ? acc + bias[o] : acc;
    }
  }
}

template <class T>
void dense_forward(T* z, const T* x, const T* w, const T* bias, std::size_t N, std::size_t I,
                   std::size_t O) {
  if constexpr (std::is_same_v<T, float>)  // one sample: matrix-vector kernels (src/kernels/gemv.cpp)
    if (N == 1 && I * O >= kBlasMinWork) return gemv_forward(z, x, w, bias, I, O);
  if (N * I * O < kBlasMinWork) return dense_forward_ref(z, x, w, bias, N, I, O);
  forward_product(z, x, w, bias, N, I, O);
}

template <class T>
void dense_backward_ref(T* dx, T* dw, T* dbias, const T* dz, const T* x, const T* w, std::size_t N,
                        std::size_t I, std::size_t O) {
  for (std::size_t n = 0; n < N; ++n) {
    const T* dz_n = dz + n * O;
    for (std::size_t o = 0; o < O; ++o) {
      const T g = dz_n[o];
      if (dw) {
        const T* x_n = x + n * I;
        T* dw_o = dw + o * I;
        for (std::size_t i = 0; i < I; ++i) dw_o[i] += g * x_n[i];
      }
      if (dbias) dbias[o] += g;
    }
    if (dx) {
      T* dx_n = dx + n * I;
      for (std::size_t i = 0; i < I; ++i) {
        T acc = T(0);
        for (std::size_t o = 0; o < O; ++o) acc += dz_n[o] * w[o * I + i];
        dx_n[i] = acc;
      }
    }
  }
}

template <class T>
void dense_backward(T* dx, T* dw, T* dbias, const T* dz, const T* x, const T* w, std::size_t N,
                    std::size_t I, std::size_t O) {
  if constexpr (std::is_same_v<T, float>) {  // one sample: rank-1 dw, matrix-vector dx
    if (N == 1 && I * O >= kBlasMinWork) {
      if (dw) ger(dw, dz, x, I, O);
      if (dbias)
        for (std::size_t o = 0; o < O; ++o) dbias[o] += dz[o];
      if (dx) gemv_backward_input(dx, dz, w, I, O);
      return;
    }
  }
  if (N * I * O < kBlasMinWork) return dense_backward_ref(dx, dw, dbias, dz, x, w, N, I, O);
  if (dw) gemm(CblasTrans, CblasNoTrans, O, I, N, T(1), dz, O, x, I, T(1), dw, I);  // dw += dzᵀ x
  if (dbias) add_column_sums(dbias, dz, N, O);
  if (dx) gemm(CblasNoTrans, CblasNoTrans, N, I, O, T(1), dz, O, w, I, T(0), dx, I);  // dx = dz w
}

template <class T>
void dense_weights_sgd(T* w, T* v, T* dw, const T* dz, const T* x, std::size_t N, std::size_t I,
                       std::size_t O, bool first, const SgdRule<T>& rule) {
  if constexpr (std::is_same_v<T, float>) {
    if (N > 1 && N * I * O >= kBlasMinWork)  // the branch dense_backward takes to sgemm
      return sgemm_sgd(true, false, O, I, N, dz, O, x, I, dw, I, w, v, I, first, rule,
                       num_threads());
  }
  std::fill(dw, dw + O * I, T(0));
  dense_backward<T>(nullptr, dw, nullptr, dz, x, w, N, I, O);
  sgd_update(w, dw, v, first, rule, O * I);
}

#define BP_INSTANTIATE(T)                                                                          \
  template void dense_forward_ref<T>(T*, const T*, const T*, const T*, std::size_t, std::size_t,  \
                                     std::size_t);                                                \
  template void dense_forward<T>(T*, const T*, const T*, const T*, std::size_t, std::size_t,      \
                                 std::size_t);                                                    \
  template void dense_backward_ref<T>(T*, T*, T*, const T*, const T*, const T*, std::size_t,      \
                                      std::size_t, std::size_t);                                  \
  template void dense_backward<T>(T*, T*, T*, const T*, const T*, const T*, std::size_t,          \
                                  std::size_t, std::size_t);                                      \
  template void dense_weights_sgd<T>(T*, T*, T*, const T*, const T*, std::size_t, std::size_t,    \
                                     std::size_t, bool, const SgdRule<T>&);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp::kernels
