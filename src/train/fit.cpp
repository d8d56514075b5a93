// fit: matrices in, bp::train underneath (one training loop).
#include "backprop/train/fit.hpp"

#include <string>
#include <vector>

#include "backprop/data/dataset.hpp"
#include "backprop/data/scaler.hpp"
#include "backprop/core/error.hpp"

namespace bp {

namespace {

OptimizerOptions optimizer_options(const FitOptions& opts) {
  OptimizerOptions o;
  o.name = opts.optimizer;
  o.lr = opts.lr;
  o.momentum = opts.momentum;
  return o;
}

}  // namespace

void FitOptions::validate() const {
  if (epochs == 0) throw UsageError("epochs = 0; expected at least 1");
  optimizer_options(*this).validate();
}

template <class T>
TrainResult fit(Network<T>& net, const Matrix<T>& X, const Matrix<T>& Y, const FitOptions& opts) {
  opts.validate();
  if (X.rows() == 0) throw UsageError("fit: the dataset is empty");
  if (Y.rows() != X.rows())
    throw UsageError("fit: " + std::to_string(X.rows()) + " samples but " +
                     std::to_string(Y.rows()) + " targets");
  const Dataset data = Dataset::regression(X.cols(), std::vector<float>(X.begin(), X.end()),
                                           Y.cols(), std::vector<float>(Y.begin(), Y.end()));
  const auto opt = make_optimizer<T>(optimizer_options(opts));
  TrainOptions to;
  to.epochs = opts.epochs;
  to.batch_size = opts.batch_size;
  to.seed = opts.seed;
  return train(net, *opt, data, nullptr, Scaler(ScalerKind::kNone), to);
}

template TrainResult fit<float>(Network<float>&, const Matrix<float>&, const Matrix<float>&,
                                const FitOptions&);
template TrainResult fit<double>(Network<double>&, const Matrix<double>&, const Matrix<double>&,
                                 const FitOptions&);

}  // namespace bp
