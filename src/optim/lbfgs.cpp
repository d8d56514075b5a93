// L-BFGS, ported from torch/optim/lbfgs.py (PyTorch 1.13); see include/backprop/optim/lbfgs.hpp.
#include "backprop/optim/lbfgs.hpp"

#include <algorithm>
#include <cmath>

namespace bp {

namespace {

// Indices into counters().
enum Counter : std::size_t { kFuncEvals, kNIter, kT, kHDiag, kPrevLoss, kNumOld, kHead, kCount };

template <class T>
double dot(const T* a, const T* b, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return s;
}

template <class T>
double max_abs(const T* a, std::size_t n) {
  double m = 0;
  for (std::size_t i = 0; i < n; ++i) m = std::max(m, static_cast<double>(std::abs(a[i])));
  return m;
}

// Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to the bounds
// (default: the interval between x1 and x2); the bounds' midpoint when the cubic has no minimum.
// torch/optim/lbfgs.py _cubic_interpolate, after torch7 optim/polyinterp.lua.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         double lo, double hi) {
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square >= 0) {
    const double d2 = std::sqrt(d2_square);
    const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return std::min(std::max(min_pos, lo), hi);
  }
  return (lo + hi) / 2.;
}

double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2) {
  return cubic_interpolate(x1, f1, g1, x2, f2, g2, std::min(x1, x2), std::max(x1, x2));
}

}  // namespace

template <class T>
Lbfgs<T>::Lbfgs(OptimizerOptions opts)
    : Optimizer<T>(adopt_options(opts, "lbfgs")),
      max_iter_(opts.max_iter),
      max_eval_(opts.max_eval.value_or(opts.max_iter * 5 / 4)),
      history_size_(opts.history_size),
      tolerance_grad_(opts.tolerance_grad),
      tolerance_change_(opts.tolerance_change),
      strong_wolfe_(opts.line_search_fn == "strong_wolfe") {}

template <class T>
void Lbfgs<T>::allocate_state() {
  const std::size_t n = this->numel(), slots = history_size_ + 1;
  flat_grad_ = this->add_buffer(n);
  prev_flat_grad_ = this->add_buffer(n);
  d_ = this->add_buffer(n);
  old_dirs_ = this->add_buffer(slots * n);
  old_stps_ = this->add_buffer(slots * n);
  ro_ = this->add_buffer(slots);
  al_ = this->add_buffer(slots);
  if (strong_wolfe_) {
    x_init_ = this->add_buffer(n);
    g_new_ = this->add_buffer(n);
    g_prev_ = this->add_buffer(n);
    bracket_g_[0] = this->add_buffer(n);
    bracket_g_[1] = this->add_buffer(n);
  }
  this->counters().assign(kCount, 0.0);
  this->counters()[kHDiag] = 1;
}

template <class T>
void Lbfgs<T>::gather_grad(ParamSpan<T> params, std::size_t dst) {
  T* g = this->buffer(dst).data();
  for (std::size_t k = 0; k < params.size(); ++k) {
    const Param<T>& p = *params[k];
    T* g_k = g + this->offset(k);
    for (std::size_t i = 0; i < p.grad.size(); ++i) g_k[i] = p.trainable ? p.grad[i] : T(0);
  }
}

template <class T>
void Lbfgs<T>::add_step(ParamSpan<T> params, double t) {
  const T step = static_cast<T>(t);
  const T* d = this->buffer(d_).data();
  for (std::size_t k = 0; k < params.size(); ++k) {
    Param<T>& p = *params[k];
    if (!p.trainable) continue;
    const T* d_k = d + this->offset(k);
    for (std::size_t i = 0; i < p.value.size(); ++i) p.value[i] += step * d_k[i];
  }
}

template <class T>
double Lbfgs<T>::evaluate_at(ParamSpan<T> params, const Closure<T>& closure, double t,
                             std::size_t g_out) {
  add_step(params, t);
  const double f = static_cast<double>(closure());
  gather_grad(params, g_out);
  const T* x = this->buffer(x_init_).data();
  for (std::size_t k = 0; k < params.size(); ++k) {
    Param<T>& p = *params[k];
    if (!p.trainable) continue;
    std::copy_n(x + this->offset(k), p.value.size(), p.value.data());
  }
  return f;
}

