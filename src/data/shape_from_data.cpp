// Network sizes and loss from the data (include/backprop/data/shape_from_data.hpp).
#include "backprop/data/shape_from_data.hpp"

#include <algorithm>

namespace bp {

namespace {

std::string joined(const std::vector<std::size_t>& v) {
  std::string s;
  for (std::size_t x : v) {
    if (!s.empty()) s += ',';
    s += std::to_string(x);
  }
  return s;
}

std::string outputs_wanted(const Dataset& data) {
  if (!data.is_classification()) return std::to_string(data.target_width()) + " regression target(s)";
  const std::size_t C = data.classes();
  return std::to_string(C) + " classes" + (C == 2 ? " (1 or 2 outputs)" : "");
}

void check_layers(const Dataset& data, const ShapeRequest& req) {
  const auto& sizes = *req.layers;
  if (sizes.size() < 2) throw DataShapeError("layers", "expected at least two sizes (inputs and outputs)");
  for (std::size_t s : sizes)
    if (s == 0) throw DataShapeError("layers", "a layer of size 0; every layer needs at least one unit");
  const std::vector<std::size_t> middle(sizes.begin() + 1, sizes.end() - 1);
  std::string hint = "; give --hidden ";
  hint += middle.empty() ? std::to_string(kDefaultHiddenUnits) : joined(middle);
  hint += " (hidden sizes only) and the input and output sizes come from the data";
  if (sizes.front() != data.features())
    throw DataShapeError("layers", "the first size is " + std::to_string(sizes.front()) + " but the data has " +
                                   std::to_string(data.features()) + " features per sample" + hint);
  const std::size_t out = sizes.back();
  const bool binary = data.is_classification() && data.classes() == 2 && out == 1;
  if (out != data.target_width() && !binary)
    throw DataShapeError("layers", "the last size is " + std::to_string(out) + " but the data has " +
                                   outputs_wanted(data) + hint);
  if (req.hidden && *req.hidden != middle)
    throw DataShapeError("hidden", joined(*req.hidden) + " disagrees with --layers " + joined(sizes) +
                                   "; give one of them");
}

}  // namespace

NetworkShape shape_from_data(const Dataset& data, const ShapeRequest& req) {
  NetworkShape shape;
  const bool classify = data.is_classification();
  if (req.layers) {
    check_layers(data, req);
    shape.sizes = *req.layers;
  } else {
    const std::vector<std::size_t> hidden = req.hidden.value_or(std::vector<std::size_t>{kDefaultHiddenUnits});
    for (std::size_t s : hidden)
      if (s == 0) throw DataShapeError("hidden", "a layer of size 0; every layer needs at least one unit");
    const bool one_output = classify && data.classes() == 2 &&
                            (!req.loss || *req.loss == Loss::kBinaryCrossEntropy);
    shape.sizes.push_back(data.features());
    shape.sizes.insert(shape.sizes.end(), hidden.begin(), hidden.end());
    shape.sizes.push_back(one_output ? 1 : data.target_width());
  }
  shape.single_binary_output = classify && data.classes() == 2 && shape.sizes.back() == 1;
  if (req.loss) {
    shape.loss = *req.loss;
    if (shape.loss == Loss::kSoftmaxCrossEntropy && shape.sizes.back() == 1)
      throw DataShapeError("loss", "cross-entropy (softmax) needs one output per class, got a single output; "
                               "use binary-cross-entropy for two classes on one output");
  } else {
    shape.loss = !classify                    ? Loss::kMse
                 : shape.single_binary_output ? Loss::kBinaryCrossEntropy
                                              : Loss::kSoftmaxCrossEntropy;
  }
  return shape;
}

std::size_t default_epochs(std::size_t samples, std::size_t batch_size) {
  const std::size_t B = batch_size == 0 || batch_size > samples ? samples : batch_size;
  const std::size_t steps = B == 0 ? 1 : (samples + B - 1) / B;
  return std::max(kDefaultEpochs, (kDefaultMinSteps + steps - 1) / steps);
}

}  // namespace bp
