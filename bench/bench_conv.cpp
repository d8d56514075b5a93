// The convolutional part of the target CNN (issue 11) at batch 128, float, 1 and 2 threads:
//   input 1x28x28 -> Conv2D 32 3x3 'same' -> ReLU -> MaxPool 2x2 -> Conv2D 64 3x3 'same' -> ReLU
//   -> MaxPool 2x2 -> (Flatten -> Dense 128 -> Dense 10: not timed here)
// Per layer (forward; backward with dw, db and, for conv2, dx; conv1 needs no dx), the whole stack
// forward + backward, and the parts of conv2's fast path (im2col, col2im, the three products) so
// that the time can be attributed. Each benchmark's second argument is the thread count.
// Peer: bench/peers/torch_conv.py.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "backprop/core/threads.hpp"
#include "kernels/conv2d.hpp"
#include "kernels/pool2d.hpp"

namespace {

using bp::kernels::Conv2dShape;
using bp::kernels::Pool2dShape;

constexpr std::size_t kBatch = 128;
const Conv2dShape kConv1{kBatch, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
const Conv2dShape kConv2{kBatch, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
const Pool2dShape kPool1{kBatch, 32, 28, 28, 2, 2, 2, 2, 0, 0, 0, 0};
const Pool2dShape kPool2{kBatch, 64, 14, 14, 2, 2, 2, 2, 0, 0, 0, 0};

std::vector<float> random_vec(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(n);
  for (float& e : v) e = u(rng);
  return v;
}

std::size_t in_size(const Conv2dShape& s) { return s.N * s.C * s.H * s.W; }
std::size_t out_size(const Conv2dShape& s) { return s.N * s.OC * s.OH() * s.OW(); }
double conv_flops(const Conv2dShape& s) { return 2.0 * double(out_size(s) * s.col_rows()); }

// One conv layer's tensors and scratch for up to 2 threads.
struct ConvLayer {
  Conv2dShape s;
  std::vector<float> x, w, b, y, dy, dx, dw, db, scratch;
  explicit ConvLayer(const Conv2dShape& shape)
      : s(shape), x(random_vec(in_size(s), 1)), w(random_vec(s.OC * s.col_rows(), 2)),
        b(random_vec(s.OC, 3)), y(out_size(s)), dy(random_vec(out_size(s), 4)), dx(in_size(s)),
        dw(w.size()), db(s.OC), scratch(bp::kernels::conv2d_scratch_size<float>(s, 2)) {}
  void forward(std::size_t t) {
    bp::kernels::conv2d_forward(y.data(), x.data(), w.data(), b.data(), s, scratch.data(), t);
  }
  void backward(std::size_t t, bool with_dx) {
    bp::kernels::conv2d_backward(with_dx ? dx.data() : nullptr, dw.data(), db.data(), dy.data(),
                                 x.data(), w.data(), s, scratch.data(), t);
  }
};

std::size_t threads_of(benchmark::State& state) {
  const auto t = static_cast<std::size_t>(state.range(0));
  bp::set_num_threads(t);
  return t;
}

void rate(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops * double(state.iterations()),
                                                 benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

void BM_Conv1Forward(benchmark::State& state) {
  const std::size_t t = threads_of(state);
  ConvLayer l(kConv1);
  for (auto _ : state) l.forward(t), benchmark::DoNotOptimize(l.y.data());
  rate(state, conv_flops(l.s));
}
void BM_Conv1Backward(benchmark::State& state) {  // dw, db only: the input needs no gradient
  const std::size_t t = threads_of(state);
  ConvLayer l(kConv1);
  for (auto _ : state) l.backward(t, false), benchmark::DoNotOptimize(l.dw.data());
  rate(state, conv_flops(l.s));
}
void BM_Conv2Forward(benchmark::State& state) {
  const std::size_t t = threads_of(state);
  ConvLayer l(kConv2);
  for (auto _ : state) l.forward(t), benchmark::DoNotOptimize(l.y.data());
  rate(state, conv_flops(l.s));
}
void BM_Conv2Backward(benchmark::State& state) {
  const std::size_t t = threads_of(state);
  ConvLayer l(kConv2);
  for (auto _ : state) l.backward(t, true), benchmark::DoNotOptimize(l.dx.data());
  rate(state, 2 * conv_flops(l.s));
}

// conv2's parts, one thread, summed over the batch: the lowering, its adjoint, and the products
// forward (64 x 196 x 288), dw (64 x 288 x 196) and dcol (288 x 196 x 64) per sample.
void BM_Conv2Im2col(benchmark::State& state) {
  ConvLayer l(kConv2);
  const std::size_t in = l.s.C * l.s.H * l.s.W;
  for (auto _ : state)
    for (std::size_t n = 0; n < kBatch; ++n) bp::kernels::im2col(l.scratch.data(), l.x.data() + n * in, l.s);
  benchmark::DoNotOptimize(l.scratch.data());
}
void BM_Conv2Col2im(benchmark::State& state) {
  ConvLayer l(kConv2);
  const std::size_t in = l.s.C * l.s.H * l.s.W;
  for (auto _ : state)
    for (std::size_t n = 0; n < kBatch; ++n) bp::kernels::col2im(l.dx.data() + n * in, l.scratch.data(), l.s);
  benchmark::DoNotOptimize(l.dx.data());
}
template <int kWhich>
void BM_Conv2Gemm(benchmark::State& state) {
  bp::set_num_threads(1);
  ConvLayer l(kConv2);
  const std::size_t M = l.s.OC, N = l.s.OH() * l.s.OW(), K = l.s.col_rows();
  const auto col = random_vec(K * N, 5);
  std::vector<float> out(std::max(M * N, K * N));
  for (auto _ : state)
    for (std::size_t n = 0; n < kBatch; ++n) {
      if (kWhich == 0) bp::kernels::sgemm(false, false, M, N, K, 1.0f, l.w.data(), K, col.data(), N, 1.0f, out.data(), N);
      if (kWhich == 1) bp::kernels::sgemm(false, true, M, K, N, 1.0f, l.dy.data(), N, col.data(), N, 1.0f, l.dw.data(), K);
      if (kWhich == 2) bp::kernels::sgemm(true, false, K, N, M, 1.0f, l.w.data(), K, l.dy.data(), N, 0.0f, out.data(), N);
    }
  benchmark::DoNotOptimize(out.data());
  rate(state, conv_flops(l.s));
}

void BM_MaxPool1(benchmark::State& state) {  // forward + backward
  const std::size_t t = threads_of(state);
  const Pool2dShape& s = kPool1;
  const std::size_t in = s.N * s.C * s.H * s.W, out = s.N * s.C * s.OH() * s.OW();
  const auto x = random_vec(in, 6), dy = random_vec(out, 7);
  std::vector<float> y(out), dx(in);
  std::vector<std::uint32_t> idx(out);
  for (auto _ : state) {
    bp::kernels::maxpool2d_forward(y.data(), idx.data(), x.data(), s, t);
    bp::kernels::maxpool2d_backward(dx.data(), dy.data(), idx.data(), s, t);
    benchmark::DoNotOptimize(dx.data());
  }
}

void relu(std::vector<float>& v) {
  for (float& e : v) e = std::max(e, 0.0f);
}
void relu_backward(std::vector<float>& d, const std::vector<float>& y) {
  for (std::size_t k = 0; k < d.size(); ++k) d[k] = y[k] > 0.0f ? d[k] : 0.0f;
}

// The whole convolutional stack, forward then backward, as a training step runs it.
void BM_ConvStack(benchmark::State& state) {
  const std::size_t t = threads_of(state);
  ConvLayer c1(kConv1), c2(kConv2);
  const std::size_t p1 = c2.x.size(), p2 = kPool2.N * kPool2.C * kPool2.OH() * kPool2.OW();
  std::vector<std::uint32_t> i1(p1), i2(p2);
  std::vector<float> y2(p2), dy2 = random_vec(p2, 8);
  for (auto _ : state) {
    c1.forward(t);
    relu(c1.y);
    bp::kernels::maxpool2d_forward(c2.x.data(), i1.data(), c1.y.data(), kPool1, t);
    c2.forward(t);
    relu(c2.y);
    bp::kernels::maxpool2d_forward(y2.data(), i2.data(), c2.y.data(), kPool2, t);
    bp::kernels::maxpool2d_backward(c2.dy.data(), dy2.data(), i2.data(), kPool2, t);
    relu_backward(c2.dy, c2.y);
    c2.backward(t, true);
    bp::kernels::maxpool2d_backward(c1.dy.data(), c2.dx.data(), i1.data(), kPool1, t);
    relu_backward(c1.dy, c1.y);
    c1.backward(t, false);
    benchmark::DoNotOptimize(c1.dw.data());
  }
  state.counters["samples/s"] = benchmark::Counter(double(kBatch) * double(state.iterations()),
                                                   benchmark::Counter::kIsRate);
}

#define THREADS ->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()
BENCHMARK(BM_Conv1Forward) THREADS;
BENCHMARK(BM_Conv1Backward) THREADS;
BENCHMARK(BM_Conv2Forward) THREADS;
BENCHMARK(BM_Conv2Backward) THREADS;
BENCHMARK(BM_MaxPool1) THREADS;
BENCHMARK(BM_ConvStack) THREADS;
BENCHMARK(BM_Conv2Im2col)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Conv2Col2im)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Conv2Gemm<0>)->Name("BM_Conv2GemmForward")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Conv2Gemm<1>)->Name("BM_Conv2GemmDw")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Conv2Gemm<2>)->Name("BM_Conv2GemmDcol")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
