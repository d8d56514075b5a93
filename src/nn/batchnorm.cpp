// BatchNorm1D and BatchNorm2D layers: shape checks around the batchnorm kernels, training and
// evaluation forward and backward side by side.
#include "backprop/nn/batchnorm.hpp"

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "backprop/core/error.hpp"
#include "backprop/core/threads.hpp"
#include "kernels/batchnorm.hpp"
#include "nn/layer_config.hpp"

namespace bp {

namespace {

const BatchNormOptions& checked(const BatchNormOptions& o, Shape in) {
  if (!(o.momentum >= 0 && o.momentum <= 1)) layer_config::fail("momentum", o.momentum, "a number in [0, 1]");
  if (!(o.eps > 0 && std::isfinite(o.eps))) layer_config::fail("eps", o.eps, "a number > 0");
  if (in.size() == 0) throw ShapeError("input shape " + to_string(in) + " is empty");
  return o;
}

template <class T>
Matrix<T> filled(std::size_t n, T v) {
  Matrix<T> m(1, n);
  m.fill(v);
  return m;
}

}  // namespace

template <class T>
BatchNorm<T>::BatchNorm(const BatchNormOptions& opts, Shape in, std::string_view kind)
    : opts_(checked(opts, in)), in_(in),
      gamma_(std::string(kind) + ".gamma", filled<T>(in.c, T(1))),
      beta_(std::string(kind) + ".beta", 1, in.c),
      running_mean_(std::string(kind) + ".running_mean", 1, in.c, false),
      running_var_(std::string(kind) + ".running_var", filled<T>(in.c, T(1)), false),
      save_mean_(1, in.c), save_invstd_(1, in.c) {}

template <class T>
BatchNormOptions BatchNorm<T>::read_config(const nlohmann::ordered_json& config) {
  layer_config::check_keys(config, {"momentum", "eps"});
  return {layer_config::get_number(config, "momentum", 0.1),
          layer_config::get_number(config, "eps", 1e-5)};
}

template <class T>
nlohmann::ordered_json BatchNorm<T>::config() const {
  return {{"momentum", opts_.momentum}, {"eps", opts_.eps}};
}

template <class T>
void BatchNorm<T>::forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext& ctx) {
  this->check_input(x);
  const std::size_t N = x.rows(), C = in_.c;
  y.resize(N, in_.size());
  last_training_ = ctx.training;
  if (!ctx.training) {
    kernels::batchnorm_forward_eval(y.data(), x.data(), gamma_.value.data(), beta_.value.data(),
                                    running_mean_.value.data(), running_var_.value.data(), N, C,
                                    plane(), static_cast<T>(opts_.eps), num_threads());
    return;
  }
  if (N * plane() < 2)
    throw UsageError(this->name() + ": training needs more than 1 value per channel, got a batch "
                     "of " + std::to_string(N) + " with input " + to_string(in_));
  kernels::batchnorm_forward_train(y.data(), save_mean_.data(), save_invstd_.data(),
                                   running_mean_.value.data(), running_var_.value.data(), x.data(),
                                   gamma_.value.data(), beta_.value.data(), N, C, plane(),
                                   static_cast<T>(opts_.momentum), static_cast<T>(opts_.eps),
                                   num_threads());
}

template <class T>
void BatchNorm<T>::backward(const Matrix<T>& x, [[maybe_unused]] const Matrix<T>& y,
                            const Matrix<T>& dy, Matrix<T>* dx) {
  BP_ASSERT(dy.rows() == x.rows() && dy.cols() == in_.size() && y.cols() == in_.size());
  const std::size_t N = x.rows(), C = in_.c;
  if (dx) dx->resize(N, in_.size());
  T* d_x = dx ? dx->data() : nullptr;
  T* dgamma = gamma_.trainable ? gamma_.grad.data() : nullptr;
  T* dbeta = beta_.trainable ? beta_.grad.data() : nullptr;
  if (last_training_)
    kernels::batchnorm_backward_train(d_x, dgamma, dbeta, dy.data(), x.data(), gamma_.value.data(),
                                      save_mean_.data(), save_invstd_.data(), N, C, plane(),
                                      num_threads());
  else
    kernels::batchnorm_backward_eval(d_x, dgamma, dbeta, dy.data(), x.data(), gamma_.value.data(),
                                     running_mean_.value.data(), running_var_.value.data(), N, C,
                                     plane(), static_cast<T>(opts_.eps), num_threads());
}

template <class T>
void BatchNorm<T>::infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>&) const {
  this->check_input(x);
  y.resize(x.rows(), in_.size());
  kernels::batchnorm_forward_eval(y.data(), x.data(), gamma_.value.data(), beta_.value.data(),
                                  running_mean_.value.data(), running_var_.value.data(), x.rows(),
                                  in_.c, plane(), static_cast<T>(opts_.eps), num_threads());
}

template <class T>
BatchNorm1D<T>::BatchNorm1D(const BatchNormOptions& opts, Shape in)
    : BatchNorm<T>(opts, in, "batchnorm1d") {
  if (!in.is_flat())
    throw ShapeError("input is " + to_string(in) + "; batchnorm1d needs a flat input (batchnorm2d "
                     "normalises images per channel)");
}

template <class T>
std::unique_ptr<Layer<T>> BatchNorm1D<T>::from_config(const nlohmann::ordered_json& config,
                                                      Shape in) {
  return std::make_unique<BatchNorm1D<T>>(BatchNorm<T>::read_config(config), in);
}

template <class T>
BatchNorm2D<T>::BatchNorm2D(const BatchNormOptions& opts, Shape in)
    : BatchNorm<T>(opts, in, "batchnorm2d") {}

template <class T>
std::unique_ptr<Layer<T>> BatchNorm2D<T>::from_config(const nlohmann::ordered_json& config,
                                                      Shape in) {
  return std::make_unique<BatchNorm2D<T>>(BatchNorm<T>::read_config(config), in);
}

template class BatchNorm<float>;
template class BatchNorm<double>;
template class BatchNorm1D<float>;
template class BatchNorm1D<double>;
template class BatchNorm2D<float>;
template class BatchNorm2D<double>;

}  // namespace bp
