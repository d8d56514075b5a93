// Activation layer: the activation kernels, forward and backward side by side.
#include "backprop/nn/activation_layer.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "backprop/core/error.hpp"
#include "kernels/activation.hpp"
#include "nn/layer_config.hpp"

namespace bp {

template <class T>
ActivationLayer<T>::ActivationLayer(Activation act, Shape in, double alpha)
    : act_(act), alpha_(alpha < 0 ? activation_default_alpha(act) : alpha), in_(in) {
  if (!std::isfinite(alpha))
    throw UsageError("activation: alpha = " + std::to_string(alpha) + " is not finite");
  if (in.size() == 0) throw ShapeError("activation: input shape " + to_string(in) + " is empty");
}

template <class T>
std::unique_ptr<Layer<T>> ActivationLayer<T>::from_config(const nlohmann::ordered_json& config,
                                                          Shape in) {
  layer_config::check_keys(config, {"activation", "alpha"});
  const auto act = parse_activation(layer_config::get_string(config, "activation", "identity"));
  const double alpha = layer_config::get_number(config, "alpha", -1.0);
  return std::make_unique<ActivationLayer<T>>(act, in, alpha);
}

template <class T>
nlohmann::ordered_json ActivationLayer<T>::config() const {
  return {{"activation", std::string(activation_name(act_))}, {"alpha", alpha_}};
}

template <class T>
void ActivationLayer<T>::forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext&) {
  this->check_input(x);
  z_.resize(x.rows(), x.cols());
  std::copy(x.begin(), x.end(), z_.begin());
  y.resize(x.rows(), x.cols());
  kernels::activation_forward(y.data(), x.data(), x.rows(), x.cols(), act_, alpha());
}

template <class T>
void ActivationLayer<T>::backward(const Matrix<T>& x, const Matrix<T>& y, const Matrix<T>& dy,
                                  Matrix<T>* dx) {
  if (!dx) return;
  dx->resize(dy.rows(), dy.cols());
  kernels::activation_backward(dx->data(), dy.data(), x.data(), y.data(), dy.rows(), dy.cols(),
                               act_, alpha());
}

template <class T>
void ActivationLayer<T>::backward_loss(Loss loss, const Matrix<T>&, const Matrix<T>& y,
                                       const Matrix<T>& t, Matrix<T>* dx) {
  if (dx) loss_backward(loss, act_, alpha(), z_, y, t, *dx);
}

template <class T>
void ActivationLayer<T>::infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>& s) const {
  this->check_input(x);
  s.z.resize(x.rows(), x.cols());
  std::copy(x.begin(), x.end(), s.z.begin());
  y.resize(x.rows(), x.cols());
  kernels::activation_forward(y.data(), x.data(), x.rows(), x.cols(), act_, alpha());
}

template class ActivationLayer<float>;
template class ActivationLayer<double>;

}  // namespace bp
