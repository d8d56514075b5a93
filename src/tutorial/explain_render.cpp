// Explain: renders an Explanation as text (for a terminal), Markdown with LaTeX (the seed's
// notation), or JSON (every named quantity with its value).
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backprop/tutorial/explain.hpp"
#include "tutorial/explain_format.hpp"

namespace bp {

namespace {

using explain_detail::fmt;
using explain_detail::par;
using explain_detail::activation_expr;

const char* order_name(UpdateOrder o) {
  return o == UpdateOrder::kLayerwise ? "layerwise" : "simultaneous";
}

// Text and Markdown share one walk over the explanation; Style holds what differs.
struct Style {
  bool md;
  int p;
  std::string out;

  const std::string& sym(const Symbol& s) const { return md ? s.tex : s.text; }
  std::string x() const { return md ? " \\times " : " * "; }
  std::string d(const Symbol& of, const Symbol& wrt) const {
    return md ? "\\frac{\\partial " + of.tex + "}{\\partial " + wrt.tex + "}" : "d" + of.text + "/d" + wrt.text;
  }
  std::string d(const Factor& f) const { return d(f.of, f.wrt); }
  std::string num(double v) const { return fmt(v, p); }
  std::string bold(double v) const { return md ? "\\mathbf{" + fmt(v, p) + "}" : fmt(v, p); }

