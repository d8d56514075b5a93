// Optimizer<T> base: layout checks, lazy state allocation, and the checkpoint record.
#include "backprop/optim/optimizer.hpp"

#include <cmath>
#include <cstdint>
#include <string>

#include "backprop/core/error.hpp"

namespace bp {

namespace {

constexpr double kStateVersion = 1;

// FNV-1a of the name, folded to 32 bits so that it is exact in a double.
double name_code(std::string_view name) {
  std::uint32_t h = 2166136261u;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return static_cast<double>(h);
}

// Reads in[pos++] or throws DataError naming what was expected.
struct Reader {
  std::span<const double> in;
  std::size_t pos = 0;
  std::string_view who;
  double next(const char* what) {
    if (pos >= in.size())
      throw DataError(std::string(who) + " state: truncated at value " + std::to_string(pos) +
                      " (expected " + what + ")");
    return in[pos++];
  }
  std::size_t count(const char* what) {
    const double v = next(what);
    if (!(v >= 0) || v != std::floor(v) || v > 1e15)
      throw DataError(std::string(who) + " state: " + what + " = " + std::to_string(v) +
                      " at value " + std::to_string(pos - 1) + "; expected a count");
    return static_cast<std::size_t>(v);
  }
};

}  // namespace

template <class T>
Optimizer<T>::Optimizer(double lr) : lr_(lr) {}

template <class T>
void Optimizer<T>::set_lr(double lr) {
  if (!(lr >= 0) || !std::isfinite(lr))
    throw UsageError(std::string(name()) + ": set_lr(" + std::to_string(lr) +
                     "); expected a finite value >= 0");
  lr_ = lr;
}

template <class T>
void Optimizer<T>::reset_state() noexcept {
  offsets_.clear();
  buffers_.clear();
  counters_.clear();
}

template <class T>
std::size_t Optimizer<T>::add_buffer(std::size_t size, T fill) {
  buffers_.emplace_back(size, fill);
  return buffers_.size() - 1;
}

template <class T>
void Optimizer<T>::prepare(ParamSpan<T> params) {
  if (offsets_.empty()) {
    offsets_.resize(params.size() + 1);
    offsets_[0] = 0;
    for (std::size_t k = 0; k < params.size(); ++k) {
      if (params[k]->grad.size() != params[k]->value.size())
        throw UsageError(std::string(name()) + ": parameter " + std::to_string(k) + " has " +
                         std::to_string(params[k]->value.size()) + " values but " +
                         std::to_string(params[k]->grad.size()) + " gradients");
      offsets_[k + 1] = offsets_[k] + params[k]->value.size();
    }
    allocate_state();
    return;
  }
  if (params.size() + 1 != offsets_.size())
    throw UsageError(std::string(name()) + ": step got " + std::to_string(params.size()) +
                     " parameters, the state was made for " + std::to_string(offsets_.size() - 1) +
                     "; call reset_state() to start over");
  for (std::size_t k = 0; k < params.size(); ++k) {
    const std::size_t want = offsets_[k + 1] - offsets_[k];
    if (params[k]->value.size() != want || params[k]->grad.size() != want)
      throw UsageError(std::string(name()) + ": parameter " + std::to_string(k) + " has " +
                       std::to_string(params[k]->value.size()) + " values, the state was made for " +
                       std::to_string(want) + "; call reset_state() to start over");
  }
}

template <class T>
std::optional<T> Optimizer<T>::step(ParamSpan<T> params, const Closure<T>* closure) {
  if (needs_closure() && closure == nullptr)
    throw UsageError(std::string(name()) + ": step needs a closure that re-evaluates the loss");
  if (needs_loss() && closure == nullptr)
    throw UsageError(std::string(name()) +
                     ": step needs the loss E(t): pass a closure or call step_with_loss");
  prepare(params);
  return update(params, closure, std::nullopt);
}

template <class T>
bool Optimizer<T>::plan_fused_sgd(ParamSpan<T> params, std::span<SgdStep<T>> steps) {
  if (steps.size() != params.size())
    throw UsageError(std::string(name()) + ": plan_fused_sgd got " + std::to_string(steps.size()) +
                     " steps for " + std::to_string(params.size()) + " parameters");
  if (needs_closure() || needs_loss()) return false;
  prepare(params);
  return fused_sgd_plan(params, steps);
}

template <class T>
void Optimizer<T>::step_with_loss(ParamSpan<T> params, T loss) {
  if (needs_closure())
    throw UsageError(std::string(name()) + ": step needs a closure that re-evaluates the loss");
  prepare(params);
  update(params, nullptr, loss);
}

// Layout: [name code, version, lr, initialized (0/1), P, size_0 .. size_{P-1},
//          B, (len_b, values_b...) for each buffer, C, counters...]
template <class T>
void Optimizer<T>::save_state(std::vector<double>& out) const {
  out.push_back(name_code(name()));
  out.push_back(kStateVersion);
  out.push_back(lr_);
  out.push_back(offsets_.empty() ? 0.0 : 1.0);
  if (offsets_.empty()) return;
  out.push_back(static_cast<double>(offsets_.size() - 1));
  for (std::size_t k = 0; k + 1 < offsets_.size(); ++k)
    out.push_back(static_cast<double>(offsets_[k + 1] - offsets_[k]));
  out.push_back(static_cast<double>(buffers_.size()));
  for (const auto& b : buffers_) {
    out.push_back(static_cast<double>(b.size()));
    for (T v : b) out.push_back(static_cast<double>(v));
  }
  out.push_back(static_cast<double>(counters_.size()));
  out.insert(out.end(), counters_.begin(), counters_.end());
}

template <class T>
std::size_t Optimizer<T>::load_state(std::span<const double> in) {
  Reader r{in, 0, name()};
  if (r.next("name code") != name_code(name()))
    throw DataError(std::string(name()) + " state: written by another optimizer");
  const double version = r.next("version");
  if (version != kStateVersion)
    throw DataError(std::string(name()) + " state: format version " + std::to_string(version) +
                    ", expected " + std::to_string(kStateVersion));
  const double lr = r.next("lr");
  if (!(lr >= 0) || !std::isfinite(lr))
    throw DataError(std::string(name()) + " state: lr = " + std::to_string(lr));
  const double initialized = r.next("initialized flag");
  reset_state();
  lr_ = lr;
  if (initialized == 0) return r.pos;
  const std::size_t P = r.count("parameter count");
  offsets_.assign(P + 1, 0);
  for (std::size_t k = 0; k < P; ++k) offsets_[k + 1] = offsets_[k] + r.count("parameter size");
  allocate_state();
  try {
    if (r.count("buffer count") != buffers_.size())
      throw DataError(std::string(name()) + " state: buffer count differs from these options");
    for (auto& b : buffers_) {
      if (r.count("buffer size") != b.size())
        throw DataError(std::string(name()) + " state: buffer size differs from these options");
      for (T& v : b) v = static_cast<T>(r.next("buffer value"));
    }
    if (r.count("counter count") != counters_.size())
      throw DataError(std::string(name()) + " state: counter count differs from these options");
    for (double& c : counters_) c = r.next("counter");
    return r.pos;
  } catch (...) {
    reset_state();
    lr_ = lr;
    throw;
  }
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace bp
