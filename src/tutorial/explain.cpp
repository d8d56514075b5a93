// Explain: builds the derivation of one backpropagation step from the library's own values.
// Rendering into text, Markdown and JSON lives in explain_render.cpp.
#include "backprop/tutorial/explain.hpp"
#include "tutorial/explain_format.hpp"

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>

#include "backprop/core/error.hpp"
#include "kernels/activation.hpp"
#include "nn/dense_at.hpp"

namespace bp {

void ExplainOptions::validate() const {
  if (!(lr > 0) || !std::isfinite(lr))
    throw UsageError("learning rate = " + std::to_string(lr) + "; expected a finite value > 0");
  if (precision < 10 || precision > 17)
    throw UsageError("precision = " + std::to_string(precision) + "; expected 10 to 17 significant digits");
}

namespace {

using explain_detail::fmt;
using explain_detail::par;

// Names of every quantity, in the seed's scheme or the systematic one. Layers l and neurons j, i
// are 0-based here; names are 1-based.
struct Namer {
  NetNames names;
  const Network<double>& net;

  static std::string s(std::size_t k) { return std::to_string(k + 1); }
  bool seed() const { return names == NetNames::kSeed; }

  Symbol x(std::size_t i) const {
    const std::string n = s(i);  // named: g++ 12 warns (-Wrestrict, wrongly) on "x" + s(i) here
    return {"x" + n, seed() ? "x" + n : "x_{" + n + "}"};
  }
  Symbol z(std::size_t l, std::size_t j) const {
    if (seed()) return {(l == 0 ? "H" : "y") + s(j), (l == 0 ? "H" : "y") + s(j)};
    return {"z" + s(l) + "_" + s(j), "z^{(" + s(l) + ")}_{" + s(j) + "}"};
  }
  Symbol a(std::size_t l, std::size_t j) const {
    if (seed()) return {(l == 0 ? "H" : "y") + s(j) + "_final", (l == 0 ? "H" : "y") + s(j) + "_{final}"};
    return {"a" + s(l) + "_" + s(j), "a^{(" + s(l) + ")}_{" + s(j) + "}"};
  }
  // What feeds layer l's input i: x_i for the first layer, else the previous layer's activation.
  Symbol in(std::size_t l, std::size_t i) const { return l == 0 ? x(i) : a(l - 1, i); }
  Symbol w(std::size_t l, std::size_t j, std::size_t i) const {
    if (seed()) return {"w" + s(l * 4 + j * 2 + i), "w" + s(l * 4 + j * 2 + i)};
    return {"w" + s(l) + "_" + s(j) + "_" + s(i), "w^{(" + s(l) + ")}_{" + s(j) + "," + s(i) + "}"};
  }
  // The seed names one bias per layer (b1, b2); that name is kept while the layer's biases are
  // frozen and equal, as in the seed. Otherwise each neuron's bias gets its own name.
  bool shared_bias(std::size_t l) const {
    const auto& b = dense_at(net, l).bias();
    bool equal = true;
    for (double v : b.value) equal = equal && v == b.value[0];
    return seed() && equal && !b.trainable;
  }
  Symbol b(std::size_t l, std::size_t j) const {
    if (shared_bias(l)) return {"b" + s(l), "b" + s(l)};
    if (seed()) return {"b" + s(l) + "_" + s(j), "b" + s(l) + "_{" + s(j) + "}"};
    return {"b" + s(l) + "_" + s(j), "b^{(" + s(l) + ")}_{" + s(j) + "}"};
  }
  Symbol t(std::size_t j) const {
    return seed() ? Symbol{"T" + s(j), "T" + s(j)} : Symbol{"t" + s(j), "t_{" + s(j) + "}"};
  }
  Symbol e(std::size_t j) const { return {"E" + s(j), "E_{" + s(j) + "}"}; }
  static Symbol total() { return {"E_total", "E_{total}"}; }
};

// A formula written twice, as text and as LaTeX: f(tex) returns one of them.
Symbol both(const std::function<std::string(bool)>& f) { return {f(false), f(true)}; }
std::string times(bool tex) { return tex ? " \\times " : " * "; }

// f'(z) in terms of a = f(z) and z, given as names or numbers.
std::string deriv_expr(Activation act, double alpha, const std::string& a, const std::string& z,
                       bool tex, int p) {
  const std::string al = fmt(alpha, p);
  switch (act) {
    case Activation::kIdentity: return "1";
    case Activation::kSigmoid: return a + times(tex) + "(1 - " + a + ")";
    case Activation::kTanh: return tex ? "1 - (" + a + ")^{2}" : "1 - " + a + "^2";
    case Activation::kRelu: return tex ? "[" + z + " > 0]" : "(" + z + " > 0 ? 1 : 0)";
    case Activation::kLeakyRelu:
      return tex ? "(1 \\text{ if } " + z + " > 0 \\text{ else } " + al + ")" : "(" + z + " > 0 ? 1 : " + al + ")";
    case Activation::kElu:
      return tex ? "(1 \\text{ if } " + z + " > 0 \\text{ else } " + a + " + " + al + ")"
                 : "(" + z + " > 0 ? 1 : " + a + " + " + al + ")";
    case Activation::kSoftplus: return tex ? "\\frac{1}{1 + e^{-" + z + "}}" : "1 / (1 + exp(-" + z + "))";
    case Activation::kSoftmax: break;
  }
  return "";
}

// dE/da_j of the loss for output a_j and target t_j (names or numbers); empty when there is no
// short form. O is the number of outputs.
std::string loss_grad_expr(Loss loss, const std::string& a, const std::string& t, std::size_t O, bool tex) {
  const std::string o = std::to_string(O);
  switch (loss) {
    case Loss::kHalfSse: return "-(" + t + " - " + a + ")";
    case Loss::kMse: return tex ? "\\frac{2}{" + o + "} (" + a + " - " + t + ")" : "2/" + o + " * (" + a + " - " + t + ")";
    case Loss::kBinaryCrossEntropy:
      return tex ? "\\frac{1}{" + o + "} (\\sigma(" + a + ") - " + t + ")" : "(sigmoid(" + a + ") - " + t + ") / " + o;
    case Loss::kSoftmaxCrossEntropy: break;
  }
  return "";
}

// The per-output term of E_total, as a formula of a, t (or the logit u for the two cross-entropies).
std::string error_expr(Loss loss, bool fused, const std::string& a, const std::string& t, std::size_t O,
                       bool tex) {
  const std::string o = std::to_string(O);
  const std::string log = tex ? "\\ln " : "log ";
  switch (loss) {
    case Loss::kHalfSse: return tex ? "\\frac{1}{2} (" + t + " - " + a + ")^{2}" : "1/2 (" + t + " - " + a + ")^2";
    case Loss::kMse: return tex ? "\\frac{1}{" + o + "} (" + a + " - " + t + ")^{2}" : "(" + a + " - " + t + ")^2 / " + o;
    case Loss::kBinaryCrossEntropy: {
      const std::string s = fused ? a : (tex ? "\\sigma(" + a + ")" : "sigmoid(" + a + ")");
      const std::string body = "-(" + t + times(tex) + log + s + " + (1 - " + t + ")" + times(tex) + log + "(1 - " + s + "))";
      return tex ? "\\frac{1}{" + o + "} " + body : body + " / " + o;
    }
    case Loss::kSoftmaxCrossEntropy:
      return fused ? "-" + t + times(tex) + log + a
                   : "-" + t + times(tex) + log + (tex ? "\\mathrm{softmax}(" + a + ")" : "softmax(" + a + ")");
  }
  return "";
}

Factor derivative(const Symbol& of, const Symbol& wrt, double value) { return {of, wrt, value, {}, {}}; }

// What every section of explain reads: the network after one forward and backward pass on (x, t).
struct Walk {
  const Network<double>& net;
  const Namer& nm;
  const Matrix<double>& x;
  const Matrix<double>& t;
  int p;  // printed precision
  std::size_t L = net.depth(), O = net.out();

