// ChunkedSum: chunk gradients -> one fixed-point grid per tensor -> exact integer allreduce.
#include "backprop/dist/chunked_sum.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <type_traits>

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
  // Integers in doubles: `chunks` values each at most 2^bits_ sum to at most 2^53, so every
  // partial sum, in any order, is an integer a double holds exactly. At most 2^51 each, for the
  // rounding below.
  bits_ = std::min(51, 53 - static_cast<int>(std::bit_width(chunks - 1)));
  for (auto* prm : ps_) {
    offset_.push_back(total_);
    total_ += prm->size();
  }
  held_.resize(slots_ * total_);
  n_.resize(slots_);
  loss_.resize(slots_);
  chunk_max_.resize(slots_ * ps_.size());
  max_.resize(ps_.size() + 1);
  exp_.resize(ps_.size() + 1);
  acc_.resize(total_ + 3);
}

template <class T>
ChunkRange ChunkedSum<T>::mine(std::size_t nb) const noexcept {
  return chunks_of(chunk_count(nb, chunk_), comm_.rank(), comm_.size());
}

namespace {

constexpr double kRound = 0x1.8p52;  // 1.5 * 2^52

// max |x| over a span; +inf when any value is NaN or infinite. Vectorises: a max and an OR over
// "exponent bits all set" (as the trainer's all_finite).
template <class T>
double max_abs(const T* p, std::size_t n) {
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  constexpr U kExp = sizeof(T) == 4 ? U(0x7f800000u) : U(0x7ff0000000000000ull);
  T m = 0;
  U bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const T a = std::fabs(p[i]);
    m = a > m ? a : m;
    bad |= U((std::bit_cast<U>(p[i]) & kExp) == kExp);
  }
  return bad ? INFINITY : double(m);
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
void ChunkedSum<T>::add(std::size_t k, std::size_t n, double loss, std::size_t correct) {
  if (k == 0) correct_ = 0;
  T* dst = held_.data() + k * total_;
  double* top = chunk_max_.data() + k * ps_.size();
  for (std::size_t t = 0; t < ps_.size(); ++t) {
    const T* g = ps_[t]->grad.data();
    std::copy_n(g, ps_[t]->size(), dst + offset_[t]);
    top[t] = max_abs(g, ps_[t]->size()) * double(n);  // while the gradient is still in cache
  }
  n_[k] = n;
  loss_[k] = loss * double(n);
  correct_ += correct;
}


template <class T>
void ChunkedSum<T>::find_scales(std::size_t held, BatchTotals& out) {
  std::fill(max_.begin(), max_.end(), 0.0);
  // A NaN becomes +inf at once: max() would drop it, and MPI's MAX of a NaN is not defined.
  auto at_most = [](double& m, double v) { m = std::isfinite(v) ? std::max(m, v) : INFINITY; };
  for (std::size_t s = 0; s < held; ++s) {
    for (std::size_t t = 0; t < ps_.size(); ++t) at_most(max_[t], chunk_max_[s * ps_.size() + t]);
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
  std::fill(acc_.begin(), acc_.end(), 0.0);
  for (std::size_t s = 0; s < held; ++s) {
    const T* g = held_.data() + s * total_;
    for (std::size_t t = 0; t < ps_.size(); ++t) {
      // n * 2^e is exact, and so is a float times it: the grid value is v * n rounded once, to
      // the nearest integer by adding and subtracting 1.5 * 2^52 (exact for |x| <= 2^51).
      const double scale = std::ldexp(double(n_[s]), exp_[t]);
      const T* src = g + offset_[t];
      double* dst = acc_.data() + offset_[t];
      for (std::size_t i = 0, n = ps_[t]->size(); i < n; ++i) dst[i] += (double(src[i]) * scale + kRound) - kRound;
    }
    acc_[total_] += (std::ldexp(loss_[s], exp_.back()) + kRound) - kRound;
  }
  acc_[total_ + 1] = double(correct_);
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
  acc_[total_ + 2] = stop ? 1.0 : 0.0;
  comm_.sum(acc_);
  const double inv_nb = 1.0 / double(nb);
  for (std::size_t t = 0; t < ps_.size(); ++t) {
    const double unit = std::ldexp(1.0, -exp_[t]);
    const double* src = acc_.data() + offset_[t];
    T* dst = ps_[t]->grad.data();
    for (std::size_t i = 0, n = ps_[t]->size(); i < n; ++i) dst[i] = T(src[i] * unit * inv_nb);
  }
  out.loss = std::ldexp(acc_[total_], -exp_.back()) * inv_nb;
  out.correct = static_cast<std::size_t>(acc_[total_ + 1]);
  out.stop = acc_[total_ + 2] != 0;
  return out;
}

template class ChunkedSum<float>;
template class ChunkedSum<double>;

}  // namespace bp::dist