  void heading(const std::string& h) { out += md ? gap() + "## " + h + "\n\n" : "\n== " + h + " ==\n"; }
  void sub(const std::string& h) { out += md ? gap() + "### " + h + "\n\n" : h + "\n"; }
  // Markdown: exactly one blank line before a heading.
  std::string gap() const { return out.size() >= 2 && out.ends_with("\n\n") ? "" : "\n"; }
  void line(const std::string& s) { out += md ? s + "\n\n" : "  " + s + "\n"; }
  // lhs = rhs[0] = rhs[1] = ...: one aligned block; empty entries are skipped.
  void eq(const std::string& lhs, const std::vector<std::string>& rhs) {
    std::vector<std::string> r;
    for (const auto& s : rhs)
      if (!s.empty() && (r.empty() || r.back() != s)) r.push_back(s);
    if (md) {
      out += "$$\\begin{aligned} " + lhs;
      for (std::size_t k = 0; k < r.size(); ++k) out += (k ? " \\\\ &= " : " &= ") + r[k];
      out += " \\end{aligned}$$\n\n";
      return;
    }
    out += "  " + lhs;
    const std::string pad(lhs.size() + 1, ' ');
    for (std::size_t k = 0; k < r.size(); ++k) out += (k ? "\n  " + pad + "= " : " = ") + r[k];
    out += "\n";
  }
  // The product of factors: names, then numbers.
  void product(const std::string& lhs, const std::vector<Factor>& fs, double value) {
    std::string names, nums;
    for (const auto& f : fs) {
      names += (names.empty() ? "" : x()) + d(f);
      nums += (nums.empty() ? "" : x()) + par(f.value, p);
    }
    eq(lhs, {names, nums, bold(value)});
  }
  void factor(const Factor& f) { eq(d(f), {sym(f.formula), sym(f.substituted), bold(f.value)}); }
};

std::string layer_shape(const Explanation& e) {
  std::string s = std::to_string(e.inputs.size());
  for (const auto& l : e.forward) {
    s += '-';  // (appending, not "-" + ...: GCC 12 reports a false -Wrestrict there)
    s += std::to_string(l.neurons.size());
  }
  return s;
}

}  // namespace

std::string explain_detail::activation_expr(Activation act, double alpha, const std::string& z, bool md, int p) {
  const std::string name(activation_name(act));
  switch (act) {
    case Activation::kIdentity: return z;
    case Activation::kSigmoid: return md ? "\\frac{1}{1 + e^{-" + z + "}}" : "1 / (1 + exp(-" + z + "))";
    case Activation::kTanh: return md ? "\\tanh(" + z + ")" : "tanh(" + z + ")";
    case Activation::kRelu: return md ? "\\max(" + z + ", 0)" : "max(" + z + ", 0)";
    case Activation::kSoftplus: return md ? "\\ln(1 + e^{" + z + "})" : "log(1 + exp(" + z + "))";
    default: return (md ? "\\mathrm{" + name + "}(" : name + "(") + z + ", alpha = " + fmt(alpha, p) + ")";
  }
}

namespace {

void render_forward(Style& st, const Explanation& e) {
  st.heading("Forward pass");
  for (const auto& lf : e.forward) {
    const bool out = lf.layer == e.forward.size();
    st.sub(std::string(out ? "Output layer " : "Hidden layer ") + std::to_string(lf.layer) + " (" +
           std::string(activation_name(lf.activation)) + ")");
    std::vector<std::string> zs_names, zs_vals;
    for (const auto& n : lf.neurons) {
      zs_names.push_back(st.sym(n.z.sym));
      zs_vals.push_back(par(n.z.value, st.p));
    }
    for (std::size_t j = 0; j < lf.neurons.size(); ++j) {
      const NeuronForward& n = lf.neurons[j];
      std::string names, nums;
      for (std::size_t i = 0; i < n.inputs.size(); ++i) {
        names += st.sym(n.inputs[i].sym) + st.x() + st.sym(n.weights[i].sym) + " + ";
        nums += par(n.inputs[i].value, st.p) + st.x() + par(n.weights[i].value, st.p) + " + ";
      }
      st.eq(st.sym(n.z.sym), {names + st.sym(n.bias.sym), nums + par(n.bias.value, st.p), st.bold(n.z.value)});
      // a = f(z), spelled out with the names and then with the numbers.
      std::string f_names, f_nums;
      if (lf.activation == Activation::kSoftmax) {
        std::string den_n, den_v;
        for (std::size_t k = 0; k < zs_names.size(); ++k) {
          den_n += (k ? " + " : "") + (st.md ? "e^{" + zs_names[k] + "}" : "exp(" + zs_names[k] + ")");
          den_v += (k ? " + " : "") + (st.md ? "e^{" + zs_vals[k] + "}" : "exp(" + zs_vals[k] + ")");
        }
        f_names = st.md ? "\\frac{e^{" + zs_names[j] + "}}{" + den_n + "}" : "exp(" + zs_names[j] + ") / (" + den_n + ")";
        f_nums = st.md ? "\\frac{e^{" + zs_vals[j] + "}}{" + den_v + "}" : "exp(" + zs_vals[j] + ") / (" + den_v + ")";
      } else {
        const auto apply = [&](const std::string& z) { return activation_expr(lf.activation, lf.alpha, z, st.md, st.p); };
        f_names = apply(st.sym(n.z.sym));
        f_nums = apply(par(n.z.value, st.p));
      }
      st.eq(st.sym(n.a.sym), {f_names, f_nums, st.bold(n.a.value)});
    }
  }
}

void render_error(Style& st, const Explanation& e) {
  st.heading("Total error (" + std::string(loss_name(e.loss)) + ")");
  std::string names, nums;
  for (const auto& t : e.error_terms) {
    st.eq(st.sym(t.term.sym), {st.sym(t.formula), st.sym(t.substituted), st.bold(t.term.value)});
    names += (names.empty() ? "" : " + ") + st.sym(t.term.sym);
    nums += (nums.empty() ? "" : " + ") + par(t.term.value, st.p);
  }
  st.eq(st.sym(e.total.sym), {names, nums, st.bold(e.total.value)});
}

void render_backward(Style& st, const Explanation& e) {
  const Symbol total{"E_total", "E_{total}"};
  for (const auto& lb : e.backward) {
    st.heading(lb.output ? "Backward pass at the output layer (layer " + std::to_string(lb.layer) + ")"
                         : "Backward pass at hidden layer " + std::to_string(lb.layer));
    const LayerForward& lf = e.forward[lb.layer - 1];
    for (std::size_t j = 0; j < lb.neurons.size(); ++j) {
      const NeuronBackward& nb = lb.neurons[j];
      if (nb.kind != DeltaKind::kFused) {
        if (lb.output) {
          st.factor(nb.de_da);
        } else {  // the seed's eqs. 15-29: one term per neuron of the next layer
          std::string names, nums, terms;
          for (const auto& t : nb.terms) {
            names += (names.empty() ? "" : " + ") + st.d(t.de_dz) + st.x() + st.sym(t.weight.sym);
            nums += (nums.empty() ? "" : " + ") + par(t.de_dz.value, st.p) + st.x() + par(t.weight.value, st.p);
            terms += (terms.empty() ? "" : " + ") + par(t.value, st.p);
          }
          st.eq(st.d(nb.de_da), {names, nums, nb.terms.size() > 1 ? terms : "", st.bold(nb.de_da.value)});
        }
      }
      if (nb.kind == DeltaKind::kChain) {
        st.factor(nb.da_dz);
        st.product(st.d(nb.de_dz), {nb.de_da, nb.da_dz}, nb.de_dz.value);
      } else if (nb.kind == DeltaKind::kSoftmax) {
        st.line(std::string(st.md ? "Softmax has no element-wise derivative; the Jacobian product gives $" +
                                        st.d(nb.de_dz) + "$ directly"
                                  : "softmax: no element-wise f'; the Jacobian product gives " + st.d(nb.de_dz)));
        st.factor(nb.de_dz);
      } else {
        st.line(std::string(st.md ? "Fused " : "fused ") + std::string(loss_name(e.loss)) + " and " +
                std::string(activation_name(lf.activation)) + ": the derivative through both at once");
        st.factor(nb.de_dz);
      }
    }
    for (const auto& g : e.gradients) {
      if (g.layer != lb.layer) continue;
      st.product(st.d(total, g.param), g.factors, g.value);
    }
  }
}

void render_updates(Style& st, const Explanation& e) {
  st.heading("Updated weights (learning rate " + fmt(e.lr, st.p) + ")");
  const std::string eta = st.md ? "\\eta" : "eta";
  const Symbol total{"E_total", "E_{total}"};
  for (const auto& g : e.gradients) {
    const std::string lhs = st.md ? st.sym(g.param) + "_{new}" : g.param.text + "_new";
    st.eq(lhs, {st.sym(g.param) + " - " + eta + st.x() + st.d(total, g.param),
                par(g.old_value, st.p) + " - " + fmt(e.lr, st.p) + st.x() + par(g.value, st.p), st.bold(g.new_value)});
  }
  if (!e.frozen.empty()) {
    std::string list;
    for (const auto& f : e.frozen) list += (list.empty() ? "" : ", ") + f;
    st.line("Not trained (frozen): " + list);
  }
}

void render_training(Style& st, const Explanation& e, const TrainingSummary& s) {
  st.heading("Training: " + std::to_string(s.steps) + " online update(s), update order " + order_name(s.order));
  const std::string what = s.samples == 1 ? (st.md ? "$E_{total}$" : "E_total")
                                          : "mean E over " + std::to_string(s.samples) + " samples";
  st.line(what + " before: " + fmt(s.e_before, st.p));
  st.line(what + " after 1 update: " + fmt(s.e_after_first, st.p));
  st.line(what + " after " + std::to_string(s.steps) + " updates: " + fmt(s.e_after_last, st.p));
  for (std::size_t n = 0; n < s.outputs.rows(); ++n) {
    std::string outs;
    for (std::size_t o = 0; o < s.outputs.cols(); ++o) {
      const LayerForward& last = e.forward.back();
      const std::string& name = last.neurons[o].a.sym.text;
      outs += (outs.empty() ? "" : ", ") + (st.md ? "`" + name + "`" : name) + " = " + fmt(s.outputs(n, o), st.p);
    }
    st.line((s.samples == 1 ? std::string("outputs: ") : "sample " + std::to_string(n + 1) + ": ") + outs);
  }
}

std::string render_prose(const Explanation& e, const TrainingSummary* training, bool md) {
  Style st{md, e.precision, {}};
  const std::string title = "backprop explain: " + layer_shape(e) + " network, loss " +
                            std::string(loss_name(e.loss)) + ", learning rate " + fmt(e.lr, st.p) +
                            (e.names == NetNames::kSeed ? ", the seed's names" : "");
  st.out += md ? "# " + title + "\n\n" : title + "\n";
  std::string ins, ts;
  for (const auto& v : e.inputs) ins += (ins.empty() ? "" : (md ? ", \\quad " : ", ")) + st.sym(v.sym) + " = " + fmt(v.value, st.p);
  for (const auto& v : e.targets) ts += (ts.empty() ? "" : (md ? ", \\quad " : ", ")) + st.sym(v.sym) + " = " + fmt(v.value, st.p);
  if (md) {
    st.out += "Inputs: $" + ins + "$\n\nTargets: $" + ts + "$\n";
  } else {
    st.out += "inputs:  " + ins + "\ntargets: " + ts + "\n";
  }
  render_forward(st, e);
  render_error(st, e);
  render_backward(st, e);
  render_updates(st, e);
  if (training) render_training(st, e, *training);
  return st.out;
}

nlohmann::ordered_json named(const Named& n) { return {{"name", n.sym.text}, {"value", n.value}}; }
nlohmann::ordered_json factor_json(const Factor& f) {
  nlohmann::ordered_json j = {{"name", "d" + f.of.text + "/d" + f.wrt.text}, {"of", f.of.text}, {"wrt", f.wrt.text},
                      {"value", f.value}};
  if (!f.formula.text.empty()) j["formula"] = f.formula.text;
  return j;
}

std::string render_json(const Explanation& e, const TrainingSummary* training) {
  using json = nlohmann::ordered_json;  // keys in the order written, network first
  json j;
  j["network"] = {{"shape", layer_shape(e)}, {"loss", loss_name(e.loss)}, {"learning_rate", e.lr},
                  {"names", e.names == NetNames::kSeed ? "seed" : "systematic"}};
  for (const auto& v : e.inputs) j["inputs"].push_back(named(v));
  for (const auto& v : e.targets) j["targets"].push_back(named(v));
  for (const auto& lf : e.forward) {
    json layer = {{"layer", lf.layer}, {"activation", activation_name(lf.activation)}, {"neurons", json::array()}};
    for (const auto& n : lf.neurons) {
      json terms = json::array();
      for (std::size_t i = 0; i < n.inputs.size(); ++i)
        terms.push_back({{"input", named(n.inputs[i])}, {"weight", named(n.weights[i])}});
      layer["neurons"].push_back({{"net", named(n.z)}, {"terms", terms}, {"bias", named(n.bias)}, {"activation", named(n.a)}});
    }
    j["forward"].push_back(layer);
  }
  j["error"] = named(e.total);
  j["error"]["loss"] = loss_name(e.loss);
  for (const auto& t : e.error_terms)
    j["error"]["terms"].push_back({{"name", t.term.sym.text}, {"value", t.term.value}, {"formula", t.formula.text},
                                   {"output", named(t.output)}, {"target", named(t.target)}});
  for (const auto& lb : e.backward) {
    json layer = {{"layer", lb.layer}, {"output", lb.output}, {"neurons", json::array()}};
    for (const auto& nb : lb.neurons) {
      const char* kind = nb.kind == DeltaKind::kChain ? "chain" : nb.kind == DeltaKind::kSoftmax ? "softmax" : "fused";
      json n = {{"kind", kind}, {"dE_dz", factor_json(nb.de_dz)}};
      if (nb.kind != DeltaKind::kFused) n["dE_da"] = factor_json(nb.de_da);
      if (nb.kind == DeltaKind::kChain) n["da_dz"] = factor_json(nb.da_dz);
      for (const auto& t : nb.terms)
        n["terms"].push_back({{"dE_dz", factor_json(t.de_dz)}, {"weight", named(t.weight)}, {"value", t.value}});
      layer["neurons"].push_back(n);
    }
    j["backward"].push_back(layer);
  }
  j["gradients"] = json::array();
  j["updated"] = json::array();
  for (const auto& g : e.gradients) {
    json fs = json::array();
    for (const auto& f : g.factors) fs.push_back(factor_json(f));
    j["gradients"].push_back({{"name", g.param.text}, {"kind", g.is_bias ? "bias" : "weight"}, {"layer", g.layer},
                              {"factors", fs}, {"value", g.value}});
    j["updated"].push_back({{"name", g.param.text}, {"old", g.old_value}, {"gradient", g.value},
                            {"learning_rate", e.lr}, {"new", g.new_value}});
  }
  j["frozen"] = e.frozen;
  if (training) {
    json outs = json::array();
    for (std::size_t n = 0; n < training->outputs.rows(); ++n) {
      json row = json::array();
      for (double v : training->outputs.row(n)) row.push_back(v);
      outs.push_back(row);
    }
    j["training"] = {{"steps", training->steps}, {"update_order", order_name(training->order)},
                     {"samples", training->samples}, {"E_before", training->e_before},
                     {"E_after_first", training->e_after_first}, {"E_after_last", training->e_after_last},
                     {"outputs", outs}};
  }
  return j.dump(2) + "\n";
}

}  // namespace

std::string render_explanation(const Explanation& e, const TrainingSummary* training, ExplainFormat format) {
  switch (format) {
    case ExplainFormat::kText: return render_prose(e, training, false);
    case ExplainFormat::kMarkdown: return render_prose(e, training, true);
    case ExplainFormat::kJson: return render_json(e, training);
  }
  return {};
}

}  // namespace bp
