// NumPy's .npz: a network's weights for numpy.load.
#pragma once

#include <string>

#include "backprop/nn/network.hpp"

namespace bp {

/// An uncompressed .npz (a zip of .npy files) holding every param and buffer of `net` under its
/// name ("dense_1.w", "conv2d_1.b", "batchnorm2d_1.running_mean"), as float32 arrays of the
/// Param's (rows, cols) shape: dense w (out, in) and b (1, out); conv2d w (filters, C·kh·kw) in
/// (C, kh, kw) order and b (1, filters); batch norm (1, C). Deterministic (zip times are 1980-01-01).
template <class T>
std::string model_to_npz(const Network<T>& net);

}  // namespace bp
