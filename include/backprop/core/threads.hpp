// How many threads the library's matrix products and element-wise passes use.
#pragma once

#include <cstddef>

namespace bp {

/// Sets the number of threads the library computes with; 0 = all cores. Float products and the
/// training step's element-wise passes run on the library's own persistent pool (the calling
/// thread plus n - 1 workers, which spin briefly after each job and then sleep); double products
/// run on OpenBLAS's pool, which is set to n as well. The two never run at the same time (each
/// call finishes its work before returning), so at most n threads are busy.
/// Results: float training is bit-identical for any n (every output element is computed by the
/// same code in the same order whichever thread computes it); double products are OpenBLAS's,
/// whose summation order may depend on its thread count.
void set_num_threads(std::size_t n);
/// The number of threads set (before any set_num_threads: OpenBLAS's default, i.e.
/// OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, else all cores).
std::size_t num_threads();

}  // namespace bp
