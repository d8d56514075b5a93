// fit is a thin wrapper over the trainer: the same weights and epoch losses, bit for bit, as
// bp::train on the same data as a Dataset, with the optimizer fit names.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "backprop/backprop.hpp"

namespace bp {
namespace {

template <class T>
void fit_equals_train(std::size_t batch, const char* optimizer, double dropout) {
  Network<T> a({{.in = 3, .out = 9, .activation = Activation::kTanh, .dropout = dropout},
                {.in = 9, .out = 2}},
               Loss::kMse);
  init_network(a, {}, 4);
  Network<T> b = a;
  std::mt19937_64 rng(2);
  std::vector<float> xs(21 * 3), ys(21 * 2);  // 21 samples: a short last batch at batch 4
  for (auto& v : xs) v = static_cast<float>(rng() % 2000) / 1000.0f - 1.0f;
  for (auto& v : ys) v = static_cast<float>(rng() % 2000) / 1000.0f - 1.0f;
  const Matrix<T> X(21, 3, std::vector<T>(xs.begin(), xs.end()));
  const Matrix<T> Y(21, 2, std::vector<T>(ys.begin(), ys.end()));

  const TrainResult rf =
      fit(a, X, Y, {.epochs = 4, .batch_size = batch, .seed = 6, .optimizer = optimizer, .lr = 0.05,
                    .momentum = optimizer == std::string("sgd") ? 0.9 : 0.0});

  OptimizerOptions o;
  o.name = optimizer;
  o.lr = 0.05;
  o.momentum = optimizer == std::string("sgd") ? 0.9 : 0.0;
  auto opt = make_optimizer<T>(o);
  TrainOptions to;
  to.epochs = 4;
  to.batch_size = batch;
  to.seed = 6;
  const TrainResult rt = train(b, *opt, Dataset::regression(3, xs, 2, ys), nullptr, Scaler(), to);

  for (std::size_t k = 0; k < a.params().size(); ++k)
    EXPECT_EQ(a.params()[k]->value, b.params()[k]->value) << a.params()[k]->name();
  ASSERT_EQ(rf.epochs.size(), rt.epochs.size());
  for (std::size_t e = 0; e < rf.epochs.size(); ++e) EXPECT_EQ(rf.epochs[e].loss, rt.epochs[e].loss);
}

TEST(Fit, IsTheTrainerOnADataset) {
  for (std::size_t batch : {1u, 4u, 0u})
    for (const char* optimizer : {"sgd", "adam"})
      for (double dropout : {0.0, 0.3}) {
        SCOPED_TRACE(std::string(optimizer) + " batch " + std::to_string(batch) + " dropout " +
                     std::to_string(dropout));
        fit_equals_train<float>(batch, optimizer, dropout);
        fit_equals_train<double>(batch, optimizer, dropout);
      }
}

TEST(Fit, RefusesInconsistentShapesAndOptions) {
  Network<double> net({{.in = 2, .out = 1}}, Loss::kMse);
  const Matrix<double> x(3, 2), t(2, 1);
  EXPECT_THROW(fit(net, x, t, {}), UsageError);
  EXPECT_THROW(fit(net, Matrix<double>(3, 3), Matrix<double>(3, 1), {}), UsageError);
  EXPECT_THROW(fit(net, x, Matrix<double>(3, 1), {.epochs = 0}), UsageError);
  EXPECT_THROW(fit(net, x, Matrix<double>(3, 1), {.optimizer = "sgdx"}), UsageError);
  EXPECT_THROW(fit(net, x, Matrix<double>(3, 1), {.lr = -1}), UsageError);
}

}  // namespace
}  // namespace bp