  const Dense<double>& layer(std::size_t l) const { return dense_at(net, l); }
  const Matrix<double>& in(std::size_t l) const { return l == 0 ? x : net.output(l - 1); }
  bool fused() const { return loss_fuses_with(net.loss(), layer(L - 1).activation()); }
};

void check_explain_input(const Network<double>& net, std::span<const double> x,
                         std::span<const double> t, const ExplainOptions& opts) {
  opts.validate();
  if (net.depth() == 0) throw UsageError("explain: the network has no layers");
  if (x.size() != net.in())
    throw UsageError("explain: the sample has " + std::to_string(x.size()) + " inputs, expected " +
                     std::to_string(net.in()));
  if (t.size() != net.out())
    throw UsageError("explain: the target has " + std::to_string(t.size()) + " values, expected " +
                     std::to_string(net.out()));
  for (std::size_t l = 0; l < net.depth(); ++l) dense_at(net, l);  // explain shows dense layers
  if (opts.names == NetNames::kSeed &&
      !(net.depth() == 2 && net.in() == 2 && dense_at(net, 0).out() == 2 && net.out() == 2))
    throw UsageError("explain: the seed's names need a 2-2-2 network");
}

// Forward pass: every neuron's inputs, weights, bias, z and a.
void add_forward(const Walk& w, Explanation& ex) {
  for (std::size_t l = 0; l < w.L; ++l) {
    const Dense<double>& d = w.layer(l);
    const Matrix<double>& in = w.in(l);
    LayerForward lf{l + 1, d.activation(), static_cast<double>(d.alpha()), {}};
    for (std::size_t j = 0; j < d.out(); ++j) {
      NeuronForward nf;
      for (std::size_t i = 0; i < d.in(); ++i) {
        nf.inputs.push_back({w.nm.in(l, i), in[i]});
        nf.weights.push_back({w.nm.w(l, j, i), d.weights().value(j, i)});
      }
      nf.bias = {w.nm.b(l, j), d.bias().value(0, j)};
      nf.z = {w.nm.z(l, j), d.z()(0, j)};
      nf.a = {w.nm.a(l, j), w.net.output(l)(0, j)};
      lf.neurons.push_back(std::move(nf));
    }
    ex.forward.push_back(std::move(lf));
  }
}

// log-sum-exp of the logits (for the softmax cross-entropy's terms).
double log_sum_exp(const Matrix<double>& logits) {
  double m = logits[0], s = 0;
  for (double v : logits) m = std::max(m, v);
  for (double v : logits) s += std::exp(v - m);
  return m + std::log(s);
}

// Total error: one term per output. The terms are ours; their sum is the library's E_total.
void add_error_terms(const Walk& w, double e_total, Explanation& ex) {
  const bool fused = w.fused();
  const Matrix<double>& a_out = w.net.output(w.L - 1);
  const Matrix<double>& logits = fused ? w.layer(w.L - 1).z() : a_out;
  const Loss loss = w.net.loss();
  const double lse = loss == Loss::kSoftmaxCrossEntropy ? log_sum_exp(logits) : 0.0;
  const double n = static_cast<double>(w.O);
  ex.total = {Namer::total(), e_total};
  for (std::size_t j = 0; j < w.O; ++j) {
    const double a = a_out[j], tj = w.t[j], u = logits[j];
    double v = 0;
    switch (loss) {
      case Loss::kHalfSse: v = 0.5 * (tj - a) * (tj - a); break;
      case Loss::kMse: v = (a - tj) * (a - tj) / n; break;
      case Loss::kBinaryCrossEntropy: v = (std::max(u, 0.0) - u * tj + std::log1p(std::exp(-std::abs(u)))) / n; break;
      case Loss::kSoftmaxCrossEntropy: v = tj * (lse - u); break;
    }
    ErrorTerm et{{w.nm.e(j), v}, {w.nm.a(w.L - 1, j), a}, {w.nm.t(j), tj}, {}, {}};
    et.formula = both([&](bool tex) {
      return error_expr(loss, fused, tex ? et.output.sym.tex : et.output.sym.text,
                        tex ? et.target.sym.tex : et.target.sym.text, w.O, tex);
    });
    et.substituted = both([&](bool tex) { return error_expr(loss, fused, par(a, w.p), par(tj, w.p), w.O, tex); });
    ex.error_terms.push_back(std::move(et));
  }
}

// dE/da of output neuron j, from the loss.
void output_de_da(const Walk& w, std::size_t j, double da, NeuronBackward& nb) {
  const Symbol aj = w.nm.a(w.L - 1, j), tj = w.nm.t(j);
  const Matrix<double>& a = w.net.output(w.L - 1);
  nb.de_da = derivative(Namer::total(), aj, da);
  nb.de_da.formula = both([&](bool tex) {
    return loss_grad_expr(w.net.loss(), tex ? aj.tex : aj.text, tex ? tj.tex : tj.text, w.O, tex);
  });
  nb.de_da.substituted = both([&](bool tex) {
    return loss_grad_expr(w.net.loss(), par(a[j], w.p), par(w.t[j], w.p), w.O, tex);
  });
}

// dE/da of hidden neuron j of layer l: sum_k dE/dz_k * w_kj over the next layer's neurons k.
double hidden_de_da(const Walk& w, std::size_t l, std::size_t j, NeuronBackward& nb) {
  const Dense<double>& next = w.layer(l + 1);
  double da = 0;
  for (std::size_t k = 0; k < next.out(); ++k) {
    BackTerm bt{derivative(Namer::total(), w.nm.z(l + 1, k), next.dz()(0, k)),
                {w.nm.w(l + 1, k, j), next.weights().value(k, j)}, 0};
    bt.value = bt.de_dz.value * bt.weight.value;
    da += bt.value;
    nb.terms.push_back(std::move(bt));
  }
  nb.de_da = derivative(Namer::total(), w.nm.a(l, j), da);
  return da;
}

// dE/dz of an output neuron whose activation fuses with the loss: a - t (scaled).
void fused_delta(const Walk& w, std::size_t j, NeuronBackward& nb) {
  const Matrix<double>& a = w.net.output(w.L - 1);
  const Symbol aj = w.nm.a(w.L - 1, j), tj = w.nm.t(j);
  double t_sum = 0;
  for (double v : w.t) t_sum += v;
  const bool bce = w.net.loss() == Loss::kBinaryCrossEntropy;
  const bool one = std::abs(t_sum - 1) <= 1e-12 || bce;
  const std::string scale = bce ? std::to_string(w.O) : "";
  const auto f = [&](const std::string& A, const std::string& T, const std::string& S, bool tex) {
    std::string body = one ? "(" + A + " - " + T + ")" : "(" + A + times(tex) + S + " - " + T + ")";
    if (scale.empty()) return body;
    return tex ? "\\frac{1}{" + scale + "} " + body : body + " / " + scale;
  };
  nb.kind = DeltaKind::kFused;
  nb.de_dz.formula = both([&](bool tex) {
    return f(tex ? aj.tex : aj.text, tex ? tj.tex : tj.text, tex ? "\\sum t" : "sum(t)", tex);
  });
  nb.de_dz.substituted = both([&](bool tex) { return f(par(a[j], w.p), par(w.t[j], w.p), par(t_sum, w.p), tex); });
}

// dE/dz of a softmax neuron: a_j (dE/da_j - sum_k dE/da_k a_k).
void softmax_delta(const Walk& w, std::size_t l, std::size_t j, std::span<const double> da, NeuronBackward& nb) {
  const Matrix<double>& a = w.net.output(l);
  const Symbol aj = w.nm.a(l, j);
  nb.kind = DeltaKind::kSoftmax;
  for (std::size_t k = 0; k < da.size(); ++k) nb.softmax_dot += da[k] * a[k];
  const Symbol dsym = both([&](bool tex) {
    return tex ? "\\frac{\\partial E_{total}}{\\partial " + aj.tex + "}" : "dE_total/d" + aj.text;
  });
  nb.de_dz.formula = both([&](bool tex) {
    return (tex ? aj.tex : aj.text) + times(tex) + "(" + (tex ? dsym.tex : dsym.text) + " - " +
           (tex ? "\\sum_k \\frac{\\partial E_{total}}{\\partial a_k} a_k" : "sum_k dE_total/da_k * a_k") + ")";
  });
  nb.de_dz.substituted = both([&](bool tex) {
    return par(a[j], w.p) + times(tex) + "(" + par(da[j], w.p) + " - " + par(nb.softmax_dot, w.p) + ")";
  });
}

// dE/dz = dE/da * f'(z) of any other neuron.
void chain_delta(const Walk& w, std::size_t l, std::size_t j, NeuronBackward& nb) {
  const Dense<double>& d = w.layer(l);
  const double a = w.net.output(l)[j], z = d.z()[j];
  const Symbol aj = w.nm.a(l, j), zj = w.nm.z(l, j);
  nb.kind = DeltaKind::kChain;
  nb.da_dz = derivative(aj, zj, kernels::activation_derivative(z, a, d.activation(), static_cast<double>(d.alpha())));
  nb.da_dz.formula = both([&](bool tex) {
    return deriv_expr(d.activation(), d.alpha(), tex ? aj.tex : aj.text, tex ? zj.tex : zj.text, tex, w.p);
  });
  nb.da_dz.substituted = both([&](bool tex) {
    return deriv_expr(d.activation(), d.alpha(), par(a, w.p), par(z, w.p), tex, w.p);
  });
}

// Backward pass, from the output layer down: dE/da, f'(z) and dE/dz of every neuron.
void add_backward(const Walk& w, Explanation& ex) {
  Matrix<double> da_out;
  const Dense<double>& last = w.layer(w.L - 1);
  loss_grad_output(w.net.loss(), last.activation(), last.z(), w.net.output(w.L - 1), w.t, da_out);
  const bool fused = w.fused();
  for (std::size_t l = w.L; l-- > 0;) {
    const Dense<double>& d = w.layer(l);
    const bool output = l == w.L - 1;
    LayerBackward lb{l + 1, output, {}};
    std::vector<double> da(d.out());
    for (std::size_t j = 0; j < d.out(); ++j) {
      NeuronBackward nb;
      nb.de_dz = derivative(Namer::total(), w.nm.z(l, j), d.dz()(0, j));
      if (output) {
        da[j] = da_out[j];
        output_de_da(w, j, da[j], nb);
      } else {
        da[j] = hidden_de_da(w, l, j, nb);
      }
      lb.neurons.push_back(std::move(nb));
    }
    for (std::size_t j = 0; j < d.out(); ++j) {
      if (output && fused) fused_delta(w, j, lb.neurons[j]);
      else if (d.activation() == Activation::kSoftmax) softmax_delta(w, l, j, da, lb.neurons[j]);
      else chain_delta(w, l, j, lb.neurons[j]);
    }
    ex.backward.push_back(std::move(lb));
  }
}

// The chain-rule factors of dE/dparam for neuron j of layer l: its delta's factors, then dz/dparam.
std::vector<Factor> chain_factors(const Walk& w, const NeuronBackward& nb, std::size_t l, std::size_t j,
                                  const Symbol& param, double dz_dparam, Symbol dz_formula) {
  std::vector<Factor> f;
  if (nb.kind == DeltaKind::kChain) {
    f = {nb.de_da, nb.da_dz};
  } else {
    f = {nb.de_dz};
  }
  Factor last = derivative(w.nm.z(l, j), param, dz_dparam);
  last.formula = std::move(dz_formula);
  last.substituted = {fmt(dz_dparam, w.p), fmt(dz_dparam, w.p)};
  f.push_back(std::move(last));
  return f;
}

// Gradients of the trainable parameters, output layer first, and their updated values.
void add_gradients(const Walk& w, double lr, Explanation& ex) {
  for (std::size_t l = w.L; l-- > 0;) {
    const Dense<double>& d = w.layer(l);
    const LayerBackward& lb = ex.backward[w.L - 1 - l];
    const Matrix<double>& in = w.in(l);
    for (std::size_t j = 0; j < d.out(); ++j) {
      for (std::size_t i = 0; i < d.in() && d.weights().trainable; ++i) {
        Gradient g{w.nm.w(l, j, i), l + 1, j, i, false, {}, d.weights().grad(j, i), d.weights().value(j, i), 0};
        g.factors = chain_factors(w, lb.neurons[j], l, j, g.param, in[i], w.nm.in(l, i));
        g.new_value = g.old_value - lr * g.value;
        ex.gradients.push_back(std::move(g));
      }
    }
    for (std::size_t j = 0; j < d.out() && d.bias().trainable; ++j) {
      Gradient g{w.nm.b(l, j), l + 1, j, 0, true, {}, d.bias().grad(0, j), d.bias().value(0, j), 0};
      g.factors = chain_factors(w, lb.neurons[j], l, j, g.param, 1.0, {"1", "1"});
      g.new_value = g.old_value - lr * g.value;
      ex.gradients.push_back(std::move(g));
    }
  }
}

// The names of the frozen parameters, layer by layer.
void add_frozen(const Walk& w, Explanation& ex) {
  for (std::size_t l = 0; l < w.L; ++l) {
    const Dense<double>& d = w.layer(l);
    if (!d.weights().trainable)
      for (std::size_t j = 0; j < d.out(); ++j)
        for (std::size_t i = 0; i < d.in(); ++i) ex.frozen.push_back(w.nm.w(l, j, i).text);
    if (!d.bias().trainable) {
      if (w.nm.shared_bias(l)) {
        ex.frozen.push_back(w.nm.b(l, 0).text);
      } else {
        for (std::size_t j = 0; j < d.out(); ++j) ex.frozen.push_back(w.nm.b(l, j).text);
      }
    }
  }
}

}  // namespace

Explanation explain(const Network<double>& net_in, std::span<const double> x_in,
                    std::span<const double> t_in, const ExplainOptions& opts) {
  check_explain_input(net_in, x_in, t_in, opts);
  Network<double> net = net_in;  // ours to run forward and backward
  net.set_training(false);
  const Matrix<double> x(1, net.in(), std::vector<double>(x_in.begin(), x_in.end()));
  const Matrix<double> t(1, net.out(), std::vector<double>(t_in.begin(), t_in.end()));
  net.zero_grad();
  net.forward(x);
  const double e_total = net.loss_value(t);
  net.backward(x, t);

  const Namer nm{opts.names, net};
  const Walk w{net, nm, x, t, opts.precision};
  Explanation ex;
  ex.names = opts.names;
  ex.loss = net.loss();
  ex.lr = opts.lr;
  ex.precision = opts.precision;
  for (std::size_t i = 0; i < x.cols(); ++i) ex.inputs.push_back({nm.x(i), x[i]});
  for (std::size_t j = 0; j < w.O; ++j) ex.targets.push_back({nm.t(j), t[j]});
  add_forward(w, ex);
  add_error_terms(w, e_total, ex);
  add_backward(w, ex);
  add_gradients(w, opts.lr, ex);
  add_frozen(w, ex);
  return ex;
}
TrainingSummary explain_training(const Network<double>& net_in, const Matrix<double>& X,
                                 const Matrix<double>& T, double lr, std::size_t steps,
                                 UpdateOrder order) {
  const SgdOptions sgd{lr, order};
  sgd.validate();
  if (steps == 0) throw UsageError("steps = 0; expected at least 1 update");
  if (X.rows() == 0 || X.rows() != T.rows())
    throw UsageError("explain: " + std::to_string(X.rows()) + " samples but " + std::to_string(T.rows()) +
                     " targets");
  Network<double> net = net_in;
  net.set_training(false);
  const auto loss_all = [&] {
    net.forward(X);
    return net.loss_value(T);
  };
  TrainingSummary s;
  s.steps = steps;
  s.order = order;
  s.samples = X.rows();
  s.e_before = loss_all();
  Matrix<double> xr(1, X.cols()), tr(1, T.cols());
  for (std::size_t k = 0; k < steps; ++k) {
    const std::size_t n = k % X.rows();
    for (std::size_t i = 0; i < X.cols(); ++i) xr[i] = X(n, i);
    for (std::size_t o = 0; o < T.cols(); ++o) tr[o] = T(n, o);
    sgd_step(net, xr, tr, sgd);
    if (k == 0) s.e_after_first = loss_all();
  }
  s.e_after_last = loss_all();
  s.outputs = net.output();
  return s;
}

ExplainFormat parse_explain_format(std::string_view name) {
  if (name == "text") return ExplainFormat::kText;
  if (name == "markdown" || name == "md") return ExplainFormat::kMarkdown;
  if (name == "json") return ExplainFormat::kJson;
  throw UsageError("unknown format '" + std::string(name) + "'; expected one of: text, markdown, json");
}

}  // namespace bp
