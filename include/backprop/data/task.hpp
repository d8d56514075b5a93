// Which task a label column asks for: class labels (integers or strings) or real-valued targets.
// The rule of `--task auto` (README "Command line"); scikit-learn's type_of_target draws the same
// line between "multiclass" and "continuous".
#pragma once

#include <optional>
#include <string>

#include "backprop/data/dataset.hpp"

namespace bp {

/// For classification data read with every distinct label kept as a class name: when every class
/// name is a finite number and at least one of them is not an integer (0.25, 1e-3; "2.0" is an
/// integer), the labels are real-valued targets and the first such name is returned; otherwise
/// nullopt (integer or string labels: classes). Regression data gives nullopt.
std::optional<std::string> real_valued_label(const Dataset& data);

/// Classification data whose class names are all numbers, as regression data with one target per
/// sample: the number its label names. Features are kept as they are. Throws DataError naming the
/// first class name that is not a finite number, UsageError for regression data.
Dataset labels_to_regression(const Dataset& data);

}  // namespace bp
