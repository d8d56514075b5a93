// Network: chains Dense layers forward, and backpropagates the loss through them.
#include "backprop/network.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "backprop/error.hpp"
#include "kernels/activation.hpp"
#include "kernels/dense.hpp"
#include "kernels/sgd_update.hpp"
#include "kernels/gemv.hpp"

namespace bp {

template <class T>
Network<T>::Network(const std::vector<DenseOptions>& layers, Loss loss) : loss_(loss) {
  for (const auto& o : layers) add(o);
}

template <class T>
void Network<T>::add(const DenseOptions& opts) {
  if (!layers_.empty() && opts.in != layers_.back().out())
    throw UsageError("layer " + std::to_string(layers_.size() + 1) + " has " + std::to_string(opts.in) +
                     " inputs, expected " + std::to_string(layers_.back().out()) +
                     " (the outputs of layer " + std::to_string(layers_.size()) + ")");
  layers_.emplace_back(opts);
  z_.resize(layers_.size());
  a_.resize(layers_.size());
  dz_.resize(layers_.size());
  mask_.resize(layers_.size());
  out_.resize(layers_.size());
}

template <class T>
std::size_t Network<T>::parameter_count() const noexcept {
  std::size_t n = 0;
  for (const auto& l : layers_) n += l.weights().value.size() + l.bias().value.size();
  return n;
}

namespace {

template <class T>
void check_input(const std::vector<Dense<T>>& layers, const Matrix<T>& x) {
  if (layers.empty()) throw UsageError("Network::forward: the network has no layers");
  if (x.cols() != layers.front().in())
    throw UsageError("input has " + std::to_string(x.cols()) + " features per sample, expected " +
                     std::to_string(layers.front().in()) + " (the network's input width)");
  if (layers.back().options().dropout > 0)
    throw UsageError("dropout on the output layer (layer " + std::to_string(layers.size()) +
                     "); dropout belongs on hidden layers");
}

}  // namespace

template <class T>
void Network<T>::predict(const Matrix<T>& x, Matrix<T>& out, InferenceScratch<T>& scratch) const {
  check_input(layers_, x);
  const std::size_t L = layers_.size();
  const Matrix<T>* in_l = &x;
  for (std::size_t l = 0; l < L; ++l) {
    const Dense<T>& d = layers_[l];
    Matrix<T>& a = l + 1 == L ? out : scratch.h[l % 2];
    if constexpr (std::is_same_v<T, float>) {
      if (x.rows() == 1) {  // one sample: the matrix-vector kernel at every size
        scratch.z.resize(1, d.out());
        a.resize(1, d.out());
        kernels::gemv_forward(scratch.z.data(), in_l->data(), d.weights().value.data(),
                              d.bias().value.data(), d.in(), d.out());
        kernels::activation_forward(a.data(), scratch.z.data(), 1, d.out(), d.activation(),
                                    d.alpha());
        in_l = &a;
        continue;
      }
    }
    d.forward(*in_l, scratch.z, a);
    in_l = &a;
  }
}

template <class T>
Matrix<T> Network<T>::predict(const Matrix<T>& x) const {
  InferenceScratch<T> scratch;
  Matrix<T> out;
  predict(x, out, scratch);
  return out;
}

template <class T>
T Network<T>::loss_value(const Matrix<T>& t, const Matrix<T>& out,
                         const InferenceScratch<T>& scratch) const {
  const auto& last = layers_.back();
  return loss_forward(loss_, last.activation(), scratch.z, out, t);
}

template <class T>
const Matrix<T>& Network<T>::forward(const Matrix<T>& x) {
  check_input(layers_, x);
  const Matrix<T>* in_l = &x;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    layers_[l].forward(*in_l, z_[l], a_[l]);
    in_l = &a_[l];
    if (dropped(l)) {  // inverted dropout: keep with probability 1-p, scaled by 1/(1-p)
      const double p = layers_[l].options().dropout;
      const T keep = static_cast<T>(1.0 / (1.0 - p));
      mask_[l].resize(a_[l].rows(), a_[l].cols());
      out_[l].resize(a_[l].rows(), a_[l].cols());
      // Two 32-bit uniforms in [0, 1) from each 64-bit draw: the generator is the loop's cost.
      const auto threshold = static_cast<std::uint64_t>(p * 0x1.0p32);  // u < p  <=>  bits < p 2^32
      const std::size_t count = a_[l].size();
      for (std::size_t k = 0; k < count; k += 2) {
        const std::uint64_t r = dropout_rng_();
        mask_[l][k] = (r >> 32) < threshold ? T(0) : keep;
        if (k + 1 < count) mask_[l][k + 1] = (r & 0xffffffffu) < threshold ? T(0) : keep;
      }
      for (std::size_t k = 0; k < count; ++k) out_[l][k] = a_[l][k] * mask_[l][k];
      in_l = &out_[l];
    }
  }
  return a_.back();
}

template <class T>
T Network<T>::loss_value(const Matrix<T>& t) const {
  const auto& last = layers_.back();
  return loss_forward(loss_, last.activation(), z_.back(), a_.back(), t);
}

template <class T>
void Network<T>::backward(const Matrix<T>& x, const Matrix<T>& t, bool need_dx,
                          const std::function<void(Dense<T>&)>* on_layer) {
  const std::size_t L = layers_.size();
  const auto& last = layers_.back();
  loss_backward(loss_, last.activation(), last.alpha(), z_[L - 1], a_[L - 1], t, dz_[L - 1]);
  for (std::size_t l = L; l-- > 0;) {
    const Matrix<T>& in_l = l == 0 ? x : layer_output(l - 1);
    Matrix<T>* dx = l > 0 ? &da_ : (need_dx ? &dx_ : nullptr);
    if (on_layer) {  // gradients, then the hook, then propagate through the (maybe new) weights
      layers_[l].backward(in_l, dz_[l], nullptr);
      (*on_layer)(layers_[l]);
      if (dx) layers_[l].backward_input(dz_[l], *dx);
    } else {
      layers_[l].backward(in_l, dz_[l], dx);
    }
    if (l == 0) continue;
    if (dropped(l - 1))  // through the dropout mask first, then the activation
      for (std::size_t k = 0; k < da_.size(); ++k) da_[k] *= mask_[l - 1][k];
    layers_[l - 1].activation_backward(z_[l - 1], a_[l - 1], da_, dz_[l - 1]);
  }
}

