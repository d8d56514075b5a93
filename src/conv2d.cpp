// Conv2D layer: shape checks around the conv2d kernels, forward and backward side by side.
#include "backprop/conv2d.hpp"

#include <nlohmann/json.hpp>

#include "backprop/error.hpp"
#include "backprop/threads.hpp"
#include "kernels/conv2d.hpp"
#include "layer_config.hpp"
#include "window_config.hpp"

namespace bp {

namespace {

constexpr window_config::Rules kConvRules{.allow_same = true};

kernels::Conv2dShape conv_shape(const Conv2DOptions& o, Shape in, std::size_t N) {
  const Window2D& w = o.window;
  return {N, in.c, in.h, in.w, o.filters, w.kh, w.kw, w.sh, w.sw,
          w.pad_top, w.pad_left, w.pad_bottom, w.pad_right, 1, 1};
}

const Conv2DOptions& checked(const Conv2DOptions& o, Shape in) {
  if (o.filters == 0) layer_config::fail("filters", 0, "an integer >= 1");
  window_config::check(o.window, in, kConvRules);
  return o;
}

}  // namespace

template <class T>
Conv2D<T>::Conv2D(const Conv2DOptions& opts, Shape in)
    : opts_(checked(opts, in)), in_(in),
      out_{opts.filters, opts.window.out_h(in), opts.window.out_w(in)},
      w_("conv2d.w", opts.filters, in.c * opts.window.kh * opts.window.kw),
      // No bias: an empty Param, so that a model file's ParamBudget (which counts only the
      // params() it stores) is not charged for it.
      b_("conv2d.b", 1, opts.bias ? opts.filters : 0) {}

template <class T>
std::unique_ptr<Layer<T>> Conv2D<T>::from_config(const nlohmann::ordered_json& config, Shape in) {
  layer_config::check_keys(config, {"filters", "kernel", "stride", "padding", "bias"});
  Conv2DOptions o;
  o.filters = layer_config::get_size(config, "filters");
  o.window = window_config::read(config, kConvRules);
  o.bias = layer_config::get_bool(config, "bias", true);
  return std::make_unique<Conv2D<T>>(o, in);
}

template <class T>
nlohmann::ordered_json Conv2D<T>::config() const {
  const Window2D& w = opts_.window;
  return {{"filters", opts_.filters},
          {"kernel", window_config::pair_json(w.kh, w.kw)},
          {"stride", window_config::pair_json(w.sh, w.sw)},
          {"padding", window_config::pads_json(w)},
          {"bias", opts_.bias}};
}

template <class T>
void Conv2D<T>::forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext&) {
  this->check_input(x);
  const kernels::Conv2dShape s = conv_shape(opts_, in_, x.rows());
  const std::size_t threads = num_threads();
  const std::size_t need = kernels::conv2d_scratch_size<T>(s, threads);
  if (scratch_.size() < need) scratch_.resize(need);  // once (again only if threads grow)
  y.resize(x.rows(), out_.size());
  kernels::conv2d_forward(y.data(), x.data(), w_.value.data(),
                          opts_.bias ? b_.value.data() : nullptr, s, scratch_.data(), threads);
}

template <class T>
void Conv2D<T>::backward(const Matrix<T>& x, [[maybe_unused]] const Matrix<T>& y,
                         const Matrix<T>& dy, Matrix<T>* dx) {
  BP_ASSERT(dy.rows() == x.rows() && dy.cols() == out_.size() && y.cols() == out_.size());
  const kernels::Conv2dShape s = conv_shape(opts_, in_, x.rows());
  const std::size_t threads = num_threads();
  const std::size_t need = kernels::conv2d_scratch_size<T>(s, threads);
  if (scratch_.size() < need) scratch_.resize(need);
  if (dx) dx->resize(x.rows(), in_.size());
  T* dw = w_.trainable ? w_.grad.data() : nullptr;
  T* db = opts_.bias && b_.trainable ? b_.grad.data() : nullptr;
  if (!dx && !dw && !db) return;
  kernels::conv2d_backward(dx ? dx->data() : nullptr, dw, db, dy.data(), x.data(),
                           w_.value.data(), s, scratch_.data(), threads);
}

template <class T>
void Conv2D<T>::infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>& sc) const {
  this->check_input(x);
  const kernels::Conv2dShape s = conv_shape(opts_, in_, x.rows());
  const std::size_t threads = num_threads();
  const std::size_t need = kernels::conv2d_scratch_size<T>(s, threads);
  if (sc.work.size() < need) sc.work.resize(1, need);
  y.resize(x.rows(), out_.size());
  kernels::conv2d_forward(y.data(), x.data(), w_.value.data(),
                          opts_.bias ? b_.value.data() : nullptr, s, sc.work.data(), threads);
}

template class Conv2D<float>;
template class Conv2D<double>;

}  // namespace bp
