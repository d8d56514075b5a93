// W6, the price of determinism: one training step's gradient reduction over MPI, for an MLP's
// parameter tensors, done two ways on the same gradients:
//   exact: ChunkedSum (include/backprop/dist/chunked_sum.hpp), as `mpirun ... backprop train`
//          does it: each owned chunk's gradients copied, max allreduce, fixed-point quantisation,
//          int64 MPI_Allreduce(SUM), back to floats;
//   plain: one float MPI_Allreduce(SUM) of the gradient buffer (what DDP-style trainers do; the
//          bits depend on P and on the library's summation order).
// Run under mpirun. Prints one RESULT line (rank 0): median microseconds per step of each.
//   mpirun -np 2 bench_allreduce --layers 784,256,128,10 --batch 128 [--reps 200]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "backprop/core/param.hpp"
#include "backprop/dist/chunked_sum.hpp"
#include "backprop/dist/communicator.hpp"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string layers = "784,256,128,10";
  std::size_t batch = 128, reps = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--layers") layers = v;
    else if (k == "--batch") batch = std::stoul(v);
    else if (k == "--reps") reps = std::stoul(v);
  }
  auto comm = bp::dist::join_launch_group();
  if (!comm) {
    std::fprintf(stderr, "bench_allreduce: run it under mpirun (and a build with MPI)\n");
    return 64;
  }
  std::vector<std::size_t> sizes;
  for (std::size_t p = 0, q; p < layers.size(); p = q + 1) {
    q = layers.find(',', p);
    if (q == std::string::npos) q = layers.size();
    sizes.push_back(std::stoul(layers.substr(p, q - p)));
  }
  std::vector<bp::Param<float>> params;
  params.reserve(2 * sizes.size());
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0.0f, 0.01f);
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    std::string w = "w", b = "b";  // appended, not "w" + ...: g++ 12's -Wrestrict false positive
    w += std::to_string(l);
    b += std::to_string(l);
    params.emplace_back(w, sizes[l + 1], sizes[l]);
    params.emplace_back(b, std::size_t(1), sizes[l + 1]);
  }
  std::vector<bp::Param<float>*> ptrs;
  std::size_t total = 0;
  for (auto& p : params) {
    for (std::size_t i = 0; i < p.size(); ++i) p.grad.data()[i] = nd(rng);
    ptrs.push_back(&p);
    total += p.size();
  }
  const std::size_t chunk = bp::dist::default_chunk(batch);
  bp::dist::ChunkedSum<float> exact(ptrs, *comm, chunk, batch);
  const bp::dist::ChunkRange mine = exact.mine(batch);
  std::vector<float> flat(total);
  std::vector<double> t_exact, t_plain, t_tiny;
  std::vector<float> one(1);
  using clock = std::chrono::steady_clock;
  for (std::size_t r = 0; r < reps; ++r) {
    auto t0 = clock::now();
    for (std::size_t k = mine.first; k < mine.last; ++k) exact.add(k - mine.first, chunk, 0.5, 0);
    exact.reduce(batch, false);
    auto t1 = clock::now();
    std::size_t o = 0;  // plain: the process's gradient as one buffer, summed as floats, averaged
    for (auto* p : ptrs) o = std::size_t(std::copy_n(p->grad.data(), p->size(), flat.data() + o) - flat.data());
    comm->sum_float(flat);
    const float inv = 1.0f / float(comm->size());
    for (float& v : flat) v *= inv;
    auto t2 = clock::now();
    comm->sum_float(one);  // a one-value message: the latency alpha of the cost model
    auto t3 = clock::now();
    t_tiny.push_back(std::chrono::duration<double, std::micro>(t3 - t2).count());
    t_exact.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    t_plain.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
  }
  if (comm->rank() == 0)
    std::printf("RESULT workload=W6-reduce layers=%s batch=%zu procs=%d params=%zu chunk=%zu exact_us=%.1f "
                "plain_float_us=%.1f ratio=%.2f tiny_us=%.1f\n",
                layers.c_str(), batch, comm->size(), total, chunk, median(t_exact), median(t_plain),
                median(t_exact) / median(t_plain), median(t_tiny));
  return 0;
}
