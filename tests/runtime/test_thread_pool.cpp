// The persistent pool (src/runtime/thread_pool.hpp): every part runs exactly once, with any pool size and
// any number of parts; calls made from inside a part or from several threads at once run
// serially with the same result; exceptions reach the caller; part_range covers [0, count).
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "backprop/core/threads.hpp"
#include "runtime/thread_pool.hpp"

namespace {

struct ScopedThreads {
  std::size_t saved = bp::num_threads();
  explicit ScopedThreads(std::size_t n) { bp::set_num_threads(n); }
  ~ScopedThreads() { bp::set_num_threads(saved); }
};

TEST(ThreadPool, EveryPartOnce) {
  for (std::size_t threads : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5}}) {
    ScopedThreads scoped(threads);
    for (std::size_t parts = 0; parts <= 9; ++parts)
      for (int round = 0; round < 20; ++round) {
        std::vector<std::atomic<int>> hits(parts);
        bp::detail::parallel_parts(parts, [&](std::size_t p) { hits[p].fetch_add(1); });
        for (std::size_t p = 0; p < parts; ++p)
          ASSERT_EQ(hits[p].load(), 1) << "part " << p << " of " << parts << ", " << threads << " threads";
      }
  }
}

TEST(ThreadPool, NestedCallsRunSerially) {
  ScopedThreads scoped(3);
  std::vector<std::atomic<int>> hits(3 * 4);
  bp::detail::parallel_parts(3, [&](std::size_t outer) {
    bp::detail::parallel_parts(4, [&](std::size_t inner) { hits[outer * 4 + inner].fetch_add(1); });
  });
  for (std::size_t k = 0; k < hits.size(); ++k) EXPECT_EQ(hits[k].load(), 1) << k;
}

TEST(ThreadPool, ConcurrentCallers) {
  ScopedThreads scoped(2);
  std::atomic<long> sum{0};
  auto caller = [&] {
    for (int r = 0; r < 500; ++r)
      bp::detail::parallel_parts(4, [&](std::size_t p) { sum.fetch_add(long(p) + 1); });
  };
  std::thread a(caller), b(caller);
  a.join();
  b.join();
  EXPECT_EQ(sum.load(), 2L * 500 * (1 + 2 + 3 + 4));
}

TEST(ThreadPool, ExceptionsReachTheCaller) {
  ScopedThreads scoped(2);
  for (std::size_t bad : {std::size_t{0}, std::size_t{1}, std::size_t{2}}) {
    std::atomic<int> done{0};
    EXPECT_THROW(bp::detail::parallel_parts(3,
                                            [&](std::size_t p) {
                                              if (p == bad) throw std::runtime_error("part");
                                              done.fetch_add(1);
                                            }),
                 std::runtime_error)
        << "part " << bad;
    EXPECT_EQ(done.load(), 2) << "the other parts still ran";
  }
  // The pool still works afterwards.
  std::atomic<int> n{0};
  bp::detail::parallel_parts(2, [&](std::size_t) { n.fetch_add(1); });
  EXPECT_EQ(n.load(), 2);
}

TEST(ThreadPool, PartRangeCoversEverything) {
  for (std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{100}, std::size_t{1000}})
    for (std::size_t parts : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}})
      for (std::size_t align : {std::size_t{1}, std::size_t{8}, std::size_t{64}}) {
        std::size_t next = 0;
        for (std::size_t p = 0; p < parts; ++p) {
          const auto r = bp::detail::part_range(count, parts, p, align);
          EXPECT_EQ(r.begin, next) << count << "/" << parts << "/" << align;
          EXPECT_LE(r.begin, r.end);
          if (r.end < count) {
            EXPECT_EQ(r.end % align, 0u);
          }
          next = r.end;
        }
        EXPECT_EQ(next, count) << count << "/" << parts << "/" << align;
      }
}

}  // namespace
