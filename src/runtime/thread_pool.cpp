// The persistent pool behind bp::detail::run_parts (see thread_pool.hpp).
#include "runtime/thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "backprop/core/threads.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BP_CPU_RELAX() _mm_pause()
#else
#define BP_CPU_RELAX() ((void)0)
#endif

namespace bp::detail {

namespace {

// How long an idle thread polls before it sleeps. Long enough to cover the element-wise work
// between two products of one training step (tens of microseconds), short enough that a pool
// left idle stops competing for the cores (with OpenBLAS's threads, say) almost at once.
constexpr auto kSpin = std::chrono::microseconds(200);

// Waits until a.load() != old: polls for kSpin, then sleeps in a.wait.
std::uint32_t await_change(const std::atomic<std::uint32_t>& a, std::uint32_t old) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (unsigned i = 1;; ++i) {
    const std::uint32_t v = a.load(std::memory_order_acquire);
    if (v != old) return v;
    BP_CPU_RELAX();
    if (i % 64 == 0 && std::chrono::steady_clock::now() > until) break;
  }
  for (;;) {
    a.wait(old, std::memory_order_acquire);
    const std::uint32_t v = a.load(std::memory_order_acquire);
    if (v != old) return v;
  }
}

class Pool {
 public:
  ~Pool() {
    std::lock_guard<std::mutex> lock(mu_);
    resize(0);
  }

  // False when the pool is busy; the caller then runs the parts itself.
  bool run(std::size_t parts, PartFn fn, void* ctx) {
    std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
    if (!lock.owns_lock()) return false;
    const std::size_t want = num_threads() - 1;
    if (want != wanted_) resize(want);
    if (workers_.empty()) return false;
    const std::size_t helpers = std::min(parts - 1, workers_.size());
    fn_ = fn;
    ctx_ = ctx;
    helpers_ = helpers;
    error_ = nullptr;
    // Every worker acknowledges every job, needed or not, so none can still be looking at the
    // previous job's fields when the next one is written.
    pending_.store(static_cast<std::uint32_t>(workers_.size()), std::memory_order_relaxed);
    busy_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    std::exception_ptr mine;
    for (std::size_t p = 0; p < parts; p = p == 0 ? helpers + 1 : p + 1) {
      try {
        fn(ctx, p);
      } catch (...) {
        if (!mine) mine = std::current_exception();
      }
    }
    for (std::uint32_t left = pending_.load(std::memory_order_acquire); left != 0;)
      left = await_change(pending_, left);
    busy_.store(false, std::memory_order_relaxed);
    if (mine) std::rethrow_exception(mine);
    if (error_) std::rethrow_exception(error_);
    return true;
  }

  // True while a job runs: a part that calls run_parts again runs serially (the mutex would
  // tell the same, but this keeps a worker from even trying).
  bool busy() const { return busy_.load(std::memory_order_relaxed); }

 private:
  // Stops and joins every worker, then starts n new ones. Holds mu_.
  void resize(std::size_t n) {
    wanted_ = n;
    if (!workers_.empty()) {
      stop_.store(true, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
      generation_.notify_all();
      for (std::thread& t : workers_) t.join();
      workers_.clear();
      stop_.store(false, std::memory_order_relaxed);
    }
    workers_.reserve(n);
    const std::uint32_t start = generation_.load(std::memory_order_relaxed);
    try {
      for (std::size_t w = 1; w <= n; ++w) workers_.emplace_back([this, w, start] { work(w, start); });
    } catch (...) {  // no more threads: run with those we have
    }
  }

  void work(std::size_t w, std::uint32_t seen) {
    for (;;) {
      seen = await_change(generation_, seen);
      if (stop_.load(std::memory_order_relaxed)) return;
      if (w <= helpers_) {
        try {
          fn_(ctx_, w);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mu_);
          if (!error_) error_ = std::current_exception();
        }
      }
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
    }
  }

  std::mutex mu_;  // held by the thread that runs a job, for the whole job
  std::vector<std::thread> workers_;
  std::size_t wanted_ = 0;  // the size asked for (workers_ may be smaller if threads ran out)
  std::atomic<std::uint32_t> generation_{0};  // bumped to start a job (or to stop)
  std::atomic<std::uint32_t> pending_{0};     // workers that have not finished the current job
  std::atomic<bool> stop_{false}, busy_{false};
  // The current job; written before generation_ is bumped, read after it is seen.
  PartFn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::size_t helpers_ = 0;
  std::mutex error_mu_;
  std::exception_ptr error_;
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

std::size_t pool_threads() { return num_threads(); }

void run_parts(std::size_t parts, PartFn fn, void* ctx) {
  if (parts == 0) return;
  if (parts > 1 && num_threads() > 1) {
    Pool& p = pool();
    if (!p.busy() && p.run(parts, fn, ctx)) return;
  }
  std::exception_ptr first;  // serial: every part still runs, the first exception is rethrown
  for (std::size_t part = 0; part < parts; ++part) {
    try {
      fn(ctx, part);
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

}  // namespace bp::detail
