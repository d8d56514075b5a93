// Number formatting shared by the explanation's computation (src/tutorial/explain.cpp) and its
// renderers (src/tutorial/explain_render.cpp). Internal.
#pragma once

#include <cstdio>
#include <string>

#include "backprop/nn/activation.hpp"

namespace bp::explain_detail {

/// v with p significant digits (%g).
inline std::string fmt(double v, int p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", p, v);
  return buf;
}
/// A number inside a product or difference: negative values in parentheses.
inline std::string par(double v, int p) { return v < 0 ? "(" + fmt(v, p) + ")" : fmt(v, p); }

/// a = f(z) written out for an element-wise activation (not softmax), z a name or a number:
/// "1 / (1 + exp(-z))" (text) or "\\frac{1}{1 + e^{-z}}" (Markdown). Defined in explain_render.cpp.
std::string activation_expr(Activation act, double alpha, const std::string& z, bool md, int p);

}  // namespace bp::explain_detail
