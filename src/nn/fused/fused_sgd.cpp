// The trainer's fused SGD step (fused::backward_sgd): every layer's dz first, then per layer the
// weight gradient and its SGD step in one pass (src/kernels/gemm.cpp's sgemm_sgd epilogue).
#include "nn/fused/fused_sgd.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "backprop/core/error.hpp"
#include "kernels/dense.hpp"
#include "kernels/sgd_update.hpp"

namespace bp {

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

template <class T>
kernels::SgdRule<T> rule_of(const SgdStep<T>& s) {
  return {s.lr, T(0), s.momentum, s.keep, s.nesterov};
}

}  // namespace

namespace fused {

template <class T>
bool backward_sgd(Network<T>& net, const Matrix<T>& x, const Matrix<T>& t,
                  std::span<const SgdStep<T>> steps) {
  using A = FusedAccess<T>;
  const auto chain = A::chain(net);
  const std::size_t L = chain.size();
  if (steps.size() != 2 * L && L > 0)
    throw UsageError("fused::backward_sgd: " + std::to_string(steps.size()) + " steps for " +
                     std::to_string(2 * L) + " parameters (w and b of " + std::to_string(L) +
                     " dense layers)");
  if (L == 0) return false;
  // The input a dense layer received: x, or the previous link's output (after its dropout).
  const auto input_of = [&](std::size_t l) -> const Matrix<T>& {
    if (l == 0) return x;
    const auto& p = chain[l - 1];
    return A::output(net, p.dropout ? p.index + 1 : p.index);
  };
  // 1. Every layer's dz, through the current (old) weights: as backward() computes them.
  Dense<T>& last = *chain[L - 1].dense;
  loss_backward(net.loss(), last.activation(), last.alpha(), A::z(last),
                A::output(net, chain[L - 1].index), t, A::dz(last));
  Matrix<T>& da = A::scratch(net);
  for (std::size_t l = L - 1; l > 0; --l) {
    const auto& below = chain[l - 1];
    chain[l].dense->backward_input(A::dz(*chain[l].dense), da);
    if (below.dropout && below.dropout->active()) {  // through the dropout mask first
      const Matrix<T>& mask = below.dropout->mask();
      for (std::size_t k = 0; k < da.size(); ++k) da[k] = da[k] * mask[k];
    }
    below.dense->activation_backward(A::z(*below.dense), A::output(net, below.index), da,
                                     A::dz(*below.dense));
  }
  // 2. Prove every gradient finite before any weight changes. Each dw or db element is a sum of
  // N terms |dz x| <= max|dz| max|x| (or of N values |dz|), accumulated with one rounding per
  // term: finite when N max|dz| max|x| (1 + eps)^N stays below the largest T; a factor 4 of
  // margin covers (1 + eps)^N for N eps <= 1/4.
  const double N = double(x.rows());
  const double limit = double(std::numeric_limits<T>::max()) / 4;
  if (N * double(std::numeric_limits<T>::epsilon()) > 0.25) return false;
  for (std::size_t l = 0; l < L; ++l) {
    Dense<T>& d = *chain[l].dense;
    if (!d.weights().trainable && !d.bias().trainable) continue;
    const double dz_max = max_abs(A::dz(d));
    if (!(N * dz_max <= limit)) return false;
    if (d.weights().trainable && !(N * dz_max * max_abs(input_of(l)) <= limit)) return false;
  }
  // 3. Each layer's gradients and its step.
  const std::size_t rows = x.rows();
  for (std::size_t l = L; l-- > 0;) {
    Dense<T>& d = *chain[l].dense;
    const Matrix<T>& in_l = input_of(l);
    const Matrix<T>& dz = A::dz(d);
    const std::size_t I = d.in(), O = d.out();
    Param<T>& w = d.weights();
    Param<T>& b = d.bias();
    if (w.trainable) {
      const SgdStep<T>& s = steps[2 * l];
      kernels::dense_weights_sgd(w.value.data(), s.velocity, w.grad.data(), dz.data(),
                                 in_l.data(), rows, I, O, s.first, rule_of(s));
    }
    if (b.trainable) {
      const SgdStep<T>& s = steps[2 * l + 1];
      b.grad.fill(T(0));
      kernels::dense_backward<T>(nullptr, nullptr, b.grad.data(), dz.data(), in_l.data(),
                                 w.value.data(), rows, I, O);
      kernels::sgd_update(b.value.data(), b.grad.data(), s.velocity, s.first, rule_of(s), O);
    }
  }
  return true;
}

template bool backward_sgd<float>(Network<float>&, const Matrix<float>&, const Matrix<float>&,
                                  std::span<const SgdStep<float>>);
template bool backward_sgd<double>(Network<double>&, const Matrix<double>&,
                                   const Matrix<double>&, std::span<const SgdStep<double>>);

}  // namespace fused
}  // namespace bp
