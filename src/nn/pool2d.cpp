// MaxPool2D and AvgPool2D layers: shape checks around the pool2d kernels, forward and backward
// side by side.
#include "backprop/nn/pool2d.hpp"

#include <nlohmann/json.hpp>

#include "backprop/core/error.hpp"
#include "backprop/core/threads.hpp"
#include "kernels/pool2d.hpp"
#include "nn/layer_config.hpp"
#include "nn/window_config.hpp"

namespace bp {

namespace {

constexpr window_config::Rules kPoolRules{.stride_defaults_to_kernel = true,
                                          .pad_up_to_half_kernel = true};

kernels::Pool2dShape pool_shape(const Window2D& w, Shape in, std::size_t N) {
  return {N, in.c, in.h, in.w, w.kh, w.kw, w.sh, w.sw,
          w.pad_top, w.pad_left, w.pad_bottom, w.pad_right};
}

const Window2D& checked(const Window2D& w, Shape in) {
  window_config::check(w, in, kPoolRules);
  return w;
}

Shape pooled(const Window2D& w, Shape in) { return {in.c, w.out_h(in), w.out_w(in)}; }

nlohmann::ordered_json window_json(const Window2D& w) {
  return {{"kernel", window_config::pair_json(w.kh, w.kw)},
          {"stride", window_config::pair_json(w.sh, w.sw)},
          {"padding", window_config::pads_json(w)}};
}

}  // namespace

// ---- MaxPool2D ---------------------------------------------------------------------------------

template <class T>
MaxPool2D<T>::MaxPool2D(const Window2D& window, Shape in)
    : window_(checked(window, in)), in_(in), out_(pooled(window, in)) {}

template <class T>
std::unique_ptr<Layer<T>> MaxPool2D<T>::from_config(const nlohmann::ordered_json& config,
                                                    Shape in) {
  layer_config::check_keys(config, {"kernel", "stride", "padding"});
  return std::make_unique<MaxPool2D<T>>(window_config::read(config, kPoolRules), in);
}

template <class T>
nlohmann::ordered_json MaxPool2D<T>::config() const {
  return window_json(window_);
}

template <class T>
void MaxPool2D<T>::forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext&) {
  this->check_input(x);
  y.resize(x.rows(), out_.size());
  argmax_.resize(y.size());  // same batch size: no allocation
  kernels::maxpool2d_forward(y.data(), argmax_.data(), x.data(), pool_shape(window_, in_, x.rows()),
                             num_threads());
}

template <class T>
void MaxPool2D<T>::backward(const Matrix<T>& x, const Matrix<T>&, const Matrix<T>& dy,
                            Matrix<T>* dx) {
  BP_ASSERT(dy.rows() == x.rows() && dy.cols() == out_.size() && argmax_.size() == dy.size());
  if (!dx) return;
  dx->resize(x.rows(), in_.size());
  kernels::maxpool2d_backward(dx->data(), dy.data(), argmax_.data(),
                              pool_shape(window_, in_, x.rows()), num_threads());
}

template <class T>
void MaxPool2D<T>::infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>&) const {
  this->check_input(x);
  y.resize(x.rows(), out_.size());
  // The kernel records indices; infer is const and may run on many threads at once.
  thread_local std::vector<std::uint32_t> argmax;
  if (argmax.size() < y.size()) argmax.resize(y.size());
  kernels::maxpool2d_forward(y.data(), argmax.data(), x.data(), pool_shape(window_, in_, x.rows()),
                             num_threads());
}

template class MaxPool2D<float>;
template class MaxPool2D<double>;

// ---- AvgPool2D ---------------------------------------------------------------------------------

template <class T>
AvgPool2D<T>::AvgPool2D(const Window2D& window, bool count_include_pad, Shape in)
    : window_(checked(window, in)), include_pad_(count_include_pad), in_(in),
      out_(pooled(window, in)) {}

template <class T>
std::unique_ptr<Layer<T>> AvgPool2D<T>::from_config(const nlohmann::ordered_json& config,
                                                    Shape in) {
  layer_config::check_keys(config, {"kernel", "stride", "padding", "count_include_pad"});
  return std::make_unique<AvgPool2D<T>>(window_config::read(config, kPoolRules),
                                        layer_config::get_bool(config, "count_include_pad", true),
                                        in);
}

template <class T>
nlohmann::ordered_json AvgPool2D<T>::config() const {
  nlohmann::ordered_json j = window_json(window_);
  j["count_include_pad"] = include_pad_;
  return j;
}

template <class T>
void AvgPool2D<T>::forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext&) {
  this->check_input(x);
  y.resize(x.rows(), out_.size());
  kernels::avgpool2d_forward(y.data(), x.data(), pool_shape(window_, in_, x.rows()), include_pad_,
                             num_threads());
}

template <class T>
void AvgPool2D<T>::backward(const Matrix<T>& x, const Matrix<T>&, const Matrix<T>& dy,
                            Matrix<T>* dx) {
  BP_ASSERT(dy.rows() == x.rows() && dy.cols() == out_.size());
  if (!dx) return;
  dx->resize(x.rows(), in_.size());
  kernels::avgpool2d_backward(dx->data(), dy.data(), pool_shape(window_, in_, x.rows()),
                              include_pad_, num_threads());
}

template <class T>
void AvgPool2D<T>::infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>&) const {
  this->check_input(x);
  y.resize(x.rows(), out_.size());
  kernels::avgpool2d_forward(y.data(), x.data(), pool_shape(window_, in_, x.rows()), include_pad_,
                             num_threads());
}

template class AvgPool2D<float>;
template class AvgPool2D<double>;

}  // namespace bp
