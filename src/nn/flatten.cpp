// Flatten layer: a shape change; forward and backward copy.
#include "backprop/nn/flatten.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "backprop/core/error.hpp"
#include "nn/layer_config.hpp"

namespace bp {

template <class T>
Flatten<T>::Flatten(Shape in) : in_(in) {
  if (in.size() == 0) throw ShapeError("flatten: input shape " + to_string(in) + " is empty");
}

template <class T>
std::unique_ptr<Layer<T>> Flatten<T>::from_config(const nlohmann::ordered_json& config, Shape in) {
  layer_config::check_keys(config, {});
  return std::make_unique<Flatten<T>>(in);
}

template <class T>
nlohmann::ordered_json Flatten<T>::config() const {
  return nlohmann::ordered_json::object();
}

template <class T>
void Flatten<T>::forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext&) {
  this->check_input(x);
  y.resize(x.rows(), x.cols());
  std::copy(x.begin(), x.end(), y.begin());
}

template <class T>
void Flatten<T>::backward(const Matrix<T>&, const Matrix<T>&, const Matrix<T>& dy, Matrix<T>* dx) {
  if (!dx) return;
  dx->resize(dy.rows(), dy.cols());
  std::copy(dy.begin(), dy.end(), dx->begin());
}

template <class T>
void Flatten<T>::infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>&) const {
  this->check_input(x);
  y.resize(x.rows(), x.cols());
  std::copy(x.begin(), x.end(), y.begin());
}

template class Flatten<float>;
template class Flatten<double>;

}  // namespace bp
