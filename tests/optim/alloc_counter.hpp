// Counts calls to the global operator new in this test program (see alloc_counter.cpp).
#pragma once

#include <cstddef>

namespace bp::testing {
std::size_t allocation_count() noexcept;
}  // namespace bp::testing
