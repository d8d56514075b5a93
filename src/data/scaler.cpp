// Scaler: fit per-feature offset/scale on a Dataset, apply to batches.
#include "backprop/data/scaler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "backprop/core/error.hpp"
#include "kernels/scale.hpp"

namespace bp {

std::string_view scaler_kind_name(ScalerKind kind) {
  switch (kind) {
    case ScalerKind::kNone: return "none";
    case ScalerKind::kMinMax: return "minmax";
    case ScalerKind::kStandard: return "standard";
  }
  return "none";
}

ScalerKind parse_scaler_kind(std::string_view name) {
  if (name == "none") return ScalerKind::kNone;
  if (name == "minmax") return ScalerKind::kMinMax;
  if (name == "standard") return ScalerKind::kStandard;
  throw UsageError("unknown preprocessing '" + std::string(name) + "'; expected none, minmax or standard");
}

Scaler::Scaler(ScalerKind kind, std::vector<double> offset, std::vector<double> scale)
    : kind_(kind), offset_(std::move(offset)), scale_(std::move(scale)) {
  if (offset_.size() != scale_.size())
    throw UsageError("Scaler: " + std::to_string(offset_.size()) + " offsets but " +
                     std::to_string(scale_.size()) + " scales");
  for (std::size_t i = 0; i < scale_.size(); ++i) {
    if (!std::isfinite(offset_[i]))
      throw UsageError("Scaler: offset[" + std::to_string(i) + "] = " +
                       std::to_string(offset_[i]) + " must be finite");
    if (!(std::isfinite(scale_[i]) && scale_[i] > 0.0))
      throw UsageError("Scaler: scale[" + std::to_string(i) + "] = " +
                       std::to_string(scale_[i]) + " must be finite and > 0");
  }
  plan_bytes();
}

// Byte features: try all 256 values of each feature once (256 * I divisions), so that batches can
// multiply where that is exact. Skipped for very wide data, which then takes gather + apply.
constexpr std::size_t kMaxPlannedFeatures = std::size_t{1} << 16;

void Scaler::plan_bytes() {
  bytes_.reset();
  if (kind_ == ScalerKind::kNone || offset_.empty() || offset_.size() > kMaxPlannedFeatures) return;
  bytes_ = std::make_shared<const kernels::ByteScaling>(
      kernels::plan_byte_scaling(offset_.data(), scale_.data(), offset_.size()));
}

void Scaler::fit(const Dataset& data) {
  fit_values(data);
  plan_bytes();
}

void Scaler::fit_values(const Dataset& data) {
  const std::size_t N = data.size(), I = data.features();
  offset_.assign(I, 0.0);
  scale_.assign(I, 1.0);
  if (kind_ == ScalerKind::kNone || N == 0) return;
  if (kind_ == ScalerKind::kMinMax) {
    std::vector<double> lo(I, std::numeric_limits<double>::infinity());
    std::vector<double> hi(I, -std::numeric_limits<double>::infinity());
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t i = 0; i < I; ++i) {
        const double v = data.feature(n, i);
        lo[i] = std::min(lo[i], v);
        hi[i] = std::max(hi[i], v);
      }
    for (std::size_t i = 0; i < I; ++i) {
      offset_[i] = lo[i];
      scale_[i] = hi[i] > lo[i] ? hi[i] - lo[i] : 1.0;
    }
    return;
  }
  // Standard: two passes (mean, then mean squared deviation) for accuracy.
  std::vector<double> sum(I, 0.0);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t i = 0; i < I; ++i) sum[i] += data.feature(n, i);
  for (std::size_t i = 0; i < I; ++i) offset_[i] = sum[i] / static_cast<double>(N);
  std::vector<double> sq(I, 0.0);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t i = 0; i < I; ++i) {
      const double d = data.feature(n, i) - offset_[i];
      sq[i] += d * d;
    }
  for (std::size_t i = 0; i < I; ++i) {
    const double sd = std::sqrt(sq[i] / static_cast<double>(N));
    scale_[i] = sd > 0.0 ? sd : 1.0;
  }
}

template <class T>
void Scaler::apply(Matrix<T>& x) const {
  if (kind_ == ScalerKind::kNone) return;
  if (x.cols() != offset_.size())
    throw UsageError("Scaler::apply: batch has " + std::to_string(x.cols()) +
                     " columns, expected " + std::to_string(offset_.size()) +
                     (fitted() ? " features" : " (the scaler is not fitted)"));
  // (x - offset) / scale in double, rounded to T: kernels/scale.cpp (vectorised, same bits as
  // kernels::scale_columns_ref).
  kernels::scale_columns(x.data(), x.rows(), x.cols(), offset_.data(), scale_.data());
}

template <class T>
void Scaler::gather(const Dataset& data, std::span<const std::size_t> rows, Matrix<T>& x,
                    Matrix<T>& y) const {
  if (!bytes_ || data.feature_type() != FeatureType::kU8 || data.features() != offset_.size()) {
    data.gather(rows, x, y);  // float features, no scaling, or a width apply() will refuse
    apply(x);
    return;
  }
  data.gather_targets(rows, y);  // checks every row index first
  x.resize(rows.size(), data.features());
  kernels::gather_scale_u8(x.data(), data.features_u8().data(), rows.data(), rows.size(),
                           data.features(), offset_.data(), scale_.data(), *bytes_);
}

template void Scaler::apply<float>(Matrix<float>&) const;
template void Scaler::apply<double>(Matrix<double>&) const;
template void Scaler::gather<float>(const Dataset&, std::span<const std::size_t>, Matrix<float>&,
                                    Matrix<float>&) const;
template void Scaler::gather<double>(const Dataset&, std::span<const std::size_t>,
                                     Matrix<double>&, Matrix<double>&) const;

}  // namespace bp
