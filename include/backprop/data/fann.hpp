// FANN training-data loader ("num_pairs num_input num_output", then inputs and outputs).
// Format details and errors: docs/data-formats.md.
#pragma once

#include <string>
#include <string_view>

#include "backprop/data/dataset.hpp"

namespace bp {

/// Loads a FANN .data file as a regression Dataset: I = num_input float32 features and
/// K = num_output float32 targets per pair. Numbers are read as one whitespace-separated
/// stream (line breaks are not significant), but errors name the line. For one-hot outputs
/// use one_hot_to_classes() (dataset.hpp) to get a classification Dataset.
/// Throws NoInputError when unreadable; DataError "path:line: expected ..., found ..." for a bad
/// header, a token that is not a number, NaN/Inf, too few or too many numbers.
Dataset load_fann(const std::string& path);

/// load_fann on the file's bytes already in memory; `name` stands for the path in messages.
Dataset load_fann_bytes(std::string_view bytes, const std::string& name);

}  // namespace bp