namespace {

// The largest |v| over p[0, n) as its bit pattern: finite values order like their magnitudes, and
// the result is >= the bits of +inf when some value is inf or NaN. Vectorised (unsigned max).
template <class T>
using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

template <class T>
[[gnu::always_inline]] inline Bits<T> max_abs_bits_body(const T* p, std::size_t n) {
  constexpr Bits<T> kAbs = ~Bits<T>(0) >> 1;
  Bits<T> m = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const Bits<T> b = std::bit_cast<Bits<T>>(p[k]) & kAbs;
    m = b > m ? b : m;
  }
  return m;
}
template <class T>
Bits<T> max_abs_bits_generic(const T* p, std::size_t n) {
  return max_abs_bits_body(p, n);
}
#if defined(__x86_64__)
template <class T>
__attribute__((target("avx512f"))) Bits<T> max_abs_bits_avx512(const T* p, std::size_t n) {
  return max_abs_bits_body(p, n);
}
#endif

// max |v| of m, or +inf when m holds a non-finite value.
template <class T>
double max_abs(const Matrix<T>& m) {
#if defined(__x86_64__)
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  const Bits<T> b = avx512 ? max_abs_bits_avx512(m.data(), m.size())
                           : max_abs_bits_generic(m.data(), m.size());
#else
  const Bits<T> b = max_abs_bits_generic(m.data(), m.size());
#endif
  const T v = std::bit_cast<T>(b);
  return std::isfinite(v) ? double(v) : std::numeric_limits<double>::infinity();
}

}  // namespace

template <class T>
bool Network<T>::backward_sgd(const Matrix<T>& x, const Matrix<T>& t,
                              std::span<const SgdStep<T>> steps) {
  const std::size_t L = layers_.size();
  if (steps.size() != 2 * L)
    throw UsageError("Network::backward_sgd: " + std::to_string(steps.size()) + " steps for " +
                     std::to_string(2 * L) + " parameters (w and b of " + std::to_string(L) +
                     " layers)");
  // 1. Every layer's dz, through the current (old) weights: as backward() computes them.
  const auto& last = layers_.back();
  loss_backward(loss_, last.activation(), last.alpha(), z_[L - 1], a_[L - 1], t, dz_[L - 1]);
  for (std::size_t l = L - 1; l > 0; --l) {
    layers_[l].backward_input(dz_[l], da_);
    if (dropped(l - 1))  // through the dropout mask first, then the activation
      for (std::size_t k = 0; k < da_.size(); ++k) da_[k] *= mask_[l - 1][k];
    layers_[l - 1].activation_backward(z_[l - 1], a_[l - 1], da_, dz_[l - 1]);
  }
  // 2. Prove every gradient finite before any weight changes. Each dw or db element is a sum of
  // N terms |dz x| <= max|dz| max|x| (or of N values |dz|), accumulated with one rounding per
  // term: finite when N max|dz| max|x| (1 + eps)^N stays below the largest T; a factor 4 of
  // margin covers (1 + eps)^N for N eps <= 1/4.
  const double N = double(x.rows());
  const double limit = double(std::numeric_limits<T>::max()) / 4;
  if (N * double(std::numeric_limits<T>::epsilon()) > 0.25) return false;
  for (std::size_t l = 0; l < L; ++l) {
    const Dense<T>& d = layers_[l];
    if (!d.weights().trainable && !d.bias().trainable) continue;
    const double dz_max = max_abs(dz_[l]);
    if (!(N * dz_max <= limit)) return false;
    if (d.weights().trainable &&
        !(N * dz_max * max_abs(l == 0 ? x : layer_output(l - 1)) <= limit))
      return false;
  }
  // 3. Each layer's gradients and its step.
  const std::size_t rows = x.rows();
  for (std::size_t l = L; l-- > 0;) {
    Dense<T>& d = layers_[l];
    const Matrix<T>& in_l = l == 0 ? x : layer_output(l - 1);
    const std::size_t I = d.in(), O = d.out();
    Param<T>& w = d.weights();
    Param<T>& b = d.bias();
    if (w.trainable) {
      const SgdStep<T>& s = steps[2 * l];
      kernels::dense_weights_sgd(w.value.data(), s.velocity, w.grad.data(), dz_[l].data(),
                                 in_l.data(), rows, I, O, s.first,
                                 kernels::SgdRule<T>{s.lr, T(0), s.momentum, s.keep, s.nesterov});
    }
    if (b.trainable) {
      const SgdStep<T>& s = steps[2 * l + 1];
      b.grad.fill(T(0));
      kernels::dense_backward<T>(nullptr, nullptr, b.grad.data(), dz_[l].data(), in_l.data(),
                                 w.value.data(), rows, I, O);
      kernels::sgd_update(b.value.data(), b.grad.data(), s.velocity, s.first,
                          kernels::SgdRule<T>{s.lr, T(0), s.momentum, s.keep, s.nesterov}, O);
    }
  }
  return true;
}

template <class T>
void Network<T>::zero_grad() noexcept {
  for (auto& l : layers_) l.zero_grad();
}

template class Network<float>;
template class Network<double>;

}  // namespace bp
