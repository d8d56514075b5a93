// Our sgemm (src/kernels/gemm.cpp) against OpenBLAS's cblas_sgemm on the products of one W2
// training step (784-256-128-10, batch 128), one thread. Every benchmark first checks its result
// against sgemm_ref, then times it. Reports GFLOP/s (2 M N K per call).
//   bench_gemm [google benchmark flags], e.g. --benchmark_repetitions=5 --benchmark_filter=fwd
// OPENBLAS_CORETYPE in the environment changes the kernels OpenBLAS picks (the context line
// "openblas_core" shows which); it has no effect on ours.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/gemm.hpp"

namespace {

struct Shape {
  const char* name;
  bool trans_a, trans_b;
  std::size_t M, N, K;
  float beta;
};

// The dense layer's products (src/kernels/dense.cpp) at batch 128, layer by layer:
// forward z = x·wᵀ, backward dw += dzᵀ·x, dx = dz·w (not for the first layer).
constexpr Shape kShapes[] = {
    {"fwd_784x256", false, true, 128, 256, 784, 0.0f},  // z (128,256) = x (128,784) · wᵀ
    {"fwd_256x128", false, true, 128, 128, 256, 0.0f},
    {"fwd_128x10", false, true, 128, 10, 128, 0.0f},
    {"dw_784x256", true, false, 256, 784, 128, 1.0f},   // dw (256,784) += dzᵀ · x (128,784)
    {"dw_256x128", true, false, 128, 256, 128, 1.0f},
    {"dw_128x10", true, false, 10, 128, 128, 1.0f},
    {"dx_784x256", false, false, 128, 784, 256, 0.0f},  // dx (128,784) = dz (128,256) · w
    {"dx_256x128", false, false, 128, 256, 128, 0.0f},
};

enum class Impl { kOurs, kOursAvx2, kOpenBlas };

struct Operands {
  std::size_t lda, ldb, ldc;
  std::vector<float> A, B, C;
  explicit Operands(const Shape& s)
      : lda(s.trans_a ? s.M : s.K), ldb(s.trans_b ? s.K : s.N), ldc(s.N),
        A(s.M * s.K), B(s.K * s.N), C(s.M * s.N) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-1, 1);
    for (auto* v : {&A, &B, &C})
      for (float& e : *v) e = u(rng);
  }
};

inline blasint bi(std::size_t v) { return static_cast<blasint>(v); }

void run(Impl impl, const Shape& s, Operands& o) {
  switch (impl) {
    case Impl::kOurs:
      bp::kernels::sgemm(s.trans_a, s.trans_b, s.M, s.N, s.K, 1.0f, o.A.data(), o.lda, o.B.data(),
                         o.ldb, s.beta, o.C.data(), o.ldc);
      break;
    case Impl::kOursAvx2:
      bp::kernels::sgemm_with(bp::kernels::GemmIsa::kAvx2, s.trans_a, s.trans_b, s.M, s.N, s.K,
                              1.0f, o.A.data(), o.lda, o.B.data(), o.ldb, s.beta, o.C.data(),
                              o.ldc);
      break;
    case Impl::kOpenBlas:
      cblas_sgemm(CblasRowMajor, s.trans_a ? CblasTrans : CblasNoTrans,
                  s.trans_b ? CblasTrans : CblasNoTrans, bi(s.M), bi(s.N), bi(s.K), 1.0f,
                  o.A.data(), bi(o.lda), o.B.data(), bi(o.ldb), s.beta, o.C.data(), bi(o.ldc));
      break;
  }
}

// One call against sgemm_ref; terms are in [-1, 1], so K * eps * K bounds the float error of
// either side (tests/kernels/test_gemm.cpp derives the per-element bound).
bool verify(Impl impl, const Shape& s) {
  Operands o(s), r(s);
  run(impl, s, o);
  bp::kernels::sgemm_ref(s.trans_a, s.trans_b, s.M, s.N, s.K, 1.0f, r.A.data(), r.lda, r.B.data(),
                         r.ldb, s.beta, r.C.data(), r.ldc);
  const double tol = 2.0 * double(s.K + 2) * double(s.K + 1) * std::numeric_limits<float>::epsilon();
  for (std::size_t k = 0; k < o.C.size(); ++k)
    if (!(std::abs(double(o.C[k]) - double(r.C[k])) <= tol)) {
      std::fprintf(stderr, "bench_gemm: %s: C[%zu][%zu]: got %g want %g (tol %g)\n", s.name,
                   k / s.N, k % s.N, double(o.C[k]), double(r.C[k]), tol);
      return false;
    }
  return true;
}

void bm_gemm(benchmark::State& state, Impl impl, const Shape& s) {
  if (!verify(impl, s)) {
    state.SkipWithError("result differs from sgemm_ref");
    return;
  }
  Operands o(s);
  for (auto _ : state) {
    run(impl, s, o);
    benchmark::DoNotOptimize(o.C.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * double(s.M * s.N * s.K) * double(state.iterations()),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

}  // namespace

int main(int argc, char** argv) {
  openblas_set_num_threads(1);
  benchmark::AddCustomContext("openblas_core", openblas_get_corename());
  benchmark::AddCustomContext("ours_isa",
                              bp::kernels::gemm_isa_name(bp::kernels::gemm_isa_best()));
  for (const Shape& s : kShapes) {
    const std::string shape = s.name;
    benchmark::RegisterBenchmark(("sgemm/ours/" + shape).c_str(), bm_gemm, Impl::kOurs, s);
    if (bp::kernels::gemm_isa_supported(bp::kernels::GemmIsa::kAvx2))
      benchmark::RegisterBenchmark(("sgemm/ours_avx2/" + shape).c_str(), bm_gemm, Impl::kOursAvx2, s);
    benchmark::RegisterBenchmark(("sgemm/openblas/" + shape).c_str(), bm_gemm, Impl::kOpenBlas, s);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
