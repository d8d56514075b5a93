// Plain SGD on one sample in one fused pass (Network::sgd_step_fused, called by sgd_step at batch
// 1): forward, E and dE/dz of the output together, then per layer from the output down one sweep
// over w that propagates the error through the old weights and updates them. At batch 1 the
// general path's cost is overhead (shape checks, dispatch, zero_grad, a gradient buffer written
// then read) for tiny networks, and streaming w three times more than needed for large ones.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include "backprop/network.hpp"
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
inline void small_forward(T* __restrict z, const T* __restrict x, const T* __restrict w,
                          const T* __restrict b, std::size_t I, std::size_t O) {
  for (std::size_t o = 0; o < O; ++o) {
    T acc = T(0);
    for (std::size_t i = 0; i < I; ++i) acc += x[i] * w[o * I + i];
    z[o] = acc + b[o];
  }
}
template <class T>
inline void small_backward(T* __restrict dx, T* __restrict w, const T* __restrict dz,
                           const T* __restrict x, T lr, bool update, std::size_t I, std::size_t O) {
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

// a = f(z) for one sample. The common activations inline, with exactly the operations of
// kernels::activation_forward (tests/test_sgd_online.cpp checks the bits); the rest through it.
template <class T>
inline void act_forward(T* __restrict a, const T* __restrict z, std::size_t O, Activation act,
                        T alpha) {
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
    default: kernels::activation_forward(a, z, 1, O, act, alpha);
  }
}

// dz = da * f'(z) for one sample, as kernels::activation_backward computes it; dz may be da.
template <class T>
inline void act_backward(T* dz, const T* da, const T* __restrict z, const T* __restrict a,
                         std::size_t O, Activation act, T alpha) {
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
    default: kernels::activation_backward(dz, da, z, a, 1, O, act, alpha);
  }
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

}  // namespace

template <class T>
bool Network<T>::sgd_step_fused(const Matrix<T>& x, const Matrix<T>& t, T lr, T& e) {
  const std::size_t L = layers_.size();
  if (L == 0 || L > kMaxFusedDepth || x.rows() != 1 || t.rows() != 1 || x.cols() != in() ||
      t.cols() != out())
    return false;
  if (layers_.back().options().dropout > 0) return false;
  for (std::size_t l = 0; l < L; ++l)
    if (dropped(l)) return false;

  LayerRefs<T> refs[kMaxFusedDepth];
  std::size_t widest = 0;
  for (std::size_t l = 0; l < L; ++l) {
    Dense<T>& d = layers_[l];
    const std::size_t O = d.out();
    z_[l].resize(1, O);
    a_[l].resize(1, O);
    dz_[l].resize(1, O);
    refs[l] = {d.in(),         O,           d.weights().value.data(), d.bias().value.data(),
               z_[l].data(),   a_[l].data(), dz_[l].data(),            d.activation(),
               d.alpha(),      d.weights().trainable, d.bias().trainable};
    if (l > 0) widest = std::max(widest, d.in());
  }
  da_.resize(1, widest);  // dE/da of a hidden layer; capacity kept, so no allocation after step 1
  T* da = da_.data();

  const T* in_l = x.data();
  for (std::size_t l = 0; l < L; ++l) {
    const LayerRefs<T>& r = refs[l];
    layer_forward(r.z, r.a, in_l, r.w, r.b, r.I, r.O, r.act, r.alpha);
    in_l = r.a;
  }

  // E and dE/dz of the output layer. Half-SSE and MSE (never fused with the activation) in one
  // pass, with the operations of loss_forward and loss_backward at N = 1; the others through them.
  const LayerRefs<T>& last = refs[L - 1];
  if (loss_ == Loss::kHalfSse || loss_ == Loss::kMse) {
    const std::size_t O = last.O;
    const T s = loss_ == Loss::kHalfSse ? T(1) / T(1) : T(2) / T(O);  // loss.cpp's scale_of, N = 1
    const T* y = last.a;
    const T* tt = t.data();
    T sum = 0;
    if (last.act == Activation::kSigmoid) {  // the seed: dE/da and f'(z) = a (1 - a) in one loop
      for (std::size_t o = 0; o < O; ++o) {
        const T diff = tt[o] - y[o];
        sum += T(0.5) * diff * diff;
        last.dz[o] = s * -(tt[o] - y[o]) * y[o] * (T(1) - y[o]);
      }
    } else {
      for (std::size_t o = 0; o < O; ++o) {
        const T diff = tt[o] - y[o];
        sum += T(0.5) * diff * diff;
        last.dz[o] = s * -(tt[o] - y[o]);  // dE/da, then through the activation below
      }
      act_backward(last.dz, last.dz, last.z, y, O, last.act, last.alpha);
    }
    e = s * sum;
  } else {
    e = loss_forward(loss_, last.act, z_[L - 1], a_[L - 1], t);
    loss_backward(loss_, last.act, last.alpha, z_[L - 1], a_[L - 1], t, dz_[L - 1]);
  }

  for (std::size_t l = L; l-- > 0;) {
    const LayerRefs<T>& r = refs[l];
    T* dx = l > 0 ? da : nullptr;
    layer_backward(dx, r.w, r.dz, l == 0 ? x.data() : refs[l - 1].a, lr, r.train_w, r.I, r.O);
    if (r.train_b)
      for (std::size_t o = 0; o < r.O; ++o) r.b[o] -= lr * (T(0) + r.dz[o]);
    if (l == 0) break;
    const LayerRefs<T>& p = refs[l - 1];
    act_backward(p.dz, dx, p.z, p.a, r.I, p.act, p.alpha);
  }
  return true;
}

template bool Network<float>::sgd_step_fused(const Matrix<float>&, const Matrix<float>&, float, float&);
template bool Network<double>::sgd_step_fused(const Matrix<double>&, const Matrix<double>&, double,
                                              double&);

}  // namespace bp
