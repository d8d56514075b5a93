// Seeded initialization: the legacy init_uniform, and init_network with its named schemes.
#include "backprop/nn/init.hpp"

#include <cmath>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "backprop/nn/batchnorm.hpp"
#include "backprop/nn/conv2d.hpp"
#include "backprop/core/error.hpp"

namespace bp {

namespace {

// The network's dense layers in order: the layers the legacy init_uniform knows. Throws
// UsageError for a layer with parameters of another kind.
template <class T>
std::vector<Dense<T>*> dense_layers(Network<T>& net, const char* who) {
  std::vector<Dense<T>*> dense;
  for (std::size_t l = 0; l < net.depth(); ++l) {
    Layer<T>& layer = net.layer(l);
    if (auto* d = layer.template as<Dense<T>>())
      dense.push_back(d);
    else if (!std::as_const(layer).params().empty())
      throw UsageError(std::string(who) + ": layer " + std::to_string(l + 1) + " (" + layer.name() +
                       ") is " + std::string(layer.kind()) + ", which has no initialization rule");
  }
  return dense;
}

}  // namespace

template <class T>
void init_uniform(Network<T>& net, std::uint64_t seed, double range) {
  std::mt19937_64 rng(seed);
  for (Dense<T>* layer : dense_layers(net, "init_uniform")) {
    const double r = range / std::sqrt(static_cast<double>(layer->in()));
    std::uniform_real_distribution<double> u(-r, r);
    for (Param<T>* p : {&layer->weights(), &layer->bias()})
      if (p->trainable)
        for (auto& v : p->value) v = static_cast<T>(u(rng));
  }
}

template void init_uniform<float>(Network<float>&, std::uint64_t, double);
template void init_uniform<double>(Network<double>&, std::uint64_t, double);

// ---------------------------------------------------------------------------------------------
// Names

std::string_view init_name(InitKind kind) noexcept {
  switch (kind) {
    case InitKind::kXavierUniform: return "xavier-uniform";
    case InitKind::kXavierNormal: return "xavier-normal";
    case InitKind::kHeUniform: return "he-uniform";
    case InitKind::kHeNormal: return "he-normal";
    case InitKind::kLecunUniform: return "lecun-uniform";
    case InitKind::kLecunNormal: return "lecun-normal";
    case InitKind::kWidrowNguyen: return "widrow-nguyen";
    case InitKind::kUniform: return "uniform";
    case InitKind::kExplicit: return "explicit";
  }
  return "?";
}

InitKind parse_init(std::string_view name) {
  std::string n(name);
  for (auto& c : n)
    if (c == '_') c = '-';
  for (InitKind k : kAllInitKinds)
    if (n == init_name(k)) return k;
  if (n == "glorot-uniform") return InitKind::kXavierUniform;
  if (n == "glorot-normal") return InitKind::kXavierNormal;
  if (n == "kaiming-uniform") return InitKind::kHeUniform;
  if (n == "kaiming-normal") return InitKind::kHeNormal;
  if (n == "nguyen-widrow") return InitKind::kWidrowNguyen;
  std::string known;
  for (InitKind k : kAllInitKinds) known += (known.empty() ? "" : ", ") + std::string(init_name(k));
  throw UsageError("unknown initialization '" + std::string(name) + "'; expected one of: " + known);
}

void InitOptions::validate() const {
  auto bad = [](const std::string& field, double v, const std::string& want) {
    throw UsageError("initialization option " + field + " = " + std::to_string(v) + " must be " + want);
  };
  if (!(std::isfinite(gain) && gain > 0)) bad("gain", gain, "finite and > 0");
  if (!std::isfinite(bias)) bad("bias", bias, "finite");
  if (kind == InitKind::kUniform && !(std::isfinite(range) && range > 0))
    bad("range", range, "finite and > 0");
  if (kind == InitKind::kExplicit) {
    if (gain != 1) bad("gain", gain, "1 with explicit values");
    for (std::size_t k = 0; k < values.size(); ++k)
      if (!std::isfinite(values[k])) bad("values[" + std::to_string(k) + "]", values[k], "finite");
  } else if (!values.empty()) {
    throw UsageError("initialization: " + std::to_string(values.size()) +
                     " explicit values given, but kind is '" + std::string(init_name(kind)) +
                     "'; values are only used with 'explicit'");
  }
}

// ---------------------------------------------------------------------------------------------
// Portable random numbers

namespace detail {

double portable_log(double x) noexcept {
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln x = e ln 2 + ln m, and
  // ln m = 2 atanh(s) = 2 (s + s³/3 + s⁵/5 + ...), s = (m - 1) / (m + 1), |s| <= 0.1716.
  // s² <= 0.0295, so 13 terms leave a remainder below 0.0295^13 / 27 ~ 1e-21 relative.
  if (!(x > 0)) return x == 0 ? -HUGE_VAL : std::nan("");
  if (std::isinf(x)) return x;
  int e = 0;
  double m = std::frexp(x, &e);  // m in [0.5, 1), exact
  if (m < 0.70710678118654752440) {
    m *= 2;  // exact
    --e;
  }
  const double s = (m - 1) / (m + 1);
  const double s2 = s * s;
  double term = s, sum = s;
  for (int k = 1; k <= 13; ++k) {
    term *= s2;
    sum += term / (2 * k + 1);
  }
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2 split (fdlibm): e * kLn2Hi is
  constexpr double kLn2Lo = 1.90821492927058770002e-10;  // exact for |e| < 2^11
  return static_cast<double>(e) * kLn2Hi + (2 * sum + static_cast<double>(e) * kLn2Lo);
}

double portable_exp(double y) noexcept {
  // y = k ln 2 + t with integer k and |t| <= ln(2)/2; e^y = 2^k e^t, e^t by its Taylor series:
  // 0.347^23 / 23! ~ 1e-33, so 22 terms are plenty. ldexp is exact (unless the result is
  // subnormal, where it still rounds the same way everywhere).
  if (std::isnan(y)) return y;
  if (y > 709.8) return HUGE_VAL;
  if (y < -745.2) return 0;
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  const double k = std::floor(y * kInvLn2 + 0.5);
  const double t = (y - k * kLn2Hi) - k * kLn2Lo;
  double p = 1;
  for (int n = 22; n >= 1; --n) p = 1 + t * p / n;
  return std::ldexp(p, static_cast<int>(k));
}

}  // namespace detail

namespace {

// SplitMix64 finalizer (Steele, Lea & Flood 2014): spreads nearby seeds over all 64 bits.
std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Draws from one std::mt19937_64 (its output sequence is fixed by the C++ standard) through
// transforms written here, so the numbers do not depend on the standard library.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : eng_(seed) {}
  // [0, 1) on the grid k * 2^-53: the top 53 bits of one output.
  double uniform01() { return static_cast<double>(eng_() >> 11) * 0x1.0p-53; }
  // [-a, a]: 2u - 1 is exact, so only the product by a rounds.
  double symmetric(double a) { return a * (2 * uniform01() - 1); }
  // N(0, 1) by Marsaglia's polar method (Marsaglia & Bray 1964): (v1, v2) uniform in the unit
  // disc, then v * sqrt(-2 ln q / q), q = v1² + v2², gives two independent normals.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double v1 = 0, v2 = 0, q = 0;
    do {
      v1 = 2 * uniform01() - 1;
      v2 = 2 * uniform01() - 1;
      q = v1 * v1 + v2 * v2;
    } while (q >= 1 || q == 0);
    const double f = std::sqrt(-2 * detail::portable_log(q) / q);  // sqrt is correctly rounded
    spare_ = v2 * f;
    has_spare_ = true;
    return v1 * f;
  }

