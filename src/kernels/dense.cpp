// Dense kernels. Small products (where call overhead dominates, and the seed's networks) run the
// reference loops; larger ones go to sgemm (float) or the BLAS (double).
#include "kernels/dense.hpp"

#include <cblas.h>

#include "backprop/threads.hpp"
#include "kernels/gemm.hpp"

namespace bp::kernels {

namespace {

// Below this many multiply-adds a product runs the plain loop.
constexpr std::size_t kBlasMinWork = 4096;

inline blasint bi(std::size_t v) { return static_cast<blasint>(v); }

// float: our own packed AVX-512 / AVX2 / portable SGEMM (src/kernels/gemm.cpp), about 4x the
// shipped OpenBLAS on this machine, whose 0.3.21 falls back to generic SSE3 kernels on CPUs it does
// not know. Threads: the count set with bp::set_num_threads (the BLAS's own setting).
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, std::size_t M, std::size_t N, std::size_t K,
          float alpha, const float* A, std::size_t lda, const float* B, std::size_t ldb, float beta,
          float* C, std::size_t ldc) {
  // sgemm starts its threads per call (tens of microseconds), so only large products are split.
  constexpr std::size_t kThreadedMinWork = std::size_t{8} << 20;
  const std::size_t threads = M * N * K >= kThreadedMinWork ? num_threads() : 1;
  sgemm(ta == CblasTrans, tb == CblasTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, threads);
}
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, std::size_t M, std::size_t N, std::size_t K,
          double alpha, const double* A, std::size_t lda, const double* B, std::size_t ldb,
          double beta, double* C, std::size_t ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, bi(M), bi(N), bi(K), alpha, A, bi(lda), B, bi(ldb), beta, C,
              bi(ldc));
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
  if (N * I * O < kBlasMinWork) return dense_forward_ref(z, x, w, bias, N, I, O);
  T beta = T(0);
  if (bias) {  // z = bias broadcast, then z += x wᵀ
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t o = 0; o < O; ++o) z[n * O + o] = bias[o];
    beta = T(1);
  }
  gemm(CblasNoTrans, CblasTrans, N, O, I, T(1), x, I, w, I, beta, z, O);
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
  if (N * I * O < kBlasMinWork) return dense_backward_ref(dx, dw, dbias, dz, x, w, N, I, O);
  if (dw) gemm(CblasTrans, CblasNoTrans, O, I, N, T(1), dz, O, x, I, T(1), dw, I);  // dw += dzᵀ x
  if (dbias)
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t o = 0; o < O; ++o) dbias[o] += dz[n * O + o];
  if (dx) gemm(CblasNoTrans, CblasNoTrans, N, I, O, T(1), dz, O, w, I, T(0), dx, I);  // dx = dz w
}

#define BP_INSTANTIATE(T)                                                                          \
  template void dense_forward_ref<T>(T*, const T*, const T*, const T*, std::size_t, std::size_t,  \
                                     std::size_t);                                                \
  template void dense_forward<T>(T*, const T*, const T*, const T*, std::size_t, std::size_t,      \
                                 std::size_t);                                                    \
  template void dense_backward_ref<T>(T*, T*, T*, const T*, const T*, const T*, std::size_t,      \
                                      std::size_t, std::size_t);                                  \
  template void dense_backward<T>(T*, T*, T*, const T*, const T*, const T*, std::size_t,          \
                                  std::size_t, std::size_t);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp::kernels
