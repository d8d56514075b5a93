// Umbrella header: everything in the backprop library.
#pragma once

#include "backprop/activation.hpp"
#include "backprop/atomic_file.hpp"
#include "backprop/dense.hpp"
#include "backprop/error.hpp"
#include "backprop/gradcheck.hpp"
#include "backprop/init.hpp"
#include "backprop/loss.hpp"
#include "backprop/matrix.hpp"
#include "backprop/model.hpp"
#include "backprop/network.hpp"
#include "backprop/seed.hpp"
#include "backprop/sgd.hpp"
