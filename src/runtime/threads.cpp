// The library's thread count: our pool (src/runtime/thread_pool.cpp, float products and element-wise
// passes) and OpenBLAS's (double products) are both sized from it.
#include "backprop/core/threads.hpp"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace bp {

namespace {

// 0 = not set yet: the first num_threads() takes OpenBLAS's own default (OPENBLAS_NUM_THREADS
// or OMP_NUM_THREADS if set, else every core).
std::atomic<std::size_t> g_threads{0};

}  // namespace

void set_num_threads(std::size_t n) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  if (n == 0) n = cores;
  openblas_set_num_threads(static_cast<int>(n));
  g_threads.store(n, std::memory_order_relaxed);
}

std::size_t num_threads() {
  std::size_t n = g_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    n = static_cast<std::size_t>(std::max(1, openblas_get_num_threads()));
    g_threads.store(n, std::memory_order_relaxed);
  }
  return n;
}

}  // namespace bp
