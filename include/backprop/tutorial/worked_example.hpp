// The seed's worked example (docs/tutorial/worked-example.txt): a 2-2-2 sigmoid network.
#pragma once

#include "backprop/core/matrix.hpp"
#include "backprop/nn/network.hpp"

namespace bp {

/// The seed's network: w1..w4 = 0.15, 0.20, 0.25, 0.30 (x1,x2 -> H1; x1,x2 -> H2),
/// w5..w8 = 0.40, 0.45, 0.50, 0.55 (H1,H2 -> y1; H1,H2 -> y2), b1 = 0.35, b2 = 0.60 (frozen:
/// the seed never updates them), sigmoid activations, loss E_total = sum 1/2 (T - y_final)^2.
Network<double> seed_network();
/// x1 = 0.05, x2 = 0.10, as a (1, 2) batch.
Matrix<double> seed_input();
/// T1 = 0.01, T2 = 0.99, as a (1, 2) batch.
Matrix<double> seed_target();
/// The seed's learning rate, eta = 0.5.
inline constexpr double kSeedLearningRate = 0.5;

}  // namespace bp
