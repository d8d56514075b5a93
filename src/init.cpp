// Seeded uniform initialization.
#include "backprop/init.hpp"

#include <cmath>
#include <random>

namespace bp {

template <class T>
void init_uniform(Network<T>& net, std::uint64_t seed, double range) {
  std::mt19937_64 rng(seed);
  for (auto& layer : net.layers()) {
    const double r = range / std::sqrt(static_cast<double>(layer.in()));
    std::uniform_real_distribution<double> u(-r, r);
    for (Param<T>* p : {&layer.weights(), &layer.bias()})
      if (p->trainable)
        for (auto& v : p->value) v = static_cast<T>(u(rng));
  }
}

template void init_uniform<float>(Network<float>&, std::uint64_t, double);
template void init_uniform<double>(Network<double>&, std::uint64_t, double);

}  // namespace bp
