// Network specs: a JSON array of layer objects -> a Network, shapes inferred layer by layer.
#include "backprop/nn/network_spec.hpp"

#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "backprop/nn/conv2d.hpp"
#include "backprop/nn/dropout.hpp"
#include "backprop/core/error.hpp"
#include "backprop/nn/layer_registry.hpp"
#include "backprop/core/param.hpp"

namespace bp {

namespace {

using Json = nlohmann::ordered_json;

std::string known_kinds() {
  std::string s;
  for (std::string_view k : layer_kinds()) s += (s.empty() ? "" : ", ") + std::string(k);
  return s;
}

std::string shown(const Json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

// The kind of layer `index` (1-based): its "type" field, checked.
std::string kind_of(const Json& layer, std::size_t index) {
  const std::string where = "layer " + std::to_string(index);
  if (!layer.is_object())
    throw UsageError(where + " is " + shown(layer) + "; expected an object {\"type\": KIND, ...}");
  const auto it = layer.find("type");
  if (it == layer.end())
    throw UsageError(where + ": field 'type' is missing; expected one of: " + known_kinds());
  if (!it->is_string())
    throw UsageError(where + ": field 'type' is " + shown(*it) + "; expected one of: " + known_kinds());
  return it->get<std::string>();
}

// Values one sample makes in this layer: its output, and a convolution's lowered input.
template <class T>
std::size_t values_per_sample(const Layer<T>& layer) {
  std::size_t n = layer.out_shape().size();
  if (const auto* conv = layer.template as<Conv2D<T>>()) {
    const Window2D& w = conv->options().window;
    n += layer.in_shape().c * w.kh * w.kw * layer.out_shape().h * layer.out_shape().w;
  }
  return n;
}

template <class T>
std::size_t values_of(Layer<T>& layer) {
  std::size_t n = 0;
  for (const Param<T>* p : layer.params()) n += p->size();
  for (const Param<T>* p : layer.buffers()) n += p->size();
  return n;
}

}  // namespace

template <class T>
Network<T> network_from_spec(const Json& spec, Shape in, Loss loss, const NetworkSpecLimits& limits) {
  if (!spec.is_array() || spec.empty())
    throw UsageError("the network is " + shown(spec) + "; expected a non-empty array of layer objects, "
                     "e.g. [{\"type\": \"dense\", \"units\": 10}]");
  if (spec.size() > limits.max_layers)
    throw UsageError("the network has " + std::to_string(spec.size()) + " layers; expected at most " +
                     std::to_string(limits.max_layers));
  if (in.size() == 0) throw UsageError("the input shape " + to_string(in) + " is empty");
  Network<T> net;
  std::size_t values = 0, per_sample = 0;
  const std::string source = "left of the network's limit of " + std::to_string(limits.max_params) + " values";
  for (std::size_t l = 0; l < spec.size(); ++l) {
    const std::size_t index = l + 1;
    const std::string kind = kind_of(spec[l], index);
    Json config = spec[l];
    config.erase("type");
    std::unique_ptr<Layer<T>> layer;
    {
      // Each layer may allocate what is left of the network's budget, and no more.
      const ParamBudget budget(limits.max_params - values, source.c_str());
      try {
        layer = make_layer<T>(kind, config, in, index);
      } catch (const ShapeError& e) {
        throw UsageError(e.what());
      }
    }
    values += values_of(*layer);
    per_sample += values_per_sample(*layer);
    if (per_sample > limits.max_values_per_sample)
      throw UsageError("layer " + std::to_string(index) + " (" + kind + "): output " +
                       to_string(layer->out_shape()) + " takes the network to " + std::to_string(per_sample) +
                       " values per sample; expected at most " + std::to_string(limits.max_values_per_sample));
    in = layer->out_shape();
    net.add(std::move(layer));
  }
  if (net.layer(net.depth() - 1).template as<Dropout<T>>())
    throw UsageError("layer " + std::to_string(spec.size()) + " (dropout) is the last layer; expected a "
                     "layer that computes the output (dropout belongs between layers)");
  net.set_loss(loss);
  return net;
}

template Network<float> network_from_spec<float>(const Json&, Shape, Loss, const NetworkSpecLimits&);
template Network<double> network_from_spec<double>(const Json&, Shape, Loss, const NetworkSpecLimits&);

Shape shape_of_sizes(const std::vector<std::size_t>& sizes) {
  if (sizes.empty() || sizes.size() > 3)
    throw UsageError("the input shape has " + std::to_string(sizes.size()) + " sizes; expected 1 to 3 (C, H, W)");
  Shape s{sizes[0], sizes.size() > 1 ? sizes[1] : 1, sizes.size() > 2 ? sizes[2] : 1};
  std::size_t total = 1;
  for (std::size_t v : sizes) {
    if (v == 0 || v > (std::size_t(1) << 40) / total)
      throw UsageError("the input shape " + Json(sizes).dump() + " has a size of 0 or more than 2^40 values; "
                       "expected positive sizes");
    total *= v;
  }
  return s;
}

}  // namespace bp
