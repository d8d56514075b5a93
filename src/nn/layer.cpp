// Layer<T>: what every layer shares (names, input checks, the parameter list).
#include "backprop/nn/layer.hpp"

#include "backprop/core/error.hpp"

namespace bp {

template <class T>
const Matrix<T>& Layer<T>::pre_activation() const {
  throw UsageError(name() + " (" + std::string(kind()) + ") has no output activation");
}

template <class T>
void Layer<T>::backward_loss(Loss, const Matrix<T>&, const Matrix<T>&, const Matrix<T>&,
                             Matrix<T>*) {
  throw UsageError(name() + " (" + std::string(kind()) +
                   ") has no output activation to fuse a loss with");
}

template <class T>
std::vector<const Param<T>*> Layer<T>::params() const {
  // The non-const list, read-only: the order is the layer's, defined in one place.
  const auto ps = const_cast<Layer<T>*>(this)->params();
  return {ps.begin(), ps.end()};
}

template <class T>
void Layer<T>::zero_grad() noexcept {
  for (Param<T>* p : params()) p->grad.fill(T(0));
}

template <class T>
void Layer<T>::check_input(const Matrix<T>& x) const {
  if (x.cols() != in())
    throw ShapeError(name() + ": input has " + std::to_string(x.cols()) +
                     " values per sample, expected " + std::to_string(in()) +
                     (in_shape().is_flat() ? "" : " (" + to_string(in_shape()) + ")"));
}

template <class T>
void Layer<T>::set_name(std::string name) {
  name_ = std::move(name);
  std::vector<Param<T>*> named = params();  // and the buffers: "batchnorm2d_1.running_mean"
  for (Param<T>* b : buffers()) named.push_back(b);
  for (Param<T>* p : named) {
    const std::size_t dot = p->name_.rfind('.');
    p->name_ = name_ + (dot == std::string::npos ? "." + p->name_ : p->name_.substr(dot));
  }
}

template class Layer<float>;
template class Layer<double>;

}  // namespace bp
