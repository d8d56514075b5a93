// Real-valued label columns: detection and conversion to regression targets.
#include "backprop/data/task.hpp"

#include <cmath>
#include <vector>

#include "backprop/core/error.hpp"
#include "data/file_util.hpp"

namespace bp {

std::optional<std::string> real_valued_label(const Dataset& data) {
  if (!data.is_classification()) return std::nullopt;
  std::optional<std::string> first;
  for (const std::string& name : data.class_names()) {
    const auto v = data_detail::parse_float(name);
    if (!v || !std::isfinite(*v)) return std::nullopt;  // a string label: classes
    if (!first && *v != std::floor(*v)) first = name;
  }
  return first;
}

Dataset labels_to_regression(const Dataset& data) {
  if (!data.is_classification()) throw UsageError("labels_to_regression: the data is already regression");
  const auto& names = data.class_names();
  std::vector<float> value(names.size());
  for (std::size_t c = 0; c < names.size(); ++c) {
    const auto v = data_detail::parse_float(names[c]);
    if (!v || !std::isfinite(*v))
      throw DataError("the label " + data_detail::quote(names[c]) +
                      " is not a number; a regression target must be a finite number");
    value[c] = *v;
  }
  std::vector<float> targets(data.size());
  const auto labels = data.labels();
  for (std::size_t n = 0; n < data.size(); ++n) targets[n] = value[labels[n]];
  const std::size_t I = data.features();
  Dataset out;
  if (data.feature_type() == FeatureType::kU8) {
    const auto f = data.features_u8();
    out = Dataset::regression(I, std::vector<std::uint8_t>(f.begin(), f.end()), 1, std::move(targets));
  } else {
    const auto f = data.features_f32();
    out = Dataset::regression(I, std::vector<float>(f.begin(), f.end()), 1, std::move(targets));
  }
  // The label column is now the one target: its name names the prediction (predict's header).
  ColumnNames cols = data.columns();
  if (!cols.features.empty() && !cols.label.empty()) cols.targets = {cols.label};
  cols.label.clear();  // as a CSV read with --task regression records it: targets, no label
  cols.label_index = -1;
  out.set_columns(std::move(cols));
  return out;
}

}  // namespace bp
