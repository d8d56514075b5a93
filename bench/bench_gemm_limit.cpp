// The BLAS floor of W2: exactly the matrix products one training epoch of the 784-256-128-10
// network performs (60,000 samples, batch 128 -> 468 batches of 128 and one of 96), issued as
// the cblas_sgemm calls our dense kernels make, and nothing else (no activations, loss, optimizer
// or data movement). Its time is the least an epoch can take with this BLAS on this machine.
// Per batch of N rows, for each layer l with I inputs and O outputs:
//   forward   z (N, O)  = x (N, I) · wᵀ            M=N, N=O, K=I     2 N I O flop
//   backward  dw (O, I) += dzᵀ (O, N) · x (N, I)   M=O, N=I, K=N     2 N I O flop
//             dx (N, I) = dz (N, O) · w (O, I)     M=N, N=I, K=O     2 N I O flop (not for l = 0)
//   bench_gemm_limit [--samples 60000] [--batch 128] [--threads 1] [--repeat 3]
// Prints: RESULT workload=GEMM impl=openblas threads=T batch=B gflop=G seconds=S gflops=R samples_per_s=P core=C
#include <cblas.h>

#include <cmath>
#include <cstdio>
#include <exception>
#include <random>
#include <vector>

#include "bench_util.hpp"

namespace {

constexpr std::size_t kSizes[] = {784, 256, 128, 10};
constexpr std::size_t kLayers = 3;

inline blasint bi(std::size_t v) { return static_cast<blasint>(v); }

struct Layer {
  std::size_t I, O;
  std::vector<float> x, w, z, dz, dw, dx;  // x (B, I), w (O, I), z/dz (B, O), dw (O, I), dx (B, I)
};

// One batch of N rows through every product of a training step.
void step(std::vector<Layer>& ls, std::size_t N) {
  for (Layer& l : ls)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, bi(N), bi(l.O), bi(l.I), 1.0f, l.x.data(), bi(l.I),
                l.w.data(), bi(l.I), 0.0f, l.z.data(), bi(l.O));
  for (std::size_t k = kLayers; k-- > 0;) {
    Layer& l = ls[k];
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, bi(l.O), bi(l.I), bi(N), 1.0f, l.dz.data(), bi(l.O),
                l.x.data(), bi(l.I), 1.0f, l.dw.data(), bi(l.I));
    if (k > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bi(N), bi(l.I), bi(l.O), 1.0f, l.dz.data(), bi(l.O),
                  l.w.data(), bi(l.I), 0.0f, l.dx.data(), bi(l.I));
  }
}

// The forward product of the last layer against a plain loop: catches a wrong transpose flag.
bool check(Layer& l, std::size_t N) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, bi(N), bi(l.O), bi(l.I), 1.0f, l.x.data(), bi(l.I),
              l.w.data(), bi(l.I), 0.0f, l.z.data(), bi(l.O));
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t o = 0; o < l.O; ++o) {
      double acc = 0;
      for (std::size_t i = 0; i < l.I; ++i) acc += double(l.x[n * l.I + i]) * double(l.w[o * l.I + i]);
      // Terms in [-1, 1], I of them: float rounding grows like I * eps_float.
      if (std::abs(acc - double(l.z[n * l.O + o])) > double(l.I) * 1.2e-7 * 4) {
        std::fprintf(stderr, "bench_gemm_limit: z[%zu][%zu]: sgemm %g, loop %g\n", n, o, double(l.z[n * l.O + o]), acc);
        return false;
      }
    }
  return true;
}

}  // namespace

int main(int argc, char** argv) try {
  const bp::bench::Args args(argc, argv, {"samples", "batch", "threads", "repeat"});
  const std::size_t S = args.size("samples", 60000);
  const std::size_t B = std::max<std::size_t>(1, args.size("batch", 128));
  const std::size_t threads = std::max<std::size_t>(1, args.size("threads", 1));
  const std::size_t repeat = std::max<std::size_t>(1, args.size("repeat", 3));
  openblas_set_num_threads(static_cast<int>(threads));

  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<Layer> ls;
  for (std::size_t k = 0; k < kLayers; ++k) {
    const std::size_t I = kSizes[k], O = kSizes[k + 1];
    Layer l{I, O, std::vector<float>(B * I), std::vector<float>(O * I), std::vector<float>(B * O),
            std::vector<float>(B * O), std::vector<float>(O * I), std::vector<float>(B * I)};
    for (auto* v : {&l.x, &l.w, &l.dz}) for (auto& e : *v) e = u(rng);
    ls.push_back(std::move(l));
  }
  if (!check(ls.back(), B)) return 1;

  double flop = 0;
  for (std::size_t start = 0; start < S; start += B) {
    const double N = double(std::min(B, S - start));
    for (std::size_t k = 0; k < kLayers; ++k)
      flop += 2 * N * double(kSizes[k] * kSizes[k + 1]) * (k > 0 ? 3 : 2);
  }
  step(ls, B);  // warm-up: thread pool start, first touch of the buffers
  std::vector<double> secs;
  for (std::size_t r = 0; r < repeat; ++r) {
    const auto t0 = bp::bench::Clock::now();
    for (std::size_t start = 0; start < S; start += B) step(ls, std::min(B, S - start));
    secs.push_back(bp::bench::seconds_since(t0));
  }
  const double s = bp::bench::median(secs);
  // core: the kernel set OpenBLAS picked for this CPU (OPENBLAS_CORETYPE overrides it).
  std::printf("RESULT workload=GEMM impl=openblas threads=%zu batch=%zu gflop=%.3f seconds=%.4f gflops=%.2f samples_per_s=%.1f core=%s\n",
              threads, B, flop * 1e-9, s, flop * 1e-9 / s, double(S) / s, openblas_get_corename());
  return 0;
} catch (const std::exception& ex) {
  std::fprintf(stderr, "bench_gemm_limit: %s\n", ex.what());
  return 2;
}
