// `backprop explain --format html`: one self-contained page that draws the network with
// TensorFlow Playground's encodings and steps through recorded updates. The numbers are the
// Explanation's (the same the JSON format prints, with the same shortest round-trip spelling);
// the page's script only formats them. The page itself: src/tutorial/explain_page/explain.html.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "backprop/core/error.hpp"
#include "backprop/tutorial/explain_page.hpp"
#include "tutorial/explain_format.hpp"
#include "tutorial/explain_page/assets.hpp"

namespace bp {

namespace {

using json = nlohmann::ordered_json;

const char* kind_name(DeltaKind k) {
  return k == DeltaKind::kChain ? "chain" : k == DeltaKind::kSoftmax ? "softmax" : "fused";
}

json factor_name(const Factor& f) { return {{"of", f.of.text}, {"wrt", f.wrt.text}, {"formula", f.formula.text}}; }

const LayerBackward& backward_of(const Explanation& e, std::size_t layer) {
  return e.backward[e.forward.size() - layer];  // backward is output layer first
}

std::string layer_shape(const Explanation& e) {
  std::string s = std::to_string(e.inputs.size());
  for (const auto& l : e.forward) {
    s += '-';  // (appending, not "-" + ...: GCC 12 reports a false -Wrestrict there)
    s += std::to_string(l.neurons.size());
  }
  return s;
}

// What does not change from step to step: the names, the formulas and the shape.
json static_json(const Explanation& e, std::size_t steps, UpdateOrder order, std::size_t samples) {
  json j = {{"shape", layer_shape(e)}, {"loss", loss_name(e.loss)}, {"lr", e.lr},
            {"names", e.names == NetNames::kSeed ? "seed" : "systematic"}, {"precision", e.precision},
            {"steps", steps}, {"order", order == UpdateOrder::kLayerwise ? "layerwise" : "simultaneous"},
            {"samples", samples}};
  for (const auto& v : e.inputs) j["inputs"].push_back({{"name", v.sym.text}, {"value", v.value}});
  for (const auto& v : e.targets) j["targets"].push_back({{"name", v.sym.text}, {"value", v.value}});
  for (const auto& lf : e.forward) {
    json layer = {{"layer", lf.layer}, {"activation", activation_name(lf.activation)}, {"alpha", lf.alpha},
                  {"act", lf.activation == Activation::kSoftmax
                              ? ""
                              : explain_detail::activation_expr(lf.activation, lf.alpha, "{z}", false, e.precision)},
                  {"neurons", json::array()}};
    const LayerBackward& lb = backward_of(e, lf.layer);
    for (std::size_t n = 0; n < lf.neurons.size(); ++n) {
      const NeuronForward& nf = lf.neurons[n];
      const NeuronBackward& nb = lb.neurons[n];
      json neuron = {{"z", nf.z.sym.text}, {"a", nf.a.sym.text}, {"b", nf.bias.sym.text},
                     {"in", json::array()}, {"w", json::array()}, {"kind", kind_name(nb.kind)},
                     {"da", factor_name(nb.de_da)}, {"fp", nullptr}, {"d", factor_name(nb.de_dz)},
                     {"terms", json::array()}};
      for (const auto& v : nf.inputs) neuron["in"].push_back(v.sym.text);
      for (const auto& v : nf.weights) neuron["w"].push_back(v.sym.text);
      if (nb.kind == DeltaKind::kChain) neuron["fp"] = factor_name(nb.da_dz);
      for (const auto& t : nb.terms) neuron["terms"].push_back({t.de_dz.of.text, t.de_dz.wrt.text, t.weight.sym.text});
      layer["neurons"].push_back(neuron);
    }
    j["layers"].push_back(layer);
  }
  for (const auto& t : e.error_terms) j["error"].push_back({{"name", t.term.sym.text}, {"formula", t.formula.text}});
  j["gradients"] = json::array();
  for (const auto& g : e.gradients) {
    json fs = json::array();
    for (const auto& f : g.factors) fs.push_back({f.of.text, f.wrt.text});
    j["gradients"].push_back({{"name", g.param.text}, {"layer", g.layer}, {"neuron", g.neuron}, {"input", g.input},
                              {"bias", g.is_bias}, {"factors", fs}});
  }
  j["frozen"] = e.frozen;
  return j;
}

// One recorded step: every value, per layer in forward order, and the substituted formulas.
json step_json(const ExplainStep& s) {
  const Explanation& e = s.explanation;
  json j = {{"k", s.step}, {"E", s.loss}, {"o", json::array()}, {"T", e.total.value}};
  for (std::size_t r = 0; r < s.outputs.rows(); ++r) {
    json row = json::array();
    for (double v : s.outputs.row(r)) row.push_back(v);
    j["o"].push_back(row);
  }
  for (const char* key : {"z", "a", "b", "w", "da", "fp", "d", "sub", "tv"}) j[key] = json::array();
  for (const auto& lf : e.forward) {
    const LayerBackward& lb = backward_of(e, lf.layer);
    json z, a, b, w = json::array(), da, fp, d, sub, tv;
    for (std::size_t n = 0; n < lf.neurons.size(); ++n) {
      const NeuronForward& nf = lf.neurons[n];
      const NeuronBackward& nb = lb.neurons[n];
      z.push_back(nf.z.value);
      a.push_back(nf.a.value);
      b.push_back(nf.bias.value);
      for (const auto& v : nf.weights) w.push_back(v.value);
      da.push_back(nb.kind == DeltaKind::kFused ? json(nullptr) : json(nb.de_da.value));
      fp.push_back(nb.kind == DeltaKind::kChain ? json(nb.da_dz.value) : json(nullptr));
      d.push_back(nb.de_dz.value);
      sub.push_back({nb.de_da.substituted.text, nb.da_dz.substituted.text, nb.de_dz.substituted.text});
      json terms = json::array();
      for (const auto& t : nb.terms) terms.push_back(t.value);
      tv.push_back(terms);
    }
    for (auto [key, v] : {std::pair{"z", &z}, {"a", &a}, {"b", &b}, {"w", &w}, {"da", &da}, {"fp", &fp},
                          {"d", &d}, {"sub", &sub}, {"tv", &tv}})
      j[key].push_back(std::move(*v));
  }
  j["et"] = json::array();
  j["es"] = json::array();
  for (const auto& t : e.error_terms) {
    j["et"].push_back(t.term.value);
    j["es"].push_back(t.substituted.text);
  }
  j["g"] = json::array();
  j["n"] = json::array();
  for (const auto& g : e.gradients) {
    j["g"].push_back(g.value);
    j["n"].push_back(g.new_value);
  }
  return j;
}

// "</" may not appear inside a <script> element.
std::string script_safe(std::string s) {
  for (std::size_t k = 0; (k = s.find("</", k)) != std::string::npos; k += 3) s.replace(k, 2, "<\\/");
  return s;
}

}  // namespace

std::string render_explain_html(std::span<const ExplainStep> trace, std::size_t steps, UpdateOrder order) {
  if (trace.empty()) throw UsageError("explain: nothing recorded for the page");
  json data = static_json(trace.front().explanation, steps, order, trace.front().outputs.rows());
  data["trace"] = json::array();
  for (const auto& s : trace) data["trace"].push_back(step_json(s));
  const std::string_view page = assets::explain_page;
  const std::string_view marker = "/*BP_DATA*/";
  const std::size_t at = page.find(marker);
  std::string out(page.substr(0, at));
  out += script_safe(data.dump());
  out += page.substr(at + marker.size());
  return out;
}

std::string render_explain_html(const Network<double>& net, const Matrix<double>& X, const Matrix<double>& T,
                                const ExplainOptions& opts, std::size_t steps, UpdateOrder order) {
  // The size of the page with step 0 alone and of one more step set how many steps fit.
  const std::vector<std::size_t> first{0};
  const std::vector<ExplainStep> t0 = explain_trace(net, X, T, opts, order, first);
  const std::size_t base = render_explain_html(t0, steps, order).size();
  const std::size_t per = step_json(t0.front()).dump().size() + 1;
  const std::size_t need = steps == 0 ? base : base + per;
  if (need > kExplainPageMaxBytes)
    throw UsageError("--format html: the page for this network would take " + std::to_string(need) +
                     " bytes; expected at most " + std::to_string(kExplainPageMaxBytes) +
                     " (use --format json or text for a network this large)");
  std::size_t records = steps == 0 ? 1 : 1 + (kExplainPageMaxBytes - base) / per;
  for (;;) {
    const std::vector<std::size_t> when = explain_page_schedule(steps, records);
    std::string html = render_explain_html(explain_trace(net, X, T, opts, order, when), steps, order);
    if (html.size() <= kExplainPageMaxBytes || records <= 2) return html;
    records = records * 9 / 10;  // later steps can spell their numbers longer than step 0
  }
}

}  // namespace bp