 private:
  std::mt19937_64 eng_;
  bool has_spare_ = false;
  double spare_ = 0;
};

// The generator of one parameter tensor: which = 0 for weights, 1 for biases.
Draw tensor_draw(std::uint64_t seed, std::size_t layer, std::size_t which) {
  return Draw(splitmix64(splitmix64(seed) + 2 * static_cast<std::uint64_t>(layer) + which));
}

template <class T>
void fill_constant(Param<T>& p, double v) {
  if (p.trainable) p.value.fill(static_cast<T>(v));
}

// Nguyen–Widrow for one hidden layer (see init.hpp and docs/initialization.md).
template <class T>
void widrow_nguyen_layer(Dense<T>& layer, double gain, std::uint64_t seed, std::size_t l) {
  const std::size_t I = layer.in(), O = layer.out();
  // beta = 0.7 O^(1/I), with O^(1/I) = exp(ln(O) / I) computed portably (std::pow may round
  // differently between libraries).
  const double root = detail::portable_exp(detail::portable_log(static_cast<double>(O)) /
                                           static_cast<double>(I));
  const double beta = gain * 0.7 * root;
  if (layer.weights().trainable) {
    Draw draw = tensor_draw(seed, l, 0);
    std::vector<double> w_o(I);
    for (std::size_t o = 0; o < O; ++o) {
      double norm2 = 0;
      do {  // a zero vector has no direction; its odds are 2^-53 per entry, but be exact
        norm2 = 0;
        for (auto& w : w_o) {
          w = draw.symmetric(0.5);
          norm2 += w * w;
        }
      } while (norm2 == 0);
      const double scale = beta / std::sqrt(norm2);
      auto row = layer.weights().value.row(o);
      for (std::size_t i = 0; i < I; ++i) row[i] = static_cast<T>(w_o[i] * scale);
    }
  }
  if (layer.bias().trainable) {
    Draw draw = tensor_draw(seed, l, 1);
    for (auto& b : layer.bias().value) b = static_cast<T>(draw.symmetric(beta));
  }
}

