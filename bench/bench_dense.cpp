// Dense forward + backward kernels: the BLAS path against the reference loops, per shape.
// Each benchmark first checks the fast kernel against the reference, then times it.
// Reports GFLOP/s (2*N*I*O flops for forward; 4*N*I*O for the dw and dx products of backward).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "kernels/dense.hpp"

namespace {

struct Shape {
  std::size_t N, I, O;
  std::vector<float> x, w, b, z, dz, dw, db, dx;
  explicit Shape(std::size_t n, std::size_t i, std::size_t o)
      : N(n), I(i), O(o), x(n * i), w(o * i), b(o), z(n * o), dz(n * o), dw(o * i), db(o), dx(n * i) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-1, 1);
    for (auto* v : {&x, &w, &b, &dz})
      for (auto& e : *v) e = u(rng);
  }
};

Shape shape_of(const benchmark::State& s) {
  return Shape(static_cast<std::size_t>(s.range(0)), static_cast<std::size_t>(s.range(1)),
               static_cast<std::size_t>(s.range(2)));
}

void verify(Shape& s) {
  std::vector<float> ref(s.N * s.O);
  bp::kernels::dense_forward(s.z.data(), s.x.data(), s.w.data(), s.b.data(), s.N, s.I, s.O);
  bp::kernels::dense_forward_ref(ref.data(), s.x.data(), s.w.data(), s.b.data(), s.N, s.I, s.O);
  for (std::size_t k = 0; k < ref.size(); ++k)
    if (std::abs(ref[k] - s.z[k]) > 1e-4f * static_cast<float>(s.I)) {
      std::fprintf(stderr, "bench_dense: fast kernel differs from reference at z[%zu]\n", k);
      std::exit(1);
    }
}

template <bool kFast>
void BM_DenseForward(benchmark::State& state) {
  Shape s = shape_of(state);
  verify(s);
  for (auto _ : state) {
    if (kFast)
      bp::kernels::dense_forward(s.z.data(), s.x.data(), s.w.data(), s.b.data(), s.N, s.I, s.O);
    else
      bp::kernels::dense_forward_ref(s.z.data(), s.x.data(), s.w.data(), s.b.data(), s.N, s.I, s.O);
    benchmark::DoNotOptimize(s.z.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(s.N * s.I * s.O) * double(state.iterations()),
                                                 benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

template <bool kFast>
void BM_DenseBackward(benchmark::State& state) {
  Shape s = shape_of(state);
  verify(s);
  for (auto _ : state) {
    if (kFast)
      bp::kernels::dense_backward(s.dx.data(), s.dw.data(), s.db.data(), s.dz.data(), s.x.data(),
                                  s.w.data(), s.N, s.I, s.O);
    else
      bp::kernels::dense_backward_ref(s.dx.data(), s.dw.data(), s.db.data(), s.dz.data(), s.x.data(),
                                      s.w.data(), s.N, s.I, s.O);
    benchmark::DoNotOptimize(s.dw.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(4.0 * double(s.N * s.I * s.O) * double(state.iterations()),
                                                 benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

// Shapes: the seed (1,2,2), online Fashion-MNIST layer 1 (1,784,256), and batch-128 layers.
#define SHAPES ->Args({1, 2, 2})->Args({1, 784, 256})->Args({128, 784, 256})->Args({128, 256, 128})->Args({128, 128, 10})
BENCHMARK(BM_DenseForward<true>) SHAPES;
BENCHMARK(BM_DenseForward<false>) SHAPES;
BENCHMARK(BM_DenseBackward<true>) SHAPES;
BENCHMARK(BM_DenseBackward<false>) SHAPES;

}  // namespace

BENCHMARK_MAIN();
