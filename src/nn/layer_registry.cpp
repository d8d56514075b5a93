// The layer types make_layer knows. A new layer type: its own header and source, and one line
// in kFactories below.
#include "backprop/nn/layer_registry.hpp"

#include <string>

#include <nlohmann/json.hpp>

#include "backprop/nn/activation_layer.hpp"
#include "backprop/nn/batchnorm.hpp"
#include "backprop/nn/conv2d.hpp"
#include "backprop/nn/dense.hpp"
#include "backprop/nn/dropout.hpp"
#include "backprop/core/error.hpp"
#include "backprop/nn/flatten.hpp"
#include "backprop/nn/pool2d.hpp"

namespace bp {

namespace {

template <class T>
struct Factory {
  std::string_view kind;
  std::unique_ptr<Layer<T>> (*make)(const nlohmann::ordered_json& config, Shape in);
};

template <class T>
constexpr Factory<T> kFactories[] = {
    {"dense", &Dense<T>::from_config},
    {"dropout", &Dropout<T>::from_config},
    {"flatten", &Flatten<T>::from_config},
    {"activation", &ActivationLayer<T>::from_config},
    {"conv2d", &Conv2D<T>::from_config},
    {"maxpool2d", &MaxPool2D<T>::from_config},
    {"avgpool2d", &AvgPool2D<T>::from_config},
    {"batchnorm1d", &BatchNorm1D<T>::from_config},
    {"batchnorm2d", &BatchNorm2D<T>::from_config},
};

}  // namespace

std::vector<std::string_view> layer_kinds() {
  std::vector<std::string_view> kinds;
  for (const auto& f : kFactories<float>) kinds.push_back(f.kind);
  return kinds;
}

template <class T>
std::unique_ptr<Layer<T>> make_layer(std::string_view kind, const nlohmann::ordered_json& config,
                                     Shape in, std::size_t index) {
  const std::string where = "layer " + std::to_string(index) + " (" + std::string(kind) + ")";
  for (const auto& f : kFactories<T>) {
    if (f.kind != kind) continue;
    try {
      return f.make(config, in);
    } catch (const ShapeError& e) {
      throw ShapeError(where + ": " + e.what());
    } catch (const UsageError& e) {
      throw UsageError(where + ": " + e.what());
    }
  }
  std::string known;
  for (std::string_view k : layer_kinds()) known += (known.empty() ? "" : ", ") + std::string(k);
  throw UsageError("layer " + std::to_string(index) + ": unknown kind '" + std::string(kind) +
                   "'; expected one of: " + known);
}

template std::unique_ptr<Layer<float>> make_layer<float>(std::string_view,
                                                         const nlohmann::ordered_json&, Shape,
                                                         std::size_t);
template std::unique_ptr<Layer<double>> make_layer<double>(std::string_view,
                                                           const nlohmann::ordered_json&, Shape,
                                                           std::size_t);

}  // namespace bp