// A layer whose weight matrix the named schemes draw: dense (O, I), fan_in I, fan_out O; or
// conv2d (OC, C·KH·KW), fan_in C·KH·KW, fan_out OC·KH·KW (PyTorch's convention). The l-th one
// draws from tensor_draw(seed, l, ...), so a network of dense layers gets what it always got.
template <class T>
struct Weighted {
  Param<T>* w = nullptr;
  Param<T>* b = nullptr;  // nullptr: the layer has no bias
  double fan_in = 0, fan_out = 0;
  Dense<T>* dense = nullptr;  // the layer, when it is dense (Widrow-Nguyen needs it)
  std::size_t index = 0;      // 1-based position in the network, for messages
};

// The weighted layers of net in order; BatchNorm layers are reset to gamma 1, beta 0, running
// mean 0 and variance 1 on the way. Throws UsageError for a layer with parameters of another kind.
template <class T>
std::vector<Weighted<T>> weighted_layers(Network<T>& net) {
  std::vector<Weighted<T>> out;
  for (std::size_t l = 0; l < net.depth(); ++l) {
    Layer<T>& layer = net.layer(l);
    if (auto* d = layer.template as<Dense<T>>()) {
      out.push_back({&d->weights(), &d->bias(), static_cast<double>(d->in()),
                     static_cast<double>(d->out()), d, l + 1});
    } else if (auto* c = layer.template as<Conv2D<T>>()) {
      const Window2D& win = c->options().window;
      out.push_back({&c->weights(), c->options().bias ? &c->bias() : nullptr,
                     static_cast<double>(c->weights().cols()),
                     static_cast<double>(c->weights().rows() * win.kh * win.kw), nullptr, l + 1});
    } else if (auto* bn = layer.template as<BatchNorm<T>>()) {
      fill_constant(bn->gamma(), 1);
      fill_constant(bn->beta(), 0);
      bn->running_mean().value.fill(T(0));
      bn->running_var().value.fill(T(1));
    } else if (!std::as_const(layer).params().empty()) {
      throw UsageError("init_network: layer " + std::to_string(l + 1) + " (" + layer.name() + ") is " +
                       std::string(layer.kind()) + ", which has no initialization rule");
    }
  }
  return out;
}

// The bound a of a uniform kind, or the standard deviation s of a normal kind (`normal` set).
double scale_of(const InitOptions& opts, double I, double O, bool& normal) {
  const double g = opts.gain;
  normal = false;
  switch (opts.kind) {
    case InitKind::kXavierUniform: return g * std::sqrt(6 / (I + O));
    case InitKind::kXavierNormal: normal = true; return g * std::sqrt(2 / (I + O));
    case InitKind::kHeUniform: return g * std::sqrt(6 / I);
    case InitKind::kHeNormal: normal = true; return g * std::sqrt(2 / I);
    case InitKind::kLecunUniform: return g * std::sqrt(3 / I);
    case InitKind::kLecunNormal: normal = true; return g * std::sqrt(1 / I);
    case InitKind::kWidrowNguyen: return 0.5;  // the output layer: N&W's start range
    case InitKind::kUniform: return g * opts.range;
    case InitKind::kExplicit: break;
  }
  BP_ASSERT(false);
  return 0;
}

}  // namespace

template <class T>
void init_network(Network<T>& net, const InitOptions& opts, std::uint64_t seed) {
  opts.validate();
  if (opts.kind == InitKind::kExplicit) {
    const std::size_t want = net.parameter_count();
    if (opts.values.size() != want)
      throw UsageError("init_network: explicit values has " + std::to_string(opts.values.size()) +
                       " values, but the network has " + std::to_string(want) + " parameters");
    std::size_t k = 0;
    for (Param<T>* p : net.params())
      for (auto& v : p->value) {
        if (p->trainable) v = static_cast<T>(opts.values[k]);
        ++k;
      }
    return;
  }
  const std::vector<Weighted<T>> layers = weighted_layers(net);
  for (const Weighted<T>& layer : layers)
    if (opts.kind == InitKind::kWidrowNguyen && !layer.dense)
      throw UsageError("widrow-nguyen initialization is defined for dense layers only; layer " +
                       std::to_string(layer.index) + " is " + std::string(net.layer(layer.index - 1).kind()));
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const Weighted<T>& layer = layers[l];
    const bool hidden = l + 1 < layers.size();
    if (opts.kind == InitKind::kWidrowNguyen && hidden) {
      widrow_nguyen_layer(*layer.dense, opts.gain, seed, l);
      continue;
    }
    if (layer.b) fill_constant(*layer.b, opts.bias);
    if (!layer.w->trainable) continue;
    bool normal = false;
    const double scale = scale_of(opts, layer.fan_in, layer.fan_out, normal);
    Draw draw = tensor_draw(seed, l, 0);
    for (auto& w : layer.w->value)
      w = static_cast<T>(normal ? scale * draw.normal() : draw.symmetric(scale));
  }
}

template void init_network<float>(Network<float>&, const InitOptions&, std::uint64_t);
template void init_network<double>(Network<double>&, const InitOptions&, std::uint64_t);

}  // namespace bp
