// Learning-rate schedules; see include/backprop/optim/schedule.hpp.
#include "backprop/optim/schedule.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "backprop/core/error.hpp"

namespace bp {

namespace {

// Shortest text that reads back as v (0.1, not 0.10000000000000001).
std::string fmt(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void check(bool ok, const char* who, const char* field, double value, const char* expected) {
  if (!ok)
    throw UsageError(std::string(who) + ": " + field + " = " + fmt(value) + "; expected " +
                     expected);
}

}  // namespace

void StepSchedule::validate() const {
  check(base_lr > 0 && std::isfinite(base_lr), "step schedule", "base_lr", base_lr, "a finite value > 0");
  check(step_size > 0, "step schedule", "step_size", 0, "at least 1");
  check(gamma > 0 && std::isfinite(gamma), "step schedule", "gamma", gamma, "a finite value > 0");
}

double StepSchedule::lr_at(std::size_t epoch) const {
  return base_lr * std::pow(gamma, static_cast<double>(epoch / step_size));
}

void ExponentialSchedule::validate() const {
  check(base_lr > 0 && std::isfinite(base_lr), "exponential schedule", "base_lr", base_lr,
        "a finite value > 0");
  check(gamma > 0 && std::isfinite(gamma), "exponential schedule", "gamma", gamma, "a finite value > 0");
}

double ExponentialSchedule::lr_at(std::size_t epoch) const {
  return base_lr * std::pow(gamma, static_cast<double>(epoch));
}

void CosineWarmupSchedule::validate() const {
  check(base_lr > 0 && std::isfinite(base_lr), "cosine schedule", "base_lr", base_lr,
        "a finite value > 0");
  if (total_steps <= warmup_steps)
    throw UsageError("cosine schedule: warmup_steps = " + std::to_string(warmup_steps) +
                     "; expected fewer than total_steps (" + std::to_string(total_steps) + ")");
  check(min_lr >= 0 && min_lr <= base_lr, "cosine schedule", "min_lr", min_lr,
        "a value in [0, base_lr]");
}

double CosineWarmupSchedule::lr_at(std::size_t epoch) const {
  if (epoch < warmup_steps)
    return base_lr * static_cast<double>(epoch) / static_cast<double>(warmup_steps);
  if (epoch >= total_steps) return min_lr;
  const double progress = static_cast<double>(epoch - warmup_steps) /
                          static_cast<double>(total_steps - warmup_steps);
  return min_lr + (base_lr - min_lr) * 0.5 * (1 + std::cos(std::numbers::pi * progress));
}

void PlateauOptions::validate() const {
  check(factor > 0 && factor < 1, "plateau schedule", "factor", factor, "a value in (0, 1)");
  check(threshold >= 0 && std::isfinite(threshold), "plateau schedule", "threshold", threshold,
        "a finite value >= 0");
  check(min_lr >= 0 && std::isfinite(min_lr), "plateau schedule", "min_lr", min_lr, "a finite value >= 0");
  check(eps >= 0 && std::isfinite(eps), "plateau schedule", "eps", eps, "a finite value >= 0");
}

ReduceOnPlateau::ReduceOnPlateau(double lr, PlateauOptions opts)
    : opts_(opts),
      lr_(lr),
      best_(opts.maximize ? -std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::infinity()) {
  opts_.validate();
  check(lr > 0 && std::isfinite(lr), "plateau schedule", "lr", lr, "a finite value > 0");
}

bool ReduceOnPlateau::is_better(double a) const noexcept {
  const double t = opts_.threshold;
  if (!opts_.maximize) return opts_.threshold_relative ? a < best_ * (1. - t) : a < best_ - t;
  return opts_.threshold_relative ? a > best_ * (t + 1.) : a > best_ + t;
}

double ReduceOnPlateau::step(double metric) {
  ++epoch_;
  if (is_better(metric)) {
    best_ = metric;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    bad_epochs_ = 0;  // bad epochs during cooldown are ignored
  }
  if (bad_epochs_ > opts_.patience) {
    const double new_lr = std::max(lr_ * opts_.factor, opts_.min_lr);
    if (lr_ - new_lr > opts_.eps) lr_ = new_lr;
    cooldown_counter_ = opts_.cooldown;
    bad_epochs_ = 0;
  }
  return lr_;
}

void ReduceOnPlateau::save_state(std::vector<double>& out) const {
  out.insert(out.end(), {lr_, best_, static_cast<double>(bad_epochs_),
                         static_cast<double>(cooldown_counter_), static_cast<double>(epoch_)});
}

std::size_t ReduceOnPlateau::load_state(std::span<const double> in) {
  if (in.size() < 5)
    throw DataError("ReduceOnPlateau state: " + std::to_string(in.size()) +
                    " values, expected 5 (lr, best, bad epochs, cooldown, epoch)");
  for (std::size_t k = 2; k < 5; ++k)
    if (!(in[k] >= 0) || in[k] != std::floor(in[k]) || in[k] > 1e15)
      throw DataError("ReduceOnPlateau state: value " + std::to_string(k) + " = " + fmt(in[k]) +
                      "; expected a count");
  if (!(in[0] >= 0) || !std::isfinite(in[0]))
    throw DataError("ReduceOnPlateau state: lr = " + fmt(in[0]));
  lr_ = in[0];
  best_ = in[1];
  bad_epochs_ = static_cast<std::size_t>(in[2]);
  cooldown_counter_ = static_cast<std::size_t>(in[3]);
  epoch_ = static_cast<std::size_t>(in[4]);
  return 5;
}

}  // namespace bp