template <class T>
double Lbfgs<T>::strong_wolfe(ParamSpan<T> params, const Closure<T>& closure, double f, double gtd,
                              double& t, std::size_t& evals) {
  constexpr double c1 = 1e-4, c2 = 0.9;
  constexpr std::size_t max_ls = 25;
  const std::size_t n = this->numel();
  const T* d = this->buffer(d_).data();
  T* g = this->buffer(flat_grad_).data();  // stays the gradient at t = 0 until the end
  T* g_new = this->buffer(g_new_).data();
  T* g_prev = this->buffer(g_prev_).data();
  T* bg[2] = {this->buffer(bracket_g_[0]).data(), this->buffer(bracket_g_[1]).data()};

  double f_new = evaluate_at(params, closure, t, g_new_);
  evals = 1;
  double gtd_new = dot(g_new, d, n);
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  std::copy_n(g, n, g_prev);
  Bracket b;
  const auto between = [&] {  // the bracket is [t_prev, t]
    b = {{t_prev, t}, {f_prev, f_new}, {gtd_prev, gtd_new}, 2};
    std::copy_n(g_prev, n, bg[0]);
    std::copy_n(g_new, n, bg[1]);
  };
  // Bracketing phase: find an interval containing a point that satisfies the strong Wolfe rules.
  std::size_t ls_iter = 0;
  while (ls_iter < max_ls) {
    if (f_new > (f + c1 * t * gtd) || (ls_iter > 1 && f_new >= f_prev)) {
      between();
      break;
    }
    if (std::abs(gtd_new) <= -c2 * gtd) {  // t itself is the point: no zoom
      b = {{t, 0}, {f_new, 0}, {0, 0}, 1};
      std::copy_n(g_new, n, bg[0]);
      t = b.t[0];
      std::copy_n(bg[0], n, g);
      return b.f[0];
    }
    if (gtd_new >= 0) {
      between();
      break;
    }
    const double min_step = t + 0.01 * (t - t_prev), max_step = t * 10;
    const double tmp = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, min_step, max_step);
    t_prev = tmp;
    f_prev = f_new;
    std::copy_n(g_new, n, g_prev);
    gtd_prev = gtd_new;
    f_new = evaluate_at(params, closure, t, g_new_);
    ++evals;
    gtd_new = dot(g_new, d, n);
    ++ls_iter;
  }
  if (ls_iter == max_ls) {  // PyTorch leaves bracket_gtd unset here; the zoom below is skipped
    b.t[0] = 0, b.t[1] = t;
    b.f[0] = f, b.f[1] = f_new;
    std::copy_n(g, n, bg[0]);
    std::copy_n(g_new, n, bg[1]);
    b.len = 2;
  }
  const std::size_t low = zoom(params, closure, f, gtd, b, ls_iter, evals);
  t = b.t[low];
  std::copy_n(bg[low], n, g);
  return b.f[low];
}

template <class T>
std::size_t Lbfgs<T>::zoom(ParamSpan<T> params, const Closure<T>& closure, double f, double gtd,
                           Bracket& b, std::size_t ls_iter, std::size_t& evals) {
  constexpr double c1 = 1e-4, c2 = 0.9;
  constexpr std::size_t max_ls = 25;
  const std::size_t n = this->numel();
  const T* d = this->buffer(d_).data();
  const T* g_new = this->buffer(g_new_).data();
  T* bg[2] = {this->buffer(bracket_g_[0]).data(), this->buffer(bracket_g_[1]).data()};
  const double d_norm = max_abs(d, n);
  bool insuf_progress = false;
  std::size_t low = b.f[0] <= b.f[b.len - 1] ? 0 : 1;
  std::size_t high = 1 - low;
  const auto set_end = [&](std::size_t end, double t, double f_new, double gtd_new) {
    b.t[end] = t;
    b.f[end] = f_new;
    std::copy_n(g_new, n, bg[end]);
    b.gtd[end] = gtd_new;
  };
  while (ls_iter < max_ls) {
    if (std::abs(b.t[1] - b.t[0]) * d_norm < tolerance_change_) break;
    double t = cubic_interpolate(b.t[0], b.f[0], b.gtd[0], b.t[1], b.f[1], b.gtd[1]);
    const double b_max = std::max(b.t[0], b.t[1]), b_min = std::min(b.t[0], b.t[1]);
    const double eps = 0.1 * (b_max - b_min);
    if (std::min(b_max - t, t - b_min) < eps) {
      if (insuf_progress || t >= b_max || t <= b_min) {
        t = std::abs(t - b_max) < std::abs(t - b_min) ? b_max - eps : b_min + eps;
        insuf_progress = false;
      } else {
        insuf_progress = true;
      }
    } else {
      insuf_progress = false;
    }
    const double f_new = evaluate_at(params, closure, t, g_new_);
    ++evals;
    const double gtd_new = dot(g_new, d, n);
    ++ls_iter;
    if (f_new > (f + c1 * t * gtd) || f_new >= b.f[low]) {
      set_end(high, t, f_new, gtd_new);
      low = b.f[0] <= b.f[1] ? 0 : 1;
      high = 1 - low;
      continue;
    }
    const bool done = std::abs(gtd_new) <= -c2 * gtd;
    if (!done && gtd_new * (b.t[high] - b.t[low]) >= 0) {
      b.t[high] = b.t[low];
      b.f[high] = b.f[low];
      std::copy_n(bg[low], n, bg[high]);
      b.gtd[high] = b.gtd[low];
    }
    set_end(low, t, f_new, gtd_new);
    if (done) break;
  }
  return low;
}

