// Gradient clipping by total norm and by value; see include/backprop/optim/clip.hpp.
#include "backprop/optim/clip.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "backprop/core/error.hpp"

namespace bp {

template <class T>
double clip_grad_norm(ParamSpan<T> params, double max_norm, double norm_type) {
  if (!(max_norm >= 0) || !std::isfinite(max_norm))
    throw UsageError("clip_grad_norm: max_norm = " + std::to_string(max_norm) +
                     "; expected a finite value >= 0");
  if (!(norm_type >= 1))
    throw UsageError("clip_grad_norm: norm_type = " + std::to_string(norm_type) +
                     "; expected a value >= 1 or infinity");
  const bool inf_norm = std::isinf(norm_type);
  double acc = 0;  // sum |g|^p, or max |g|; in double for float grads too
  for (Param<T>* p : params) {
    if (!p->trainable) continue;
    for (T g : p->grad) {
      const double a = std::abs(static_cast<double>(g));
      if (inf_norm)
        acc = std::isnan(a) ? a : std::max(acc, a);
      else
        acc += norm_type == 2 ? a * a : std::pow(a, norm_type);
    }
  }
  const double norm = inf_norm ? acc : (norm_type == 2 ? std::sqrt(acc) : std::pow(acc, 1 / norm_type));
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1) {  // PyTorch multiplies by min(coef, 1) always; skipping * 1 changes nothing
    const T c = static_cast<T>(coef);
    for (Param<T>* p : params)
      if (p->trainable)
        for (T& g : p->grad) g *= c;
  }
  return norm;
}

template <class T>
void clip_grad_value(ParamSpan<T> params, double clip_value) {
  if (!(clip_value >= 0) || !std::isfinite(clip_value))
    throw UsageError("clip_grad_value: clip_value = " + std::to_string(clip_value) +
                     "; expected a finite value >= 0");
  const T hi = static_cast<T>(clip_value);
  for (Param<T>* p : params)
    if (p->trainable)
      for (T& g : p->grad) g = std::clamp(g, -hi, hi);
}

template double clip_grad_norm<float>(ParamSpan<float>, double, double);
template double clip_grad_norm<double>(ParamSpan<double>, double, double);
template void clip_grad_value<float>(ParamSpan<float>, double);
template void clip_grad_value<double>(ParamSpan<double>, double);

}  // namespace bp
