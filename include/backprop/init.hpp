// Weight initialization for a Network (seeded, reproducible).
#pragma once

#include <cstdint>

#include "backprop/network.hpp"

namespace bp {

/// Every trainable weight and bias drawn uniformly from [-range/sqrt(in), range/sqrt(in)] of its
/// layer, from a std::mt19937_64 seeded with `seed`. Frozen parameters keep their values.
template <class T>
void init_uniform(Network<T>& net, std::uint64_t seed, double range = 1.0);

}  // namespace bp
