// Lbfgs<T>: limited-memory BFGS with a fixed step or a strong-Wolfe line search, a line-by-line
// port of torch.optim.LBFGS (PyTorch 1.13), itself after minFunc and torch7's optim.lbfgs.
#pragma once

#include "backprop/optim/options.hpp"

namespace bp {

/// One step() runs up to max_iter L-BFGS iterations on the concatenation of all trainable values
/// (frozen entries have gradient 0 and never move). Each iteration:
///   d = -H g, with H from the two-loop recursion over the last history_size pairs
///       (s = t d, y = g - g_prev), kept only when y.s > 1e-10; initial H = (y.s / y.y) I
///       (the very first direction is d = -g)
///   t = min(1, 1 / sum|g|) lr on the very first iteration, lr afterwards
///   line_search_fn "":  w <- w + t d, then the closure is called again (except after the last
///                       iteration of the step);
///   "strong_wolfe":     t from a bracketing + cubic-interpolation zoom search (c1 = 1e-4,
///                       c2 = 0.9, at most 25 evaluations), then w <- w + t d.
/// It stops early when max|g| <= tolerance_grad, g.d > -tolerance_change, max|t d| <=
/// tolerance_change, |loss change| < tolerance_change, or max_eval closure calls were made.
/// State (history, last direction and step, iteration count) carries over between step() calls.
/// All history is preallocated on the first step: 2 (history_size + 1) numel values.
/// Nocedal & Wright, Numerical Optimization (2006), algorithms 7.4 and 3.5/3.6.
/// https://pytorch.org/docs/1.13/generated/torch.optim.LBFGS.html
template <class T>
class Lbfgs final : public Optimizer<T> {
 public:
  explicit Lbfgs(OptimizerOptions opts);
  std::string_view name() const noexcept override { return "lbfgs"; }
  bool needs_closure() const noexcept override { return true; }

 protected:
  void allocate_state() override;
  std::optional<T> update(ParamSpan<T> params, const Closure<T>* closure,
                          std::optional<T> loss) override;

 private:
  // Copies every trainable grad into the flat buffer `dst` (0 for frozen entries).
  void gather_grad(ParamSpan<T> params, std::size_t dst);
  // w <- w + t * d for every trainable value.
  void add_step(ParamSpan<T> params, double t);
  // Loss and flat gradient (into buffer g_out) at x + t d, leaving the values at x.
  double evaluate_at(ParamSpan<T> params, const Closure<T>& closure, double t, std::size_t g_out);
  // PyTorch's _strong_wolfe. In: flat_grad_ = g at the current point, f, gtd = g.d, t.
  // Out: flat_grad_ = g at the accepted point; returns its loss; t updated; evals counted.
  double strong_wolfe(ParamSpan<T> params, const Closure<T>& closure, double f, double gtd,
                      double& t, std::size_t& evals);
  // The line search's interval: step lengths, losses and directional derivatives at its ends
  // (their gradients are in the buffers bracket_g_).
  struct Bracket {
    double t[2] = {0, 0}, f[2] = {0, 0}, gtd[2] = {0, 0};
    std::size_t len = 0;
  };
  // The zoom phase of strong_wolfe: shrinks b until a point satisfies the strong Wolfe rules (or
  // the evaluations run out); returns the index of the bracket's low end.
  std::size_t zoom(ParamSpan<T> params, const Closure<T>& closure, double f, double gtd, Bracket& b,
                   std::size_t ls_iter, std::size_t& evals);
  // d = -H g by the two-loop recursion over the history, after adding the pair of the last step
  // (of length t) when it meets the curvature condition; d = -g on the first iteration.
  void descent_direction(double t);

  std::size_t max_iter_, max_eval_, history_size_;
  double tolerance_grad_, tolerance_change_;
  bool strong_wolfe_;
  // Buffers: current and previous flat gradient, direction, history rings of history_size + 1
  // slots (one always free for the candidate pair), rho and alpha per slot, line-search scratch.
  std::size_t flat_grad_ = 0, prev_flat_grad_ = 0, d_ = 0, old_dirs_ = 0, old_stps_ = 0, ro_ = 0,
              al_ = 0, x_init_ = 0, g_new_ = 0, g_prev_ = 0, bracket_g_[2] = {0, 0};
};

extern template class Lbfgs<float>;
extern template class Lbfgs<double>;

}  // namespace bp
