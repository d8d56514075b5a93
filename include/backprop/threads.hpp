// How many threads the library's matrix products use.
#pragma once

#include <cstddef>

namespace bp {

/// Sets the number of threads of the matrix products (the BLAS's pool); 0 = all cores.
/// The library starts no threads of its own, so BLAS threads never compete with ours.
void set_num_threads(std::size_t n);
/// The number of threads the matrix products use.
std::size_t num_threads();

}  // namespace bp
