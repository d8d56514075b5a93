// OptimizerOptions: every optimizer's settings in one plain struct, and the factory that builds
// an optimizer from its name. Field names and defaults follow PyTorch 1.13's torch.optim.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "backprop/optim/optimizer.hpp"

namespace bp {

/// Settings of make_optimizer(). Fields that an optimizer does not use are ignored (but still
/// validated). Unset optionals take that optimizer's PyTorch default, listed per field.
struct OptimizerOptions {
  /// "sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "rprop" (= "irprop-"),
  /// "irprop+", "lbfgs".
  std::string name = "sgd";
  /// Learning rate (> 0, finite). Defaults: adam/adamw 1e-3, rmsprop/adagrad/rprop/irprop+ 1e-2,
  /// adadelta 1, lbfgs 1; sgd 1e-2 (Keras's default: PyTorch 1.13 has none and requires it).
  /// Rprop: the initial step size Delta_0 of every weight.
  std::optional<double> lr;
  /// L2 penalty wd/2 |w|^2 added as wd * w to the gradient (>= 0). Decoupled for adamw
  /// (w <- w (1 - lr wd)). Defaults: adamw 1e-2, others 0. Not supported by lbfgs (put the penalty
  /// in the loss the closure computes).
  std::optional<double> weight_decay;
  /// Denominator guard (> 0). Defaults: adam/adamw/rmsprop 1e-8, adagrad 1e-10, adadelta 1e-6.
  std::optional<double> eps;

  // SGD (momentum is also RMSprop's).
  double momentum = 0;    ///< >= 0
  double dampening = 0;   ///< in [0, 1]; must be 0 with nesterov
  bool nesterov = false;  ///< needs momentum > 0 and dampening == 0

  // Adam, AdamW.
  double beta1 = 0.9;    ///< in [0, 1)
  double beta2 = 0.999;  ///< in [0, 1)
  bool amsgrad = false;  ///< use max over time of the second moment (AMSGrad)

  // RMSprop.
  double alpha = 0.99;    ///< smoothing of the squared-gradient average, in [0, 1)
  bool centered = false;  ///< divide by the estimated variance instead of the second moment

  // Adagrad.
  double lr_decay = 0;                   ///< >= 0; lr_t = lr / (1 + (t - 1) lr_decay)
  double initial_accumulator_value = 0;  ///< >= 0

  // Adadelta.
  double rho = 0.9;  ///< in [0, 1]

  // Rprop (iRPROP-) and iRPROP+.
  double eta_minus = 0.5;      ///< step-size factor after a sign change, in (0, 1)
  double eta_plus = 1.2;       ///< step-size factor while the sign holds, > 1
  double step_size_min = 1e-6; ///< > 0
  double step_size_max = 50;   ///< >= step_size_min

  // L-BFGS.
  std::size_t max_iter = 20;             ///< iterations per step (> 0)
  std::optional<std::size_t> max_eval;   ///< closure calls per step; default max_iter * 5 / 4
  double tolerance_grad = 1e-7;          ///< stop when max |g| <= this (>= 0)
  double tolerance_change = 1e-9;        ///< stop when the step or loss change is below (>= 0)
  std::size_t history_size = 100;        ///< stored (s, y) pairs (> 0); preallocated
  std::string line_search_fn;            ///< "" (fixed step lr) or "strong_wolfe"

  /// Throws UsageError naming the field as spelt here ("optimizer option lr = -0.1; expected a
  /// finite value > 0"), the bad value and what is expected.
  void validate() const;
  /// lr, or this optimizer's default.
  double lr_or_default() const;
  double weight_decay_or_default() const;
  double eps_or_default() const;
};

/// For the optimizers' constructors: sets opts.name to `name` (so that a directly constructed
/// optimizer takes its own defaults whatever opts.name said), validates, and returns the lr.
double adopt_options(OptimizerOptions& opts, const char* name);

/// Builds the optimizer `opts.name` after opts.validate(). Throws UsageError for unknown names.
template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(const OptimizerOptions& opts);

}  // namespace bp
