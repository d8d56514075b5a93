// Explain: builds the derivation of one backpropagation step from the library's own values.
// Rendering into text, Markdown and JSON lives in explain_render.cpp.
#include "backprop/explain.hpp"
#include "explain_format.hpp"

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>

#include "backprop/error.hpp"
#include "kernels/activation.hpp"
#include "dense_at.hpp"

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

  Symbol x(std::size_t i) const { return {"x" + s(i), seed() ? "x" + s(i) : "x_{" + s(i) + "}"}; }
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

}  // namespace

Explanation explain(const Network<double>& net_in, std::span<const double> x_in,
                    std::span<const double> t_in, const ExplainOptions& opts) {
  opts.validate();
  if (net_in.depth() == 0) throw UsageError("explain: the network has no layers");
  if (x_in.size() != net_in.in())
    throw UsageError("explain: the sample has " + std::to_string(x_in.size()) + " inputs, expected " +
                     std::to_string(net_in.in()));
  if (t_in.size() != net_in.out())
    throw UsageError("explain: the target has " + std::to_string(t_in.size()) + " values, expected " +
                     std::to_string(net_in.out()));
  for (std::size_t l = 0; l < net_in.depth(); ++l) dense_at(net_in, l);  // explain shows dense layers
  if (opts.names == NetNames::kSeed &&
      !(net_in.depth() == 2 && net_in.in() == 2 && dense_at(net_in, 0).out() == 2 && net_in.out() == 2))
    throw UsageError("explain: the seed's names need a 2-2-2 network");

  Network<double> net = net_in;  // ours to run forward and backward
  net.set_training(false);
  const std::size_t L = net.depth(), O = net.out();
  const Matrix<double> x(1, net.in(), std::vector<double>(x_in.begin(), x_in.end()));
  const Matrix<double> t(1, O, std::vector<double>(t_in.begin(), t_in.end()));
  net.zero_grad();
  net.forward(x);
  const double e_total = net.loss_value(t);
  net.backward(x, t);

  const Namer nm{opts.names, net};
  const int p = opts.precision;
  Explanation ex;
  ex.names = opts.names;
  ex.loss = net.loss();
  ex.lr = opts.lr;
  ex.precision = p;
  for (std::size_t i = 0; i < x.cols(); ++i) ex.inputs.push_back({nm.x(i), x[i]});
  for (std::size_t j = 0; j < O; ++j) ex.targets.push_back({nm.t(j), t[j]});

  // Forward pass.
  for (std::size_t l = 0; l < L; ++l) {
    const Dense<double>& d = dense_at(net, l);
    const Matrix<double>& in = l == 0 ? x : net.output(l - 1);
    LayerForward lf{l + 1, d.activation(), static_cast<double>(d.alpha()), {}};
    for (std::size_t j = 0; j < d.out(); ++j) {
      NeuronForward nf;
      for (std::size_t i = 0; i < d.in(); ++i) {
        nf.inputs.push_back({nm.in(l, i), in[i]});
        nf.weights.push_back({nm.w(l, j, i), d.weights().value(j, i)});
      }
      nf.bias = {nm.b(l, j), d.bias().value(0, j)};
      nf.z = {nm.z(l, j), dense_at(net, l).z()(0, j)};
      nf.a = {nm.a(l, j), net.output(l)(0, j)};
      lf.neurons.push_back(std::move(nf));
    }
    ex.forward.push_back(std::move(lf));
  }

  // Total error: one term per output. The terms are ours; their sum is the library's E_total.
  const Dense<double>& last = dense_at(net, L - 1);
  const bool fused = loss_fuses_with(net.loss(), last.activation());
  const Matrix<double>& z_out = dense_at(net, L - 1).z();
  const Matrix<double>& a_out = net.output(L - 1);
  ex.total = {Namer::total(), e_total};
  {
    double lse = 0;  // log-sum-exp of the cross-entropy's logits
    const Matrix<double>& logits = fused ? z_out : a_out;
    if (net.loss() == Loss::kSoftmaxCrossEntropy) {
      double m = logits[0];
      for (double v : logits) m = std::max(m, v);
      for (double v : logits) lse += std::exp(v - m);
      lse = m + std::log(lse);
    }
    for (std::size_t j = 0; j < O; ++j) {
      const double a = a_out[j], tj = t[j], u = logits[j];
      double v = 0;
      switch (net.loss()) {
        case Loss::kHalfSse: v = 0.5 * (tj - a) * (tj - a); break;
        case Loss::kMse: v = (a - tj) * (a - tj) / static_cast<double>(O); break;
        case Loss::kBinaryCrossEntropy:
          v = (std::max(u, 0.0) - u * tj + std::log1p(std::exp(-std::abs(u)))) / static_cast<double>(O);
          break;
        case Loss::kSoftmaxCrossEntropy: v = tj * (lse - u); break;
      }
      ErrorTerm et{{nm.e(j), v}, {nm.a(L - 1, j), a}, {nm.t(j), tj}, {}, {}};
      et.formula = both([&](bool tex) {
        return error_expr(net.loss(), fused, tex ? et.output.sym.tex : et.output.sym.text,
                          tex ? et.target.sym.tex : et.target.sym.text, O, tex);
      });
      et.substituted = both([&](bool tex) { return error_expr(net.loss(), fused, par(a, p), par(tj, p), O, tex); });
      ex.error_terms.push_back(std::move(et));
    }
  }

  // Backward pass, from the output layer down: dE/da, f'(z) and dE/dz of every neuron.
  Matrix<double> da_out;
  loss_grad_output(net.loss(), last.activation(), z_out, a_out, t, da_out);
  for (std::size_t l = L; l-- > 0;) {
    const Dense<double>& d = dense_at(net, l);
    const Matrix<double>& a = net.output(l);
    const Matrix<double>& z = dense_at(net, l).z();
    LayerBackward lb{l + 1, l == L - 1, {}};
    std::vector<double> da(d.out());
    for (std::size_t j = 0; j < d.out(); ++j) {
      NeuronBackward nb;
      const Symbol aj = nm.a(l, j), zj = nm.z(l, j);
      nb.de_dz = derivative(Namer::total(), zj, dense_at(net, l).dz()(0, j));
      if (l == L - 1) {
        da[j] = da_out[j];
        nb.de_da = derivative(Namer::total(), aj, da[j]);
        const Symbol tj = nm.t(j);
        nb.de_da.formula = both([&](bool tex) {
          return loss_grad_expr(net.loss(), tex ? aj.tex : aj.text, tex ? tj.tex : tj.text, O, tex);
        });
        nb.de_da.substituted = both([&](bool tex) {
          return loss_grad_expr(net.loss(), par(a[j], p), par(t[j], p), O, tex);
        });
      } else {  // dE/da_j = sum_k dE/dz_k * w_kj over the next layer's neurons k
        const Dense<double>& next = dense_at(net, l + 1);
        for (std::size_t k = 0; k < next.out(); ++k) {
          BackTerm bt{derivative(Namer::total(), nm.z(l + 1, k), dense_at(net, l + 1).dz()(0, k)),
                      {nm.w(l + 1, k, j), next.weights().value(k, j)}, 0};
          bt.value = bt.de_dz.value * bt.weight.value;
          da[j] += bt.value;
          nb.terms.push_back(std::move(bt));
        }
        nb.de_da = derivative(Namer::total(), aj, da[j]);
      }
      lb.neurons.push_back(std::move(nb));
    }
    for (std::size_t j = 0; j < d.out(); ++j) {
      NeuronBackward& nb = lb.neurons[j];
      const Symbol aj = nm.a(l, j), zj = nm.z(l, j);
      if (l == L - 1 && fused) {
        nb.kind = DeltaKind::kFused;
        double t_sum = 0;
        for (double v : t) t_sum += v;
        const bool one = std::abs(t_sum - 1) <= 1e-12 || net.loss() == Loss::kBinaryCrossEntropy;
        const std::string scale = net.loss() == Loss::kBinaryCrossEntropy ? std::to_string(O) : "";
        const auto f = [&](const std::string& A, const std::string& T, const std::string& S, bool tex) {
          std::string body = one ? "(" + A + " - " + T + ")" : "(" + A + times(tex) + S + " - " + T + ")";
          if (scale.empty()) return body;
          return tex ? "\\frac{1}{" + scale + "} " + body : body + " / " + scale;
        };
        const Symbol tj = nm.t(j);
        nb.de_dz.formula = both([&](bool tex) {
          return f(tex ? aj.tex : aj.text, tex ? tj.tex : tj.text, tex ? "\\sum t" : "sum(t)", tex);
        });
        nb.de_dz.substituted = both([&](bool tex) { return f(par(a[j], p), par(t[j], p), par(t_sum, p), tex); });
      } else if (d.activation() == Activation::kSoftmax) {
        nb.kind = DeltaKind::kSoftmax;
        for (std::size_t k = 0; k < d.out(); ++k) nb.softmax_dot += da[k] * a[k];
        const Symbol dsym = both([&](bool tex) {
          return tex ? "\\frac{\\partial E_{total}}{\\partial " + aj.tex + "}" : "dE_total/d" + aj.text;
        });
        nb.de_dz.formula = both([&](bool tex) {
          return (tex ? aj.tex : aj.text) + times(tex) + "(" + (tex ? dsym.tex : dsym.text) + " - " +
                 (tex ? "\\sum_k \\frac{\\partial E_{total}}{\\partial a_k} a_k" : "sum_k dE_total/da_k * a_k") + ")";
        });
        nb.de_dz.substituted = both([&](bool tex) {
          return par(a[j], p) + times(tex) + "(" + par(da[j], p) + " - " + par(nb.softmax_dot, p) + ")";
        });
      } else {
        nb.kind = DeltaKind::kChain;
        const double fprime =
            kernels::activation_derivative(z[j], a[j], d.activation(), static_cast<double>(d.alpha()));
        nb.da_dz = derivative(aj, zj, fprime);
        nb.da_dz.formula = both([&](bool tex) {
          return deriv_expr(d.activation(), d.alpha(), tex ? aj.tex : aj.text, tex ? zj.tex : zj.text, tex, p);
        });
        nb.da_dz.substituted = both([&](bool tex) {
          return deriv_expr(d.activation(), d.alpha(), par(a[j], p), par(z[j], p), tex, p);
        });
      }
    }
    ex.backward.push_back(std::move(lb));
  }

  // Gradients of the trainable parameters, output layer first, and their updated values.
  for (std::size_t l = L; l-- > 0;) {
    const Dense<double>& d = dense_at(net, l);
    const LayerBackward& lb = ex.backward[L - 1 - l];
    const Matrix<double>& in = l == 0 ? x : net.output(l - 1);
    const auto chain = [&](std::size_t j, const Symbol& param, double dz_dparam, Symbol dz_formula) {
      const NeuronBackward& nb = lb.neurons[j];
      std::vector<Factor> f;
      if (nb.kind == DeltaKind::kChain) {
        f = {nb.de_da, nb.da_dz};
      } else {
        f = {nb.de_dz};
      }
      Factor last_f = derivative(nm.z(l, j), param, dz_dparam);
      last_f.formula = std::move(dz_formula);
      last_f.substituted = {fmt(dz_dparam, p), fmt(dz_dparam, p)};
      f.push_back(std::move(last_f));
      return f;
    };
    for (std::size_t j = 0; j < d.out(); ++j) {
      for (std::size_t i = 0; i < d.in() && d.weights().trainable; ++i) {
        Gradient g{nm.w(l, j, i), l + 1, j, i, false, {}, d.weights().grad(j, i),
                   d.weights().value(j, i), 0};
        g.factors = chain(j, g.param, in[i], nm.in(l, i));
        g.new_value = g.old_value - opts.lr * g.value;
        ex.gradients.push_back(std::move(g));
      }
    }
    for (std::size_t j = 0; j < d.out() && d.bias().trainable; ++j) {
      Gradient g{nm.b(l, j), l + 1, j, 0, true, {}, d.bias().grad(0, j), d.bias().value(0, j), 0};
      g.factors = chain(j, g.param, 1.0, {"1", "1"});
      g.new_value = g.old_value - opts.lr * g.value;
      ex.gradients.push_back(std::move(g));
    }
  }
  for (std::size_t l = 0; l < L; ++l) {
    const Dense<double>& d = dense_at(net, l);
    if (!d.weights().trainable)
      for (std::size_t j = 0; j < d.out(); ++j)
        for (std::size_t i = 0; i < d.in(); ++i) ex.frozen.push_back(nm.w(l, j, i).text);
    if (!d.bias().trainable) {
      if (nm.shared_bias(l)) {
        ex.frozen.push_back(nm.b(l, 0).text);
      } else {
        for (std::size_t j = 0; j < d.out(); ++j) ex.frozen.push_back(nm.b(l, j).text);
      }
    }
  }
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