template <class T>
void Lbfgs<T>::descent_direction(double t) {
  const std::size_t n = this->numel(), slots = history_size_ + 1;
  std::vector<double>& c = this->counters();
  const T* g = this->buffer(flat_grad_).data();
  const T* prev_g = this->buffer(prev_flat_grad_).data();
  T* d = this->buffer(d_).data();
  T* dirs = this->buffer(old_dirs_).data();  // y pairs, slot j at dirs + j * n
  T* stps = this->buffer(old_stps_).data();  // s pairs
  T* ro = this->buffer(ro_).data();
  T* al = this->buffer(al_).data();
  if (c[kNIter] == 1) {
    for (std::size_t i = 0; i < n; ++i) d[i] = -g[i];
    c[kNumOld] = 0;
    c[kHead] = 0;
    c[kHDiag] = 1;
    return;
  }
  auto num_old = static_cast<std::size_t>(c[kNumOld]);
  auto head = static_cast<std::size_t>(c[kHead]);
  const std::size_t free_slot = (head + num_old) % slots;
  T* y = dirs + free_slot * n;
  T* s = stps + free_slot * n;
  const T t_step = static_cast<T>(t);
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = g[i] - prev_g[i];
    s[i] = d[i] * t_step;
  }
  const double ys = dot(y, s, n);
  if (ys > 1e-10) {  // keep the pair (curvature condition)
    ro[free_slot] = static_cast<T>(1. / ys);
    if (num_old == history_size_) {
      head = (head + 1) % slots;
    } else {
      ++num_old;
    }
    c[kHDiag] = ys / dot(y, y, n);
    c[kNumOld] = static_cast<double>(num_old);
    c[kHead] = static_cast<double>(head);
  }
  // Two-loop recursion: d = -H g, newest pair first, then oldest first.
  for (std::size_t i = 0; i < n; ++i) d[i] = -g[i];
  for (std::size_t j = num_old; j-- > 0;) {
    const std::size_t slot = (head + j) % slots;
    const T* s_j = stps + slot * n;
    const T* y_j = dirs + slot * n;
    al[slot] = static_cast<T>(dot(s_j, d, n) * static_cast<double>(ro[slot]));
    for (std::size_t i = 0; i < n; ++i) d[i] += -al[slot] * y_j[i];
  }
  const T h_diag = static_cast<T>(c[kHDiag]);
  for (std::size_t i = 0; i < n; ++i) d[i] *= h_diag;
  for (std::size_t j = 0; j < num_old; ++j) {
    const std::size_t slot = (head + j) % slots;
    const T* s_j = stps + slot * n;
    const T* y_j = dirs + slot * n;
    const T be = static_cast<T>(dot(y_j, d, n) * static_cast<double>(ro[slot]));
    const T a = al[slot] - be;
    for (std::size_t i = 0; i < n; ++i) d[i] += a * s_j[i];
  }
}

template <class T>
std::optional<T> Lbfgs<T>::update(ParamSpan<T> params, const Closure<T>* closure,
                                  std::optional<T>) {
  const std::size_t n = this->numel();
  std::vector<double>& c = this->counters();
  T* g = this->buffer(flat_grad_).data();
  T* prev_g = this->buffer(prev_flat_grad_).data();
  const T* d = this->buffer(d_).data();
  const double lr = this->lr();

  const T orig_loss = (*closure)();
  double loss = static_cast<double>(orig_loss);
  std::size_t current_evals = 1;
  c[kFuncEvals] += 1;
  gather_grad(params, flat_grad_);
  bool opt_cond = max_abs(g, n) <= tolerance_grad_;
  if (opt_cond) return orig_loss;

  double t = c[kT];
  std::size_t n_iter = 0;
  while (n_iter < max_iter_) {
    ++n_iter;
    c[kNIter] += 1;
    descent_direction(t);
    std::copy_n(g, n, prev_g);
    const double prev_loss = loss;
    c[kPrevLoss] = prev_loss;

    // Step length.
    if (c[kNIter] == 1) {
      double sum = 0;
      for (std::size_t i = 0; i < n; ++i) sum += static_cast<double>(std::abs(g[i]));
      t = std::min(1., 1. / sum) * lr;
    } else {
      t = lr;
    }
    const double gtd = dot(g, d, n);
    if (gtd > -tolerance_change_) break;

    std::size_t ls_func_evals = 0;
    if (strong_wolfe_) {
      T* x = this->buffer(x_init_).data();
      for (std::size_t k = 0; k < params.size(); ++k)
        std::copy_n(params[k]->value.data(), params[k]->value.size(), x + this->offset(k));
      loss = strong_wolfe(params, *closure, loss, gtd, t, ls_func_evals);
      add_step(params, t);
      opt_cond = max_abs(g, n) <= tolerance_grad_;
    } else {
      add_step(params, t);
      if (n_iter != max_iter_) {  // no re-evaluation after the last iteration, as in PyTorch
        loss = static_cast<double>((*closure)());
        gather_grad(params, flat_grad_);
        opt_cond = max_abs(g, n) <= tolerance_grad_;
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    c[kFuncEvals] += static_cast<double>(ls_func_evals);

    if (n_iter == max_iter_) break;
    if (current_evals >= max_eval_) break;
    if (opt_cond) break;
    if (max_abs(d, n) * std::abs(t) <= tolerance_change_) break;
    if (std::abs(loss - prev_loss) < tolerance_change_) break;
  }
  c[kT] = t;
  return orig_loss;
}

template class Lbfgs<float>;
template class Lbfgs<double>;

}  // namespace bp
