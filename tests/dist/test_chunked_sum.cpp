// ChunkedSum without MPI: P "processes" are P threads joined by an in-process Communicator, so the
// exact reduction is tested in every build. Expected values are hand-derived dyadic sums.
#include <gtest/gtest.h>

#include <barrier>
#include <cmath>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "backprop/core/param.hpp"
#include "backprop/dist/chunked_sum.hpp"

namespace {

using bp::dist::Communicator;

// The shared side of P threads' collectives: each writes its contribution, a barrier, each reads
// the combination (computed by every thread in rank order), a barrier.
struct Hub {
  explicit Hub(int p) : size(p), sync(p), d(std::size_t(p)), i(std::size_t(p)), s(std::size_t(p)) {}
  int size;
  std::barrier<> sync;
  std::vector<std::vector<double>> d;
  std::vector<std::vector<double>> i;
  std::vector<std::string> s;
};

class ThreadGroup final : public Communicator {
 public:
  ThreadGroup(Hub& hub, int rank) : hub_(hub), rank_(rank) {}
  int rank() const noexcept override { return rank_; }
  int size() const noexcept override { return hub_.size; }
  void max(std::span<double> v) override { combine(hub_.d, v, [](double a, double b) { return std::max(a, b); }); }
  // Adds in reverse rank order: the sum must not depend on the order.
  void sum(std::span<double> v) override { combine(hub_.i, v, [](double a, double b) { return b + a; }); }
  void sum_float(std::span<float>) override { FAIL() << "not used"; }
  void broadcast(std::string& s) override {
    if (rank_ == 0) hub_.s[0] = s;
    hub_.sync.arrive_and_wait();
    s = hub_.s[0];
    hub_.sync.arrive_and_wait();
  }

 private:
  template <class V, class F>
  void combine(std::vector<std::vector<V>>& slots, std::span<V> v, F f) {
    slots[std::size_t(rank_)].assign(v.begin(), v.end());
    hub_.sync.arrive_and_wait();
    for (std::size_t k = 0; k < v.size(); ++k) {
      V acc = slots[0][k];
      for (std::size_t r = 1; r < slots.size(); ++r) acc = f(acc, slots[r][k]);
      v[k] = acc;
    }
    hub_.sync.arrive_and_wait();
  }
  Hub& hub_;
  int rank_;
};

// Runs fn(rank, comm) on P threads.
void run_group(int P, const std::function<void(int, Communicator&)>& fn) {
  Hub hub(P);
  std::vector<std::thread> t;
  for (int r = 0; r < P; ++r)
    t.emplace_back([&, r] {
      ThreadGroup g(hub, r);
      fn(r, g);
    });
  for (auto& th : t) th.join();
}

// A batch of 6 chunks of 2 samples (12 samples); chunk c's gradient of the single 1x3 tensor.
// Values of very different sizes: a float sum would round differently in different orders.
std::vector<float> chunk_grad(std::size_t c) {
  const float big = 1 << 24;  // 2^24: adding 1 to it in float is lost
  switch (c) {
    case 0: return {big, 0.5f, -3.0f};
    case 1: return {1.0f, 0.25f, 1.0f};
    case 2: return {-big, 0.25f, 2.0f};
    case 3: return {1.0f, -1.0f, 0.0f};
    case 4: return {1.0f, 0.0f, 0.0f};
    default: return {1.0f, 0.0f, 4.0f};
  }
}

std::vector<float> reduce_at(int P, bool& stop_out) {
  std::vector<float> result(3);
  run_group(P, [&](int rank, Communicator& comm) {
    bp::Param<float> w("w", 1, 3);
    std::vector<bp::Param<float>*> ps{&w};
    bp::dist::ChunkedSum<float> sum(ps, comm, 2, 12);
    const auto mine = sum.mine(12);
    for (std::size_t c = mine.first; c < mine.last; ++c) {
      const auto g = chunk_grad(c);
      std::copy(g.begin(), g.end(), w.grad.data());
      sum.add(c - mine.first, 2, 1.0, 1);
    }
    const auto t = sum.reduce(12, rank == P - 1);
    EXPECT_TRUE(t.not_finite.empty());
    EXPECT_EQ(t.correct, 6u);  // one per chunk
    EXPECT_DOUBLE_EQ(t.loss, 1.0);
    if (rank == 0) {
      std::copy(w.grad.data(), w.grad.data() + 3, result.begin());
      stop_out = t.stop;
    }
  });
  return result;
}

TEST(ChunkedSum, SameBitsForOneToFourProcessesAndTheExactMean) {
  bool stop = false;
  const auto ref = reduce_at(1, stop);
  // Exact mean over 12 samples of 2 * (sum of the chunk gradients):
  //   column 0: 2 * (2^24 + 1 - 2^24 + 1 + 1 + 1) / 12 = 8/12; column 1: 2 * 0 / 12 = 0;
  //   column 2: 2 * 4 / 12 = 8/12. The grid rounds to 2^-k with k > 30 here: within 1e-7.
  EXPECT_NEAR(ref[0], 8.0 / 12, 1e-7);
  EXPECT_EQ(ref[1], 0.0f);
  EXPECT_NEAR(ref[2], 8.0 / 12, 1e-7);
  for (int P = 2; P <= 4; ++P) {
    const auto got = reduce_at(P, stop);
    for (int k = 0; k < 3; ++k) EXPECT_EQ(got[std::size_t(k)], ref[std::size_t(k)]) << "P=" << P << " k=" << k;
    EXPECT_TRUE(stop) << "a stop asked for by one process reaches all";
  }
}

TEST(ChunkedSum, ANonFiniteChunkIsReportedOnEveryProcess) {
  run_group(3, [](int, Communicator& comm) {
    bp::Param<float> w("dense_1.w", 1, 2);
    std::vector<bp::Param<float>*> ps{&w};
    bp::dist::ChunkedSum<float> sum(ps, comm, 1, 3);
    const auto mine = sum.mine(3);
    for (std::size_t c = mine.first; c < mine.last; ++c) {
      w.grad.data()[0] = c == 2 ? NAN : 1.0f;
      sum.add(c - mine.first, 1, 0.5, 0);
    }
    EXPECT_EQ(sum.reduce(3, false).not_finite, "dense_1.w");
  });
}

TEST(ChunkedSum, ChunksAreSplitIntoContiguousBlocks) {
  EXPECT_EQ(bp::dist::chunk_count(48, 8), 6u);
  EXPECT_EQ(bp::dist::chunk_count(49, 8), 7u);
  const auto r = bp::dist::chunks_of(6, 1, 4);  // 6 chunks over 4: [0,1) [1,3) [3,4) [4,6)
  EXPECT_EQ(r.first, 1u);
  EXPECT_EQ(r.last, 3u);
  EXPECT_EQ(bp::dist::default_chunk(128), 32u);
  EXPECT_EQ(bp::dist::default_chunk(1024), 86u);
  EXPECT_EQ(bp::dist::default_chunk(20), 20u);
}

}  // namespace
