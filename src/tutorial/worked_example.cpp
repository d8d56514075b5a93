// The seed's network, input and target, exactly as the seed states them.
#include "backprop/tutorial/worked_example.hpp"

#include "nn/dense_at.hpp"

namespace bp {

Network<double> seed_network() {
  Network<double> net;
  net.add({.in = 2, .out = 2, .activation = Activation::kSigmoid, .train_bias = false});
  net.add({.in = 2, .out = 2, .activation = Activation::kSigmoid, .train_bias = false});
  net.set_loss(Loss::kHalfSse);
  dense_at(net, 0).weights().assign(Matrix<double>(2, 2, {0.15, 0.20, 0.25, 0.30}));
  dense_at(net, 0).bias().assign(Matrix<double>(1, 2, {0.35, 0.35}));
  dense_at(net, 1).weights().assign(Matrix<double>(2, 2, {0.40, 0.45, 0.50, 0.55}));
  dense_at(net, 1).bias().assign(Matrix<double>(1, 2, {0.60, 0.60}));
  return net;
}

Matrix<double> seed_input() { return Matrix<double>(1, 2, {0.05, 0.10}); }
Matrix<double> seed_target() { return Matrix<double>(1, 2, {0.01, 0.99}); }

}  // namespace bp
