// make_layer: a layer from its kind, its JSON config and its input shape (model files, specs).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "backprop/nn/layer.hpp"

namespace bp {

/// The layer of kind `kind` ("dense", "dropout", "flatten", "activation") made from `config`
/// (what Layer::config() returns) for inputs of shape `in`. `index` (1-based) is the layer's
/// position, for messages. Throws UsageError in one line naming the layer, the field and the
/// shapes: "layer 3 (dense): field 'units' is 0; expected an integer >= 1".
template <class T>
std::unique_ptr<Layer<T>> make_layer(std::string_view kind, const nlohmann::ordered_json& config,
                                     Shape in, std::size_t index);

/// The kinds make_layer knows, in registration order.
std::vector<std::string_view> layer_kinds();

}  // namespace bp
