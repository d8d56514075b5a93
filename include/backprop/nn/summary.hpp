// summarize: a network as a table of its layers, their output shapes and parameter counts, with
// totals (what Keras' model.summary() prints).
#pragma once

#include <string>

#include "backprop/nn/network.hpp"

namespace bp {

/// One line per layer: "name (kind)", its output shape (to_string(Shape)) and how many values it
/// stores (params and buffers), then the totals: every stored value, the trainable ones, and the
/// others (frozen params and buffers). `title` heads the table ("Model: <title>").
template <class T>
std::string summarize(const Network<T>& net, const std::string& title);

}  // namespace bp
