// Network specs: a network described as a JSON array of layer objects
// [{"type": "conv2d", "filters": 32, "kernel": 3, "padding": "same"}, ...], built for an input
// shape with every layer's output shape inferred from the one before. Format: docs/network-spec.md.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "backprop/nn/network.hpp"

namespace bp {

/// Bounds that keep a hostile or mistyped spec from asking for a huge allocation. They are
/// checked before each layer allocates its parameters (ParamBudget) or before it ever runs.
struct NetworkSpecLimits {
  std::size_t max_layers = 1000;
  /// Parameter and buffer values of the whole network.
  std::size_t max_params = 100'000'000;
  /// Values one sample makes on its way through: every layer's output, and a convolution's
  /// lowered input (C·KH·KW·OH·OW), summed over the layers.
  std::size_t max_values_per_sample = std::size_t(1) << 24;
};

/// The network of `spec` for inputs of shape `in`, its parameters zero (init_network draws them),
/// its loss `loss`. Every element must be an object with a string "type" naming a kind of
/// make_layer (layer_kinds()); its other fields are that layer's config. Throws UsageError in one
/// line naming the layer (1-based), its kind, the field and the shapes, e.g. "layer 4 (dense): input
/// is 32x14x14; a dense layer needs a flat input (add a flatten layer before it)"; an empty or
/// non-array spec, a layer that is not an object, a missing or unknown type, a dropout layer last,
/// and a spec beyond `limits` are refused in the same way.
template <class T>
Network<T> network_from_spec(const nlohmann::ordered_json& spec, Shape in, Loss loss,
                             const NetworkSpecLimits& limits = {});

/// The shape of `sizes` (C, H, W; H and W default to 1): "1x28x28" for {1, 28, 28}. Throws
/// UsageError for an empty list, more than 3 sizes, a zero or a product beyond 2^40.
Shape shape_of_sizes(const std::vector<std::size_t>& sizes);

}  // namespace bp
