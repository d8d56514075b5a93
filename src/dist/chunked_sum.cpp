// ChunkedSum: chunk gradients -> one fixed-point grid per tensor -> exact integer allreduce.
#include "backprop/dist/chunked_sum.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "backprop/core/error.hpp"

namespace bp::dist {

std::size_t default_chunk(std::size_t batch) noexcept {
  return std::min(batch, std::max<std::size_t>((batch + 11) / 12, 32));
}

std::size_t chunk_count(std::size_t nb, std::size_t chunk) noexcept { return (nb + chunk - 1) / chunk; }

ChunkRange chunks_of(std::size_t chunks, int rank, int size) noexcept {
  const auto r = static_cast<std::size_t>(rank), p = static_cast<std::size_t>(size);
  return {chunks * r / p, chunks * (r + 1) / p};
}

template <class T>
ChunkedSum<T>::ChunkedSum(ParamSpan<T> ps, Communicator& comm, std::size_t chunk, std::size_t max_batch)
    : ps_(ps), comm_(comm), chunk_(chunk) {
  if (chunk == 0 || max_batch == 0) throw UsageError("ChunkedSum: chunk and batch must be positive");
  const std::size_t chunks = chunk_count(max_batch, chunk);
  const auto p = static_cast<std::size_t>(comm.size());
  slots_ = (chunks + p - 1) / p;
  // The sum of `chunks` values each below 2^bits_ stays below 2^62: no int64 overflow.
  bits_ = 62 - static_cast<int>(std::bit_width(chunks - 1));
  for (auto* prm : ps_) {
    offset_.push_back(total_);
    total_ += prm->size();
  }
  held_.resize(slots_ * total_);
  n_.resize(slots_);
  loss_.resize(slots_);
  max_.resize(ps_.size() + 1);
  exp_.resize(ps_.size() + 1);
  acc_.resize(total_ + 3);
}

template <class T>
ChunkRange ChunkedSum<T>::mine(std::size_t nb) const noexcept {
  return chunks_of(chunk_count(nb, chunk_), comm_.rank(), comm_.size());
}

template <class T>
void ChunkedSum<T>::add(std::size_t k, std::size_t n, double loss, std::size_t correct) {
  if (k == 0) correct_ = 0;
  T* dst = held_.data() + k * total_;
  for (std::size_t t = 0; t < ps_.size(); ++t)
    std::copy_n(ps_[t]->grad.data(), ps_[t]->size(), dst + offset_[t]);
  n_[k] = n;
  loss_[k] = loss * double(n);
  correct_ += correct;
}

namespace {

// max |x| over a span, NaN when any value is NaN (so that it is caught as not finite).
template <class T>
double max_abs(const T* p, std::size_t n) {
  double m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = std::fabs(double(p[i]));
    m = (a > m || a != a) ? a : m;
    if (m != m) return m;
  }
  return m;
}

// The grid exponent e of a tensor whose chunk values are at most m: |v| * 2^e < 2^bits. Kept
// within the range where 2^e and 2^-e are normal doubles (tiny tensors just get fewer bits).
int grid_exponent(double m, int bits) {
  if (m == 0) return 0;
  int e2 = 0;
  std::frexp(m, &e2);  // m < 2^e2
  return std::clamp(bits - e2, -1000, 1000);
}

}  // namespace

template <class T>
void ChunkedSum<T>::find_scales(std::size_t held, BatchTotals& out) {
  std::fill(max_.begin(), max_.end(), 0.0);
  for (std::size_t s = 0; s < held; ++s) {
    const T* g = held_.data() + s * total_;
    // A NaN becomes +inf at once: max() would drop it, and MPI's MAX of a NaN is not defined.
    auto at_most = [](double& m, double v) { m = std::isfinite(v) ? std::max(m, v) : INFINITY; };
    for (std::size_t t = 0; t < ps_.size(); ++t)
      at_most(max_[t], max_abs(g + offset_[t], ps_[t]->size()) * double(n_[s]));
    at_most(max_.back(), std::fabs(loss_[s]));
  }
  comm_.max(max_);
  if (std::isinf(max_.back())) out.not_finite = "loss";
  for (std::size_t t = ps_.size(); out.not_finite.empty() && t-- > 0;)  // from the output down
    if (std::isinf(max_[t])) out.not_finite = ps_[t]->name();
  for (std::size_t t = 0; t < max_.size(); ++t) exp_[t] = grid_exponent(max_[t], bits_);
}

template <class T>
void ChunkedSum<T>::quantize(std::size_t held) {
  std::fill(acc_.begin(), acc_.end(), 0);
  for (std::size_t s = 0; s < held; ++s) {
    const T* g = held_.data() + s * total_;
    for (std::size_t t = 0; t < ps_.size(); ++t) {
      // n * 2^e is exact, and so is a float times it: the grid value is v * n rounded once.
      const double scale = std::ldexp(double(n_[s]), exp_[t]);
      const T* src = g + offset_[t];
      std::int64_t* dst = acc_.data() + offset_[t];
      for (std::size_t i = 0, n = ps_[t]->size(); i < n; ++i)
        dst[i] += static_cast<std::int64_t>(std::nearbyint(double(src[i]) * scale));
    }
    acc_[total_] += static_cast<std::int64_t>(std::nearbyint(std::ldexp(loss_[s], exp_.back())));
  }
  acc_[total_ + 1] = static_cast<std::int64_t>(correct_);
}

template <class T>
BatchTotals ChunkedSum<T>::reduce(std::size_t nb, bool stop) {
  const ChunkRange r = mine(nb);
  const std::size_t held = r.last - r.first;
  if (held == 0) correct_ = 0;
  BatchTotals out;
  find_scales(held, out);
  if (!out.not_finite.empty()) return out;
  quantize(held);
  acc_[total_ + 2] = stop ? 1 : 0;
  comm_.sum(acc_);
  const double inv_nb = 1.0 / double(nb);
  for (std::size_t t = 0; t < ps_.size(); ++t) {
    const double unit = std::ldexp(1.0, -exp_[t]);
    const std::int64_t* src = acc_.data() + offset_[t];
    T* dst = ps_[t]->grad.data();
    for (std::size_t i = 0, n = ps_[t]->size(); i < n; ++i) dst[i] = T(double(src[i]) * unit * inv_nb);
  }
  out.loss = std::ldexp(double(acc_[total_]), -exp_.back()) * inv_nb;
  out.correct = static_cast<std::size_t>(acc_[total_ + 1]);
  out.stop = acc_[total_ + 2] != 0;
  return out;
}

template class ChunkedSum<float>;
template class ChunkedSum<double>;

}  // namespace bp::dist
