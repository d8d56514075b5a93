// `backprop explain --format dot`: the explained network as a Graphviz graph. One record per
// neuron, {name (bias) | net | out | δ} stacked top to bottom, micrograd's "data | grad" at neuron level; edges carry w
// and ∂E/∂w and use TensorFlow Playground's encodings (colour = sign, width = |w|).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <tuple>

#include "backprop/tutorial/explain_page.hpp"
#include "tutorial/explain_format.hpp"

namespace bp {

namespace {

using explain_detail::fmt;

// Inside a double-quoted DOT string; records also treat { } | < > as syntax.
std::string esc(const std::string& s, bool record) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\' || (record && (c == '{' || c == '}' || c == '|' || c == '<' || c == '>'))) o += '\\';
    o += c;
  }
  return o;
}

std::string node_id(std::size_t layer, std::size_t j) {  // layer 0: the inputs
  std::string id(layer == 0 ? "x" : "n");  // (appending: GCC 12 reports a false -Wrestrict for "x" + ...)
  if (layer > 0) {
    id += std::to_string(layer);
    id += '_';
  }
  id += std::to_string(j + 1);
  return id;
}

std::string explain_edge_colour(double w) {
  // Playground: d3 scale [-1, 0, 1] -> #f59322, #e8eaeb, #0877bd, clamped.
  const double t = std::clamp(w, -1.0, 1.0);
  const int lo[3] = {0xf5, 0x93, 0x22}, mid[3] = {0xe8, 0xea, 0xeb}, hi[3] = {0x08, 0x77, 0xbd};
  const int* far = t < 0 ? lo : hi;
  const double f = std::abs(t);
  char buf[8];
  int c[3];
  for (int k = 0; k < 3; ++k) c[k] = static_cast<int>(std::lround(mid[k] + (far[k] - mid[k]) * f));
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c[0], c[1], c[2]);
  return buf;
}

double explain_edge_width(double w) { return 1 + 9 * std::min(std::abs(w), 5.0) / 5; }  // [0,5] -> [1,10]

}  // namespace

std::string render_explain_dot(const Explanation& e) {
  const int p = e.precision;
  std::map<std::tuple<std::size_t, std::size_t, std::size_t>, const Gradient*> grads;
  for (const auto& g : e.gradients)
    if (!g.is_bias) grads[{g.layer, g.neuron, g.input}] = &g;
  std::string o = "// backprop explain --format dot: render with  dot -Tsvg -o net.svg\n"
                  "digraph backprop {\n  rankdir=LR;\n  nodesep=0.5;\n  ranksep=1.6;\n"
                  "  node [fontname=\"DejaVu Sans Mono\", fontsize=10];\n"
                  "  edge [fontname=\"DejaVu Sans Mono\", fontsize=9];\n";
  for (std::size_t i = 0; i < e.inputs.size(); ++i)
    o += "  " + node_id(0, i) + " [shape=box, style=rounded, label=\"" + esc(e.inputs[i].sym.text, false) + " = " +
         fmt(e.inputs[i].value, p) + "\"];\n";
  for (const auto& lf : e.forward) {
    const LayerBackward& lb = e.backward[e.forward.size() - lf.layer];
    for (std::size_t j = 0; j < lf.neurons.size(); ++j) {
      const NeuronForward& n = lf.neurons[j];
      const NeuronBackward& nb = lb.neurons[j];
      const bool saturated = nb.kind == DeltaKind::kChain && std::abs(nb.da_dz.value) < 0.01;
      // With rankdir=LR a record's top-level fields stack vertically: name, net, out, δ.
      std::string label = esc(n.z.sym.text + " (" + n.bias.sym.text + " = " + fmt(n.bias.value, p) + ")", true);
      label += "|net " + esc(n.z.sym.text, true) + " = " + fmt(n.z.value, p);
      label += "|out " + esc(n.a.sym.text, true) + " = " + fmt(n.a.value, p);
      label += "|δ " + esc("dE_total/d" + n.z.sym.text, true) + " = " + fmt(nb.de_dz.value, p);
      if (saturated) label += "|saturated: f' = " + fmt(nb.da_dz.value, p) + " \\< 0.01";
      o += "  " + node_id(lf.layer, j) + " [shape=record, label=\"" + label + "\"" +
           (saturated ? ", color=\"#c0392b\", penwidth=2" : "") + "];\n";
    }
  }
  o += "  E_total [shape=box, style=\"rounded,bold\", label=\"E_total = " + fmt(e.total.value, p) + "\"];\n";
  for (const auto& lf : e.forward) {
    for (std::size_t j = 0; j < lf.neurons.size(); ++j) {
      const NeuronForward& n = lf.neurons[j];
      for (std::size_t i = 0; i < n.weights.size(); ++i) {
        const double w = n.weights[i].value;
        const auto it = grads.find({lf.layer, j, i});
        const std::string grad = it == grads.end() ? " (frozen)"
                                                   : "\\n∂E/∂" + esc(n.weights[i].sym.text, false) + " = " +
                                                         fmt(it->second->value, p);
        char width[32];
        std::snprintf(width, sizeof width, "%.2f", explain_edge_width(w));
        o += "  " + node_id(lf.layer - 1, i) + " -> " + node_id(lf.layer, j) + " [label=\"" +
             esc(n.weights[i].sym.text, false) + " = " + fmt(w, p) + grad + "\", color=\"" + explain_edge_colour(w) +
             "\", penwidth=" + width + "];\n";
      }
    }
  }
  const LayerForward& last = e.forward.back();
  for (std::size_t j = 0; j < last.neurons.size() && j < e.targets.size(); ++j)
    o += "  " + node_id(last.layer, j) + " -> E_total [style=dashed, label=\"" + esc(e.targets[j].sym.text, false) +
         " = " + fmt(e.targets[j].value, p) + "\"];\n";
  o += "}\n";
  return o;
}

}  // namespace bp
