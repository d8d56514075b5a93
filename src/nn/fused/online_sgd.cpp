// Plain SGD on one sample in one fused pass (fused::online_sgd_step, called by sgd_step at batch
// 1): forward, E and dE/dz of the output together, then per layer from the output down one sweep
// over w that propagates the error through the old weights and updates them. At batch 1 the
// general path's cost is overhead (shape checks, dispatch, zero_grad, a gradient buffer written
// then read) for tiny networks, and streaming w three times more than needed for large ones.
#include <algorithm>
#include <array>
#include <cmath>
#include <type_traits>
#include <utility>

#include "backprop/nn/network.hpp"
#include "nn/fused/fused_sgd.hpp"
#include "kernels/activation.hpp"
#include "kernels/dense.hpp"
#include "kernels/gemv.hpp"
#include "kernels/loss.hpp"

namespace bp {

namespace {

// Below this many weights a double layer runs the inline reference loops, which is what the
// general path's dense kernels do there too (kernels/dense.cpp, kBlasMinWork), bit for bit.
constexpr std::size_t kSmallLayer = 4096;

// A small double layer: the reference loops of gemv.hpp (= the dense references), restated with
// __restrict so that the compiler neither versions them for aliasing nor needs to: at the seed's
// size (2 x 2) the checks would cost more than the arithmetic.
template <class T>
[[gnu::always_inline]] inline void small_forward(T* __restrict z, const T* __restrict x,
                                                 const T* __restrict w, const T* __restrict b,
                                                 std::size_t I, std::size_t O) {
  for (std::size_t o = 0; o < O; ++o) {
    T acc = T(0);
    for (std::size_t i = 0; i < I; ++i) acc += x[i] * w[o * I + i];
    z[o] = acc + b[o];
  }
}
template <class T>
[[gnu::always_inline]] inline void small_backward(T* __restrict dx, T* __restrict w,
                                                  const T* __restrict dz, const T* __restrict x,
                                                  T lr, bool update, std::size_t I,
                                                  std::size_t O) {
  if (dx)
    for (std::size_t i = 0; i < I; ++i) {
      T acc = T(0);
      for (std::size_t o = 0; o < O; ++o) acc += dz[o] * w[o * I + i];
      dx[i] = acc;
    }
  if (update)
    for (std::size_t o = 0; o < O; ++o) {
      const T g = dz[o];
      for (std::size_t i = 0; i < I; ++i) w[o * I + i] -= lr * (T(0) + g * x[i]);
    }
}

// b -= lr * db for one sample, db = dz (written as the general path's update of a gradient
// accumulated from zero: 0 + dz).
template <class T>
[[gnu::always_inline]] inline void bias_step(T* __restrict b, const T* __restrict dz, T lr,
                                             std::size_t O) {
  for (std::size_t o = 0; o < O; ++o) b[o] -= lr * (T(0) + dz[o]);
}

// The activations computed inline here, with exactly the operations of
// kernels::activation_forward / activation_backward (tests/nn/fused/test_online_sgd.cpp checks the bits);
// the others go through those kernels.
constexpr bool is_inline_activation(Activation act) {
  return act == Activation::kIdentity || act == Activation::kSigmoid ||
         act == Activation::kTanh || act == Activation::kRelu;
}

// a = f(z) for one sample, act one of the inline activations. Calls nothing but libm, so the
// arrays of a caller that keeps them in registers stay there.
template <class T>
[[gnu::always_inline]] inline void act_forward_inline(T* __restrict a, const T* __restrict z,
                                                      std::size_t O, Activation act) {
  switch (act) {
    case Activation::kIdentity:
      for (std::size_t o = 0; o < O; ++o) a[o] = z[o];
      return;
    case Activation::kSigmoid:
      for (std::size_t o = 0; o < O; ++o) {
        if (z[o] >= T(0)) {
          a[o] = T(1) / (T(1) + std::exp(-z[o]));
        } else {
          const T e = std::exp(z[o]);
          a[o] = e / (T(1) + e);
        }
      }
      return;
    case Activation::kTanh:
      for (std::size_t o = 0; o < O; ++o) a[o] = std::tanh(z[o]);
      return;
    case Activation::kRelu:
      for (std::size_t o = 0; o < O; ++o) a[o] = z[o] > T(0) ? z[o] : T(0);
      return;
    default: return;  // not an inline activation: the caller checked
  }
}

// dz = da * f'(z) for one sample (dz may be da), act one of the inline activations.
template <class T>
[[gnu::always_inline]] inline void act_backward_inline(T* dz, const T* da, const T* __restrict z,
                                                       const T* __restrict a, std::size_t O,
                                                       Activation act) {
  switch (act) {
    case Activation::kIdentity:
      if (dz != da)
        for (std::size_t o = 0; o < O; ++o) dz[o] = da[o];
      return;
    case Activation::kSigmoid:
      for (std::size_t o = 0; o < O; ++o) dz[o] = da[o] * a[o] * (T(1) - a[o]);
      return;
    case Activation::kTanh:
      for (std::size_t o = 0; o < O; ++o) dz[o] = da[o] * (T(1) - a[o] * a[o]);
      return;
    case Activation::kRelu:
      for (std::size_t o = 0; o < O; ++o) dz[o] = z[o] > T(0) ? da[o] : T(0);
      return;
    default: return;
  }
}

template <class T>
inline void act_forward(T* a, const T* z, std::size_t O, Activation act, T alpha) {
  if (is_inline_activation(act)) return act_forward_inline(a, z, O, act);
  kernels::activation_forward(a, z, 1, O, act, alpha);
}
template <class T>
inline void act_backward(T* dz, const T* da, const T* z, const T* a, std::size_t O,
                         Activation act, T alpha) {
  if (is_inline_activation(act)) return act_backward_inline(dz, da, z, a, O, act);
  kernels::activation_backward(dz, da, z, a, 1, O, act, alpha);
}

// Layers of at most 4 x 4 (the seed's 2-2-2, XOR's 2-2-1): the same loops with the sizes known
// at compile time, fully unrolled; picked from a table by (I, O).
constexpr std::size_t kTiny = 4;

template <class T, std::size_t I, std::size_t O>
void tiny_forward(T* __restrict z, const T* __restrict x, const T* __restrict w,
                  const T* __restrict b) {
  small_forward(z, x, w, b, I, O);
}
template <class T, std::size_t I, std::size_t O>
void tiny_backward(T* __restrict dx, T* __restrict w, const T* __restrict dz,
                   const T* __restrict x, T lr, bool update) {
  small_backward(dx, w, dz, x, lr, update, I, O);
}

template <class T>
struct TinyKernels {
  using Forward = void (*)(T*, const T*, const T*, const T*);
  using Backward = void (*)(T*, T*, const T*, const T*, T, bool);
  Forward forward[kTiny][kTiny];
  Backward backward[kTiny][kTiny];
};

template <class T, std::size_t... K>
constexpr TinyKernels<T> make_tiny(std::index_sequence<K...>) {
  // K = (I - 1) * kTiny + (O - 1)
  TinyKernels<T> t{};
  ((t.forward[K / kTiny][K % kTiny] = tiny_forward<T, K / kTiny + 1, K % kTiny + 1>), ...);
  ((t.backward[K / kTiny][K % kTiny] = tiny_backward<T, K / kTiny + 1, K % kTiny + 1>), ...);
  return t;
}
template <class T>
constexpr TinyKernels<T> kTinyKernels = make_tiny<T>(std::make_index_sequence<kTiny * kTiny>{});

// z = w x + b, a = f(z) for one sample.
template <class T>
inline void layer_forward(T* z, T* a, const T* x, const T* w, const T* b, std::size_t I,
                          std::size_t O, Activation act, T alpha) {
  if (I <= kTiny && O <= kTiny) {
    kTinyKernels<T>.forward[I - 1][O - 1](z, x, w, b);
  } else if constexpr (std::is_same_v<T, float>) {
    kernels::gemv_forward(z, x, w, b, I, O);
  } else {
    if (I * O < kSmallLayer) small_forward(z, x, w, b, I, O);
    else kernels::dense_forward(z, x, w, b, 1, I, O);
  }
  act_forward(a, z, O, act, alpha);
}

// dx = wᵀ dz with the current weights (if dx), then w -= lr dz xᵀ (if update).
template <class T>
inline void layer_backward(T* dx, T* w, const T* dz, const T* x, T lr, bool update, std::size_t I,
                           std::size_t O) {
  if (I <= kTiny && O <= kTiny)
    return kTinyKernels<T>.backward[I - 1][O - 1](dx, w, dz, x, lr, update);
  if constexpr (std::is_same_v<T, float>) {
    if (update) return kernels::gemv_sgd_update(dx, w, dz, x, lr, I, O);
    if (dx) kernels::gemv_backward_input(dx, dz, w, I, O);
  } else {
    if (I * O < kSmallLayer) return small_backward(dx, w, dz, x, lr, update, I, O);
    if (dx) kernels::dense_backward<T>(dx, nullptr, nullptr, dz, nullptr, w, 1, I, O);
    if (update) kernels::gemv_sgd_update_ref<T>(nullptr, w, dz, x, lr, I, O);
  }
}

// E (half-SSE or MSE) of one sample's output y = a, and dz = dE/dz of the output layer, with the
// operations of loss_forward and loss_backward at N = 1.
// kInlineOnly: act is an inline activation, and nothing but libm is called (see tiny2_step).
template <class T, bool kInlineOnly = false>
[[gnu::always_inline]] inline T sse_output_delta(T* dz, const T* z, const T* y, const T* tt,
                                                 std::size_t O, Activation act, T alpha,
                                                 bool half_sse) {
  const T s = half_sse ? T(1) / T(1) : T(2) / T(O);  // loss.cpp's scale_of, N = 1
  T sum = 0;
  if (act == Activation::kSigmoid) {  // the seed: dE/da and f'(z) = a (1 - a) in one loop
    for (std::size_t o = 0; o < O; ++o) {
      const T diff = tt[o] - y[o];
      sum += T(0.5) * diff * diff;
      dz[o] = s * -(tt[o] - y[o]) * y[o] * (T(1) - y[o]);
    }
  } else {
    for (std::size_t o = 0; o < O; ++o) {
      const T diff = tt[o] - y[o];
      sum += T(0.5) * diff * diff;
      dz[o] = s * -(tt[o] - y[o]);  // dE/da, then through the activation
    }
    if constexpr (kInlineOnly)
      act_backward_inline(dz, dz, z, y, O, act);
    else
      act_backward(dz, dz, z, y, O, act, alpha);
  }
  return s * sum;
}

// Two layers of at most kTiny x kTiny with inline activations and the half-SSE or MSE loss (the
// seed's 2-2-2, XOR's 2-2-1): the whole step with the sizes known at compile time, so that every
// loop unrolls and no per-layer records are built. The same operations in the same order as the
// general loop of sgd_step_fused (forward, output delta, then per layer from the top: dx through
// the old weights, the weight and bias updates, the activation derivative), hence the same bits.
template <class T>
struct Tiny2 {
  const T* x;
  const T* t;
  T *w0, *b0, *z0, *a0, *dz0, *w1, *b1, *z1, *a1, *dz1, *da;
  Activation act0, act1;
  T lr;
  bool train_w0, train_b0, train_w1, train_b1, half_sse;
};

template <class T, std::size_t I, std::size_t H, std::size_t O>
T tiny2_step(const Tiny2<T>& p) {
  // Everything in local arrays, which the compiler keeps in registers: the chain from one
  // update's weights to the next update's outputs then never waits on a store to memory and
  // its reload. The network's buffers are written once, at the end.
  T w0[I * H], b0[H], w1[H * O], b1[O];
  // Zeroed: the compiler cannot see that act is always an inline activation here.
  T z0[H]{}, a0[H]{}, dz0[H]{}, z1[O]{}, a1[O]{}, dz1[O]{}, da[H]{};
  std::copy_n(p.w0, I * H, w0);
  std::copy_n(p.b0, H, b0);
  std::copy_n(p.w1, H * O, w1);
  std::copy_n(p.b1, O, b1);
  small_forward(z0, p.x, w0, b0, I, H);
  act_forward_inline(a0, z0, H, p.act0);
  small_forward(z1, a0, w1, b1, H, O);
  act_forward_inline(a1, z1, O, p.act1);
  const T e = sse_output_delta<T, true>(dz1, z1, a1, p.t, O, p.act1, T(0), p.half_sse);
  small_backward(da, w1, dz1, a0, p.lr, p.train_w1, H, O);
  if (p.train_b1) bias_step(b1, dz1, p.lr, O);
  act_backward_inline(dz0, da, z0, a0, H, p.act0);
  small_backward(static_cast<T*>(nullptr), w0, dz0, p.x, p.lr, p.train_w0, I, H);
  if (p.train_b0) bias_step(b0, dz0, p.lr, H);
  std::copy_n(w0, I * H, p.w0);
  std::copy_n(b0, H, p.b0);
  std::copy_n(w1, H * O, p.w1);
  std::copy_n(b1, O, p.b1);
  std::copy_n(z0, H, p.z0);
  std::copy_n(a0, H, p.a0);
  std::copy_n(dz0, H, p.dz0);
  std::copy_n(z1, O, p.z1);
  std::copy_n(a1, O, p.a1);
  std::copy_n(dz1, O, p.dz1);
  std::copy_n(da, H, p.da);
  return e;
}

template <class T>
using Tiny2Step = T (*)(const Tiny2<T>&);
template <class T, std::size_t... K>  // K = ((I - 1) * kTiny + H - 1) * kTiny + O - 1
constexpr std::array<Tiny2Step<T>, sizeof...(K)> make_tiny2(std::index_sequence<K...>) {
  return {tiny2_step<T, K / (kTiny * kTiny) + 1, K / kTiny % kTiny + 1, K % kTiny + 1>...};
}
template <class T>
constexpr auto kTiny2Steps = make_tiny2<T>(std::make_index_sequence<kTiny * kTiny * kTiny>{});

// What one layer's step touches, gathered once per step so the loops below use plain pointers
// (reaching them through the vectors of layers and matrices cost ~200 instructions per seed step).
template <class T>
struct LayerRefs {
  std::size_t I, O;
  T* w;
  T* b;
  T* z;
  T* a;
  T* dz;
  Activation act;
  T alpha;
  bool train_w, train_b;
};

constexpr std::size_t kMaxFusedDepth = 16;  // deeper networks take the general path

// A two-layer network of at most kTiny units a layer under (half) SSE or MSE: one of the unrolled steps
// kTiny2Steps. False (nothing done) for any other network.
template <class T, class Chain>
bool try_tiny2(Network<T>& net, const Chain& chain, const Matrix<T>& x, const Matrix<T>& t, T lr,
               T& e) {
  using A = FusedAccess<T>;
  const Loss loss = net.loss();
  if (chain.size() != 2 || (loss != Loss::kHalfSse && loss != Loss::kMse)) return false;
  Dense<T>& d0 = *chain[0].dense;
  Dense<T>& d1 = *chain[1].dense;
  const std::size_t I = d0.in(), H = d0.out(), O = d1.out();
  if (!is_inline_activation(d0.activation()) || !is_inline_activation(d1.activation()) ||
      I > kTiny || H > kTiny || O > kTiny)
    return false;
  Matrix<T>& z0 = A::z(d0);
  Matrix<T>& a0 = A::output(net, chain[0].index);
  Matrix<T>& dz0 = A::dz(d0);
  Matrix<T>& z1 = A::z(d1);
  Matrix<T>& a1 = A::output(net, chain[1].index);
  Matrix<T>& dz1 = A::dz(d1);
  Matrix<T>& da_m = A::scratch(net);  // dE/da of the hidden layer
  z0.resize(1, H);
  a0.resize(1, H);
  dz0.resize(1, H);
  z1.resize(1, O);
  a1.resize(1, O);
  dz1.resize(1, O);
  da_m.resize(1, H);
  const Tiny2<T> p{x.data(),          t.data(),           d0.weights().value.data(),
                   d0.bias().value.data(), z0.data(),     a0.data(),
                   dz0.data(),        d1.weights().value.data(), d1.bias().value.data(),
                   z1.data(),         a1.data(),          dz1.data(),
                   da_m.data(),       d0.activation(),    d1.activation(),
                   lr,
                   d0.weights().trainable, d0.bias().trainable, d1.weights().trainable,
                   d1.bias().trainable, loss == Loss::kHalfSse};
  e = kTiny2Steps<T>[((I - 1) * kTiny + H - 1) * kTiny + O - 1](p);
  return true;
}

}  // namespace

namespace fused {

template <class T>
bool online_sgd_step(Network<T>& net, const Matrix<T>& x, const Matrix<T>& t, T lr, T& e) {
  using A = FusedAccess<T>;
  const auto chain = A::chain(net);
  const std::size_t L = chain.size();
  if (L == 0 || L > kMaxFusedDepth || x.rows() != 1 || t.rows() != 1 || x.cols() != net.in() ||
      t.cols() != net.out())
    return false;
  for (const auto& link : chain)
    if (link.dropout) return false;
  if (try_tiny2(net, chain, x, t, lr, e)) return true;
  const Loss loss = net.loss();
  Matrix<T>& da_m = A::scratch(net);  // dE/da of a hidden layer

  LayerRefs<T> refs[kMaxFusedDepth];
  std::size_t widest = 0;
  for (std::size_t l = 0; l < L; ++l) {
    Dense<T>& d = *chain[l].dense;
    const std::size_t O = d.out();
    Matrix<T>& z = A::z(d);
    Matrix<T>& a = A::output(net, chain[l].index);
    Matrix<T>& dz = A::dz(d);
    z.resize(1, O);
    a.resize(1, O);
    dz.resize(1, O);
    refs[l] = {d.in(),         O,           d.weights().value.data(), d.bias().value.data(),
               z.data(),       a.data(),    dz.data(),                d.activation(),
               d.alpha(),      d.weights().trainable, d.bias().trainable};
    if (l > 0) widest = std::max(widest, d.in());
  }
  da_m.resize(1, widest);  // capacity kept, so no allocation after step 1
  T* da = da_m.data();

  const T* in_l = x.data();
  for (std::size_t l = 0; l < L; ++l) {
    const LayerRefs<T>& r = refs[l];
    layer_forward(r.z, r.a, in_l, r.w, r.b, r.I, r.O, r.act, r.alpha);
    in_l = r.a;
  }

  // E and dE/dz of the output layer. Half-SSE and MSE (never fused with the activation) in one
  // pass, with the operations of loss_forward and loss_backward at N = 1; the others through them.
  const LayerRefs<T>& last = refs[L - 1];
  Dense<T>& out = *chain[L - 1].dense;
  if (loss == Loss::kHalfSse || loss == Loss::kMse) {
    e = sse_output_delta(last.dz, last.z, last.a, t.data(), last.O, last.act, last.alpha,
                         loss == Loss::kHalfSse);
  } else {
    const Matrix<T>& a_out = A::output(net, chain[L - 1].index);
    e = loss_forward(loss, last.act, A::z(out), a_out, t);
    loss_backward(loss, last.act, last.alpha, A::z(out), a_out, t, A::dz(out));
  }

  for (std::size_t l = L; l-- > 0;) {
    const LayerRefs<T>& r = refs[l];
    T* dx = l > 0 ? da : nullptr;
    layer_backward(dx, r.w, r.dz, l == 0 ? x.data() : refs[l - 1].a, lr, r.train_w, r.I, r.O);
    if (r.train_b) bias_step(r.b, r.dz, lr, r.O);
    if (l == 0) break;
    const LayerRefs<T>& p = refs[l - 1];
    act_backward(p.dz, dx, p.z, p.a, r.I, p.act, p.alpha);
  }
  return true;
}

template bool online_sgd_step<float>(Network<float>&, const Matrix<float>&, const Matrix<float>&,
                                     float, float&);
template bool online_sgd_step<double>(Network<double>&, const Matrix<double>&,
                                      const Matrix<double>&, double, double&);

}  // namespace fused
}  // namespace bp
