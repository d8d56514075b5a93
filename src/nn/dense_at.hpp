// The tutorial's networks (the seed's, explain's, netspec's) are chains of Dense layers: layer l
// is a Dense layer. dense_at reads it as one.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

#include "backprop/core/error.hpp"
#include "backprop/nn/network.hpp"

namespace bp {

/// Layer l of net as a Dense layer; throws UsageError naming it when it is another kind.
template <class T>
const Dense<T>& dense_at(const Network<T>& net, std::size_t l) {
  const Layer<T>& layer = net.layer(l);
  const auto* d = layer.template as<Dense<T>>();
  if (!d)
    throw UsageError("layer " + std::to_string(l + 1) + " (" + layer.name() + ") is " +
                     std::string(layer.kind()) + "; expected a network of dense layers only");
  return *d;
}
template <class T>
Dense<T>& dense_at(Network<T>& net, std::size_t l) {
  return const_cast<Dense<T>&>(dense_at(std::as_const(net), l));
}

}  // namespace bp
