// OptimizerOptions::validate, the per-optimizer PyTorch defaults, and make_optimizer.
#include "backprop/optim/options.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <string_view>

#include "backprop/core/error.hpp"
#include "backprop/optim/adadelta.hpp"
#include "backprop/optim/adagrad.hpp"
#include "backprop/optim/adam.hpp"
#include "backprop/optim/lbfgs.hpp"
#include "backprop/optim/rmsprop.hpp"
#include "backprop/optim/rprop.hpp"
#include "backprop/optim/sgd.hpp"

namespace bp {

namespace {

constexpr std::array<std::string_view, 10> kNames = {
    "sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "rprop", "irprop-", "irprop+", "lbfgs"};

// Shortest text that reads back as v (0.1, not 0.10000000000000001).
std::string fmt(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

[[noreturn]] void bad(const std::string& field, const std::string& value, const char* expected) {
  throw UsageError("optimizer option " + field + " = " + value + "; expected " + expected);
}

void check(bool ok, const char* field, double value, const char* expected) {
  if (!ok) bad(field, fmt(value), expected);
}

}  // namespace

void OptimizerOptions::validate() const {
  bool known = false;
  for (std::string_view n : kNames) known = known || n == name;
  if (!known)
    throw UsageError("unknown optimizer \"" + name +
                     "\"; expected one of sgd, adam, adamw, rmsprop, adagrad, adadelta, rprop, irprop-, irprop+, lbfgs");
  if (lr) check(*lr > 0 && std::isfinite(*lr), "lr", *lr, "a finite value > 0");
  if (weight_decay)
    check(*weight_decay >= 0 && std::isfinite(*weight_decay), "weight_decay", *weight_decay,
          "a finite value >= 0");
  if (weight_decay && *weight_decay != 0 && name == "lbfgs")
    bad("weight_decay", fmt(*weight_decay),
        "0 for lbfgs (add the L2 penalty to the loss the closure computes)");
  if (eps) check(*eps > 0 && std::isfinite(*eps), "eps", *eps, "a finite value > 0");
  check(momentum >= 0 && std::isfinite(momentum), "momentum", momentum, "a finite value >= 0");
  check(dampening >= 0 && dampening <= 1, "dampening", dampening, "a value in [0, 1]");
  if (nesterov && !(momentum > 0 && dampening == 0))
    throw UsageError("optimizer option nesterov = true needs momentum > 0 and dampening = 0 (got "
                     "momentum = " + fmt(momentum) + ", dampening = " + fmt(dampening) + ")");
  check(beta1 >= 0 && beta1 < 1, "beta1", beta1, "a value in [0, 1)");
  check(beta2 >= 0 && beta2 < 1, "beta2", beta2, "a value in [0, 1)");
  check(alpha >= 0 && alpha < 1, "alpha", alpha, "a value in [0, 1)");
  check(lr_decay >= 0 && std::isfinite(lr_decay), "lr_decay", lr_decay, "a finite value >= 0");
  check(initial_accumulator_value >= 0 && std::isfinite(initial_accumulator_value),
        "initial_accumulator_value", initial_accumulator_value, "a finite value >= 0");
  check(rho >= 0 && rho <= 1, "rho", rho, "a value in [0, 1]");
  check(eta_minus > 0 && eta_minus < 1, "eta_minus", eta_minus, "a value in (0, 1)");
  check(eta_plus > 1 && std::isfinite(eta_plus), "eta_plus", eta_plus, "a finite value > 1");
  check(step_size_min > 0 && std::isfinite(step_size_min), "step_size_min", step_size_min,
        "a finite value > 0");
  check(step_size_max >= step_size_min && std::isfinite(step_size_max), "step_size_max",
        step_size_max, "a finite value >= step_size_min");
  if (max_iter == 0) bad("max_iter", "0", "at least 1");
  if (max_eval && *max_eval == 0) bad("max_eval", "0", "at least 1");
  if (history_size == 0) bad("history_size", "0", "at least 1");
  check(tolerance_grad >= 0, "tolerance_grad", tolerance_grad, "a value >= 0");
  check(tolerance_change >= 0, "tolerance_change", tolerance_change, "a value >= 0");
  if (!line_search_fn.empty() && line_search_fn != "strong_wolfe")
    bad("line_search_fn", "\"" + line_search_fn + "\"", "\"\" (none) or \"strong_wolfe\"");
}

double OptimizerOptions::lr_or_default() const {
  if (lr) return *lr;
  if (name == "adam" || name == "adamw") return 1e-3;
  if (name == "adadelta" || name == "lbfgs") return 1.0;
  return 1e-2;  // sgd (Keras's default; PyTorch has none), rmsprop, adagrad, rprop, irprop-, irprop+
}

double OptimizerOptions::weight_decay_or_default() const {
  return weight_decay.value_or(name == "adamw" ? 1e-2 : 0.0);
}

double OptimizerOptions::eps_or_default() const {
  if (eps) return *eps;
  if (name == "adagrad") return 1e-10;
  if (name == "adadelta") return 1e-6;
  return 1e-8;  // adam, adamw, rmsprop
}

double adopt_options(OptimizerOptions& opts, const char* name) {
  opts.name = name;
  opts.validate();
  return opts.lr_or_default();
}

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(const OptimizerOptions& opts) {
  opts.validate();
  const std::string& n = opts.name;
  if (n == "sgd") return std::make_unique<Sgd<T>>(opts);
  if (n == "adam" || n == "adamw") return std::make_unique<Adam<T>>(opts);
  if (n == "rmsprop") return std::make_unique<RmsProp<T>>(opts);
  if (n == "adagrad") return std::make_unique<Adagrad<T>>(opts);
  if (n == "adadelta") return std::make_unique<Adadelta<T>>(opts);
  if (n == "rprop" || n == "irprop-") return std::make_unique<Rprop<T>>(opts);
  if (n == "irprop+") return std::make_unique<RpropPlus<T>>(opts);
  return std::make_unique<Lbfgs<T>>(opts);  // validate() admits no other name
}

template std::unique_ptr<Optimizer<float>> make_optimizer<float>(const OptimizerOptions&);
template std::unique_ptr<Optimizer<double>> make_optimizer<double>(const OptimizerOptions&);

}  // namespace bp
