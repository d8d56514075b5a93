// Gradient clipping over a parameter list, applied between backward and the optimizer step
// (torch.nn.utils.clip_grad_norm_ and clip_grad_value_, PyTorch 1.13).
#pragma once

#include "backprop/optim/optimizer.hpp"

namespace bp {

/// Total norm of all trainable grads, as if concatenated: (sum |g|^p)^(1/p) for norm_type p >= 1,
/// or max |g| for norm_type = infinity. When it exceeds max_norm, scales every trainable grad by
/// max_norm / (norm + 1e-6) (the 1e-6 is PyTorch's); otherwise leaves them unchanged. Returns the
/// norm before clipping (may be inf or nan; PyTorch's default error_if_nonfinite = false).
/// Throws UsageError when max_norm < 0 or not finite, or norm_type < 1 or nan.
template <class T>
double clip_grad_norm(ParamSpan<T> params, double max_norm, double norm_type = 2.0);

/// Clamps every trainable grad element to [-clip_value, clip_value].
/// Throws UsageError when clip_value < 0 or not finite.
template <class T>
void clip_grad_value(ParamSpan<T> params, double clip_value);

}  // namespace bp
