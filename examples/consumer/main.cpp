// A program that uses an installed backprop: trains a 2-2-1 network on XOR and prints the
// version it was built against and its four predictions (each within 0.2 of the target).
#include <cmath>
#include <cstdio>

#include <backprop/backprop.hpp>
#include <backprop/version.hpp>

int main() {
  bp::Network<double> net({{.in = 2, .out = 4, .activation = bp::Activation::kTanh},
                           {.in = 4, .out = 1, .activation = bp::Activation::kSigmoid}},
                          bp::Loss::kMse);
  bp::Matrix<double> x(4, 2), t(4, 1);
  const double xs[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
  for (std::size_t i = 0; i < 4; ++i) {
    x(i, 0) = xs[i][0];
    x(i, 1) = xs[i][1];
    t(i, 0) = (xs[i][0] != xs[i][1]) ? 1.0 : 0.0;
  }
  bp::init_uniform(net, 7);
  bp::fit(net, x, t, {.epochs = 4000, .batch_size = 4, .seed = 7, .optimizer = "sgd", .lr = 2.0});
  const bp::Matrix<double> y = net.predict(x);
  int wrong = 0;
  std::printf("backprop %s\n", BACKPROP_VERSION);
  for (std::size_t i = 0; i < 4; ++i) {
    std::printf("xor(%g, %g) = %.3f\n", x(i, 0), x(i, 1), y(i, 0));
    wrong += std::fabs(y(i, 0) - t(i, 0)) > 0.2;
  }
  return wrong == 0 ? 0 : 1;
}
