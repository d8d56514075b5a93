// Dense layer: shape checks around the dense and activation kernels.
#include "backprop/dense.hpp"

#include <cmath>

#include "backprop/error.hpp"
#include "kernels/activation.hpp"
#include "kernels/dense.hpp"

namespace bp {

void DenseOptions::validate() const {
  if (in == 0) throw UsageError("Dense: in = 0; a layer needs at least one input");
  if (out == 0) throw UsageError("Dense: out = 0; a layer needs at least one neuron");
  if (!(dropout >= 0 && dropout < 1))
    throw UsageError("Dense: dropout = " + std::to_string(dropout) + "; expected a probability in [0, 1)");
  if (!std::isfinite(alpha))
    throw UsageError("Dense: activation parameter alpha = " + std::to_string(alpha) + " is not finite");
}

template <class T>
Dense<T>::Dense(DenseOptions opts) : opts_(opts) {
  opts_.validate();
  if (opts_.alpha < 0) opts_.alpha = activation_default_alpha(opts_.activation);
  w_.value = Matrix<T>(opts_.out, opts_.in);
  w_.grad = Matrix<T>(opts_.out, opts_.in);
  w_.trainable = opts_.train_weights;
  b_.value = Matrix<T>(1, opts_.out);
  b_.grad = Matrix<T>(1, opts_.out);
  b_.trainable = opts_.train_bias;
}

template <class T>
void Dense<T>::forward(const Matrix<T>& x, Matrix<T>& z, Matrix<T>& a) const {
  if (x.cols() != opts_.in)
    throw UsageError("Dense::forward: input has " + std::to_string(x.cols()) +
                     " features per sample, expected " + std::to_string(opts_.in));
  const std::size_t N = x.rows();
  z.resize(N, opts_.out);
  a.resize(N, opts_.out);
  kernels::dense_forward(z.data(), x.data(), w_.value.data(), b_.value.data(), N, opts_.in, opts_.out);
  kernels::activation_forward(a.data(), z.data(), N, opts_.out, opts_.activation, alpha());
}

template <class T>
void Dense<T>::backward(const Matrix<T>& x, const Matrix<T>& dz, Matrix<T>* dx) {
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

template <class T>
void Dense<T>::zero_grad() noexcept {
  w_.grad.fill(T(0));
  b_.grad.fill(T(0));
}

template class Dense<float>;
template class Dense<double>;

}  // namespace bp
