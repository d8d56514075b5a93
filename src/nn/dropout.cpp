// Dropout layer: the mask drawn from the network's generator, forward and backward side by side.
#include "backprop/nn/dropout.hpp"

#include <algorithm>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "backprop/core/error.hpp"
#include "nn/layer_config.hpp"

namespace bp {

template <class T>
Dropout<T>::Dropout(double p, Shape in) : p_(p), shape_(in) {
  if (!(p >= 0 && p < 1))
    throw UsageError("dropout: p = " + std::to_string(p) + "; expected a probability in [0, 1)");
  if (in.size() == 0) throw ShapeError("dropout: input shape " + to_string(in) + " is empty");
}

template <class T>
std::unique_ptr<Layer<T>> Dropout<T>::from_config(const nlohmann::ordered_json& config, Shape in) {
  layer_config::check_keys(config, {"p"});
  return std::make_unique<Dropout<T>>(layer_config::get_number(config, "p", 0.5), in);
}

template <class T>
nlohmann::ordered_json Dropout<T>::config() const {
  return {{"p", p_}};
}

template <class T>
void Dropout<T>::forward(const Matrix<T>& x, Matrix<T>& y, const ForwardContext& ctx) {
  this->check_input(x);
  y.resize(x.rows(), x.cols());
  active_ = ctx.training && p_ > 0;
  if (!active_) {
    std::copy(x.begin(), x.end(), y.begin());
    return;
  }
  if (!ctx.rng) throw UsageError(this->name() + ": training needs the network's dropout generator");
  const T keep = static_cast<T>(1.0 / (1.0 - p_));
  mask_.resize(x.rows(), x.cols());
  // Two 32-bit uniforms in [0, 1) from each 64-bit draw: the generator is the loop's cost.
  const auto threshold = static_cast<std::uint64_t>(p_ * 0x1.0p32);  // u < p  <=>  bits < p 2^32
  const std::size_t count = x.size();
  std::mt19937_64& rng = *ctx.rng;
  for (std::size_t k = 0; k < count; k += 2) {
    const std::uint64_t r = rng();
    mask_[k] = (r >> 32) < threshold ? T(0) : keep;
    if (k + 1 < count) mask_[k + 1] = (r & 0xffffffffu) < threshold ? T(0) : keep;
  }
  for (std::size_t k = 0; k < count; ++k) y[k] = x[k] * mask_[k];
}

template <class T>
void Dropout<T>::backward(const Matrix<T>&, const Matrix<T>&, const Matrix<T>& dy, Matrix<T>* dx) {
  if (!dx) return;
  dx->resize(dy.rows(), dy.cols());
  if (!active_) {
    std::copy(dy.begin(), dy.end(), dx->begin());
    return;
  }
  BP_ASSERT(mask_.size() == dy.size());
  for (std::size_t k = 0; k < dy.size(); ++k) (*dx)[k] = dy[k] * mask_[k];
}

template <class T>
void Dropout<T>::infer(const Matrix<T>& x, Matrix<T>& y, InferenceScratch<T>&) const {
  this->check_input(x);
  y.resize(x.rows(), x.cols());
  std::copy(x.begin(), x.end(), y.begin());
}

template class Dropout<float>;
template class Dropout<double>;

}  // namespace bp
