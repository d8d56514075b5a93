// Dense layer: shape checks around the dense and activation kernels.
#include "backprop/nn/dense.hpp"

#include <cmath>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "backprop/core/error.hpp"
#include "kernels/activation.hpp"
#include "kernels/dense.hpp"
#include "kernels/gemv.hpp"
#include "nn/layer_config.hpp"

namespace bp {

void DenseOptions::validate() const {
  if (in == 0) throw UsageError("Dense: in = 0; a layer needs at least one input");
  if (out == 0) throw UsageError("Dense: out = 0; a layer needs at least one neuron");
  if (!(dropout >= 0 && dropout < 1))
    throw UsageError("Dense: dropout = " + std::to_string(dropout) + "; expected a probability in [0, 1)");
  if (!std::isfinite(alpha))
    throw UsageError("Dense: activation parameter alpha = " + std::to_string(alpha) + " is not finite");
}

namespace {

// The options a Dense layer keeps: validated, alpha resolved to the activation's default.
DenseOptions checked(DenseOptions o) {
  o.validate();
  if (o.dropout > 0)
    throw UsageError("Dense: dropout = " + std::to_string(o.dropout) +
                     "; dropout is a layer of its own (Network::add(DenseOptions) adds one after "
                     "the dense layer)");
  if (o.alpha < 0) o.alpha = activation_default_alpha(o.activation);
  return o;
}

}  // namespace

template <class T>
Dense<T>::Dense(DenseOptions opts)
    : opts_(checked(opts)),
      w_("dense.w", opts_.out, opts_.in, opts_.train_weights),
      b_("dense.b", 1, opts_.out, opts_.train_bias) {}

template <class T>
std::unique_ptr<Layer<T>> Dense<T>::from_config(const nlohmann::ordered_json& config, Shape in) {
  layer_config::check_keys(config, {"units", "activation", "alpha", "train_weights", "train_bias"});
  if (!in.is_flat())
    throw ShapeError("input is " + to_string(in) + "; a dense layer needs a flat input (add a "
                     "flatten layer before it)");
  DenseOptions o;
  o.in = in.size();
  o.out = layer_config::get_size(config, "units");
  o.activation = parse_activation(layer_config::get_string(config, "activation", "identity"));
  o.alpha = layer_config::get_number(config, "alpha", -1.0);
  o.train_weights = layer_config::get_bool(config, "train_weights", true);
  o.train_bias = layer_config::get_bool(config, "train_bias", true);
  return std::make_unique<Dense<T>>(o);
}

template <class T>
nlohmann::ordered_json Dense<T>::config() const {
  return {{"units", opts_.out},
          {"activation", std::string(activation_name(opts_.activation))},
          {"alpha", opts_.alpha},
          {"train_weights", w_.trainable},
          {"train_bias", b_.trainable}};
}

template <class T>
void Dense<T>::forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext&) {
  this->check_input(x);
  const std::size_t N = x.rows();
  z_.resize(N, opts_.out);
  y.resize(N, opts_.out);
  kernels::dense_forward(z_.data(), x.data(), w_.value.data(), b_.value.data(), N, opts_.in,
                         opts_.out);
  kernels::activation_forward(y.data(), z_.data(), N, opts_.out, opts_.activation, alpha());
}

template <class T>
void Dense<T>::infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>& s) const {
  this->check_input(x);
  const std::size_t N = x.rows(), I = opts_.in, O = opts_.out;
  s.z.resize(N, O);
  y.resize(N, O);
  if constexpr (std::is_same_v<T, float>) {
    if (N == 1) {  // one sample: the matrix-vector kernel at every size
      kernels::gemv_forward(s.z.data(), x.data(), w_.value.data(), b_.value.data(), I, O);
      kernels::activation_forward(y.data(), s.z.data(), 1, O, opts_.activation, alpha());
      return;
    }
  }
  kernels::dense_forward(s.z.data(), x.data(), w_.value.data(), b_.value.data(), N, I, O);
  kernels::activation_forward(y.data(), s.z.data(), N, O, opts_.activation, alpha());
}

template <class T>
void Dense<T>::backward(const Matrix<T>& x, const Matrix<T>& y, const Matrix<T>& dy,
                        Matrix<T>* dx) {
  BP_ASSERT(dy.rows() == z_.rows() && dy.cols() == opts_.out && y.cols() == opts_.out);
  activation_backward(z_, y, dy, dz_);
  backward_z(x, dz_, dx);
}

template <class T>
void Dense<T>::backward_loss(Loss loss, const Matrix<T>& x, const Matrix<T>& y,
                             const Matrix<T>& t, Matrix<T>* dx) {
  loss_backward(loss, opts_.activation, alpha(), z_, y, t, dz_);
  backward_z(x, dz_, dx);
}

template <class T>
void Dense<T>::backward_z(const Matrix<T>& x, const Matrix<T>& dz, Matrix<T>* dx) {
  BP_ASSERT(x.cols() == opts_.in && dz.cols() == opts_.out && dz.rows() == x.rows());
  if (dx) dx->resize(x.rows(), opts_.in);
  kernels::dense_backward(dx ? dx->data() : nullptr, w_.trainable ? w_.grad.data() : nullptr,
                          b_.trainable ? b_.grad.data() : nullptr, dz.data(), x.data(),
                          w_.value.data(), x.rows(), opts_.in, opts_.out);
}

template <class T>
void Dense<T>::backward_input(const Matrix<T>& dz, Matrix<T>& dx) const {
  BP_ASSERT(dz.cols() == opts_.out);
  dx.resize(dz.rows(), opts_.in);
  kernels::dense_backward<T>(dx.data(), nullptr, nullptr, dz.data(), nullptr, w_.value.data(),
                             dz.rows(), opts_.in, opts_.out);
}

template <class T>
void Dense<T>::activation_backward(const Matrix<T>& z, const Matrix<T>& a, const Matrix<T>& da,
                                   Matrix<T>& dz) const {
  dz.resize(da.rows(), da.cols());
  kernels::activation_backward(dz.data(), da.data(), z.data(), a.data(), da.rows(), da.cols(),
                               opts_.activation, alpha());
}

template class Dense<float>;
template class Dense<double>;

}  // namespace bp
