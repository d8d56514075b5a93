// Thread count of the BLAS (OpenBLAS) that runs the large matrix products.
#include "backprop/threads.hpp"

#include <cblas.h>

#include <algorithm>
#include <thread>

namespace bp {

void set_num_threads(std::size_t n) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  openblas_set_num_threads(static_cast<int>(n == 0 ? cores : n));
}

std::size_t num_threads() { return static_cast<std::size_t>(std::max(1, openblas_get_num_threads())); }

}  // namespace bp
