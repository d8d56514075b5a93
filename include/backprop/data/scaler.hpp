// Per-feature input scaling, fitted on the training set and saved with the model:
// x'[n, i] = (x[n, i] - offset[i]) / scale[i].
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backprop/data/dataset.hpp"
#include "backprop/core/matrix.hpp"

namespace bp {

namespace kernels {
struct ByteScaling;  // src/kernels/scale.hpp: per-feature plan for byte features
}

enum class ScalerKind {
  kNone,      ///< x' = x
  kMinMax,    ///< offset = min, scale = max - min: x' in [0, 1] on the training set
  kStandard,  ///< offset = mean, scale = population standard deviation (ddof = 0)
};

/// "none", "minmax", "standard".
std::string_view scaler_kind_name(ScalerKind kind);
/// Inverse of scaler_kind_name; throws UsageError listing the accepted names.
ScalerKind parse_scaler_kind(std::string_view name);

class Scaler {
 public:
  explicit Scaler(ScalerKind kind = ScalerKind::kNone) : kind_(kind) {}
  /// Restores a fitted scaler (e.g. from a model file). Throws UsageError when the sizes differ
  /// or a scale is not finite and > 0, or an offset is not finite.
  Scaler(ScalerKind kind, std::vector<double> offset, std::vector<double> scale);

  /// Computes offset and scale per feature, in double over all rows. A constant feature gets
  /// scale 1 (so it maps to 0), never a division by zero. kNone: offset 0, scale 1.
  void fit(const Dataset& data);
  /// x (nb, I) in place: x = (x - offset) / scale, computed in double and rounded to T.
  /// No-op for kNone. Throws UsageError when fitted and x.cols() != I.
  template <class T>
  void apply(Matrix<T>& x) const;

  /// data.gather(rows, x, y) followed by apply(x), with the same bits, in one pass where the
  /// features are bytes (each byte is converted and scaled while in registers; see
  /// kernels::gather_scale_u8). Throws what those two throw.
  template <class T>
  void gather(const Dataset& data, std::span<const std::size_t> rows, Matrix<T>& x,
              Matrix<T>& y) const;

  ScalerKind kind() const noexcept { return kind_; }
  bool fitted() const noexcept { return !offset_.empty(); }
  /// I values each; empty before fit().
  const std::vector<double>& offset() const noexcept { return offset_; }
  const std::vector<double>& scale() const noexcept { return scale_; }

 private:
  ScalerKind kind_;
  std::vector<double> offset_;
  std::vector<double> scale_;
  /// Set when fitted with kind != kNone (and I <= kMaxPlannedFeatures): which byte features may
  /// multiply by 1/scale instead of dividing. Immutable once built, shared by copies.
  std::shared_ptr<const kernels::ByteScaling> bytes_;
  void plan_bytes();
  void fit_values(const Dataset& data);
};

}  // namespace bp
