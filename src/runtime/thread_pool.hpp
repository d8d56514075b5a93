// The library's one thread pool: persistent workers that run the parts of a parallel kernel
// (sgemm's column or row blocks, element-wise passes). Internal.
//
// Size: bp::num_threads() - 1 workers plus the calling thread, resized on the next call after
// bp::set_num_threads. Workers spin briefly after each job (so the next product of the same
// training step starts without a wake-up), then sleep on a futex (std::atomic::wait); a sleeping
// pool costs nothing. The caller always runs part 0 itself and then waits, so at most
// num_threads() threads are busy at any time.
//
// Determinism: part p always does the same work whichever thread runs it, and parts never
// combine their results in an order that depends on timing; every caller splits its work so
// that the result does not depend on the number of parts either (see each caller).
//
// Re-entrancy: one job at a time. A call made while the pool is busy (from another user thread,
// or from inside a part) runs all of its parts on the calling thread, in order, with the same
// result.
#pragma once

#include <cstddef>
#include <type_traits>

namespace bp::detail {

using PartFn = void (*)(void* ctx, std::size_t part);

/// Runs fn(ctx, p) for p = 0 .. parts-1 and returns when all have finished: part 0 on the
/// calling thread, part p on worker p when p < pool_threads(), any further parts on the calling
/// thread after its own. An exception thrown by a part is rethrown here (the first one, after
/// every part has finished).
void run_parts(std::size_t parts, PartFn fn, void* ctx);

/// The threads a job can use now: bp::num_threads() (the caller plus its workers).
std::size_t pool_threads();

/// run_parts with a callable f(std::size_t part).
template <class F>
void parallel_parts(std::size_t parts, F&& f) {
  if (parts <= 1) {
    if (parts == 1) f(std::size_t{0});
    return;
  }
  using Fn = std::remove_reference_t<F>;
  run_parts(parts, [](void* ctx, std::size_t p) { (*static_cast<Fn*>(ctx))(p); },
            const_cast<void*>(static_cast<const void*>(&f)));
}

/// Splits [0, count) into `parts` contiguous ranges whose bounds are multiples of `align`
/// (except the end): part p gets [begin, end). Same split for the same arguments, always.
struct Range {
  std::size_t begin, end;
};
inline Range part_range(std::size_t count, std::size_t parts, std::size_t p, std::size_t align) {
  const std::size_t units = (count + align - 1) / align;
  const std::size_t lo = units * p / parts * align, hi = units * (p + 1) / parts * align;
  return {lo < count ? lo : count, hi < count ? hi : count};
}

}  // namespace bp::detail
