// The matrix-multiply floor of W2: exactly the products one training epoch of the 784-256-128-10
// network performs (60,000 samples, batch 128 -> 468 batches of 128 and one of 96), issued as
// the calls our dense kernels (src/kernels/dense.cpp) make to our sgemm (src/kernels/gemm.cpp),
// with the same thread count (bp::set_num_threads, the persistent pool, sgemm's own rule for
// which products to split), and nothing else (no activations, loss, optimizer or data movement).
// Its time is the least an epoch can take with this sgemm on this machine.
// Per batch of N rows, for each layer l with I inputs and O outputs:
//   forward   z (N, O)  = x (N, I) · wᵀ + b        M=N, N=O, K=I     2 N I O flop (sgemm_bias)
//   backward  dw (O, I) += dzᵀ (O, N) · x (N, I)   M=O, N=I, K=N     2 N I O flop
//             dx (N, I) = dz (N, O) · w (O, I)     M=N, N=I, K=O     2 N I O flop (not for l = 0)
//   bench_gemm_limit [--samples 60000] [--batch 128] [--threads 1] [--repeat 3] [--blas openblas]
// --blas openblas issues the same products to OpenBLAS's cblas_sgemm instead (the bias written
// into z first, then beta = 1), for comparison with the BLAS PyTorch uses.
// Prints: RESULT workload=GEMM impl=ours|openblas threads=T batch=B gflop=G seconds=S gflops=R samples_per_s=P isa=I core=C
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <cstdio>
#include <exception>
#include <random>
#include <vector>

#include "backprop/core/threads.hpp"
#include "bench_util.hpp"
#include "kernels/gemm.hpp"

namespace {

constexpr std::size_t kSizes[] = {784, 256, 128, 10};
constexpr std::size_t kLayers = 3;

inline blasint bi(std::size_t v) { return static_cast<blasint>(v); }

struct Layer {
  std::size_t I, O;
  // x (B, I), w (O, I), b (O), z/dz (B, O), dw (O, I), dx (B, I)
  std::vector<float> x, w, b, z, dz, dw, dx;
};

bool g_openblas = false;

// The calls src/kernels/dense.cpp makes for float, with the same thread count.
void forward(Layer& l, std::size_t N) {
  if (g_openblas) {
    for (std::size_t n = 0; n < N; ++n) std::copy(l.b.begin(), l.b.end(), l.z.begin() + std::ptrdiff_t(n * l.O));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, bi(N), bi(l.O), bi(l.I), 1.0f, l.x.data(), bi(l.I),
                l.w.data(), bi(l.I), 1.0f, l.z.data(), bi(l.O));
    return;
  }
  bp::kernels::sgemm_bias(false, true, N, l.O, l.I, l.x.data(), l.I, l.w.data(), l.I, l.b.data(),
                          l.z.data(), l.O, bp::num_threads());
}

// One batch of N rows through every product of a training step.
void step(std::vector<Layer>& ls, std::size_t N) {
  for (Layer& l : ls) forward(l, N);
  const std::size_t T = bp::num_threads();
  for (std::size_t k = kLayers; k-- > 0;) {
    Layer& l = ls[k];
    if (g_openblas) {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, bi(l.O), bi(l.I), bi(N), 1.0f, l.dz.data(), bi(l.O),
                  l.x.data(), bi(l.I), 1.0f, l.dw.data(), bi(l.I));
      if (k > 0)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bi(N), bi(l.I), bi(l.O), 1.0f, l.dz.data(), bi(l.O),
                    l.w.data(), bi(l.I), 0.0f, l.dx.data(), bi(l.I));
      continue;
    }
    bp::kernels::sgemm(true, false, l.O, l.I, N, 1.0f, l.dz.data(), l.O, l.x.data(), l.I, 1.0f,
                       l.dw.data(), l.I, T);
    if (k > 0)
      bp::kernels::sgemm(false, false, N, l.I, l.O, 1.0f, l.dz.data(), l.O, l.w.data(), l.I, 0.0f,
                         l.dx.data(), l.I, T);
  }
}

// The forward product of the last layer against a plain loop: catches a wrong transpose flag.
bool check(Layer& l, std::size_t N) {
  forward(l, N);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t o = 0; o < l.O; ++o) {
      double acc = l.b[o];
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
  const bp::bench::Args args(argc, argv, {"samples", "batch", "threads", "repeat", "blas"});
  const std::size_t S = args.size("samples", 60000);
  const std::size_t B = std::max<std::size_t>(1, args.size("batch", 128));
  const std::size_t threads = std::max<std::size_t>(1, args.size("threads", 1));
  const std::size_t repeat = std::max<std::size_t>(1, args.size("repeat", 3));
  const std::string blas = args.str("blas", "ours");
  if (blas != "ours" && blas != "openblas") throw std::invalid_argument("--blas '" + blas + "': expected ours or openblas");
  g_openblas = blas == "openblas";
  bp::set_num_threads(threads);  // our pool and OpenBLAS's, as the CLI's --threads does

  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<Layer> ls;
  for (std::size_t k = 0; k < kLayers; ++k) {
    const std::size_t I = kSizes[k], O = kSizes[k + 1];
    Layer l{I, O, std::vector<float>(B * I), std::vector<float>(O * I), std::vector<float>(O),
            std::vector<float>(B * O), std::vector<float>(B * O), std::vector<float>(O * I),
            std::vector<float>(B * I)};
    for (auto* v : {&l.x, &l.w, &l.b, &l.dz}) for (auto& e : *v) e = u(rng);
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
  // isa: our sgemm's micro-kernel; core: the kernel set OpenBLAS picked for this CPU
  // (OPENBLAS_CORETYPE overrides it; run.sh prints it in the table's header).
  std::printf("RESULT workload=GEMM impl=%s threads=%zu batch=%zu gflop=%.3f seconds=%.4f gflops=%.2f samples_per_s=%.1f isa=%s core=%s\n",
              blas.c_str(), threads, B, flop * 1e-9, s, flop * 1e-9 / s, double(S) / s,
              bp::kernels::gemm_isa_name(bp::kernels::gemm_isa_best()), openblas_get_corename());
  return 0;
} catch (const std::exception& ex) {
  std::fprintf(stderr, "bench_gemm_limit: %s\n", ex.what());
  return 2;
}
