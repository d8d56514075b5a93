// Loading datasets from the CLI's data keys (format detection, the fashion-mnist shortcut).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backprop/data/dataset.hpp"

namespace bp::cli {

/// Where Debian's dataset-fashion-mnist package puts the files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// A missing or unreadable file is NoInputError (exit 66) before its name or format is judged.
void require_readable(const std::string& path);

/// Resolves the `dataset` shortcut: fills train/test paths for "fashion-mnist". Throws UsageError
/// for an unknown dataset name.
void resolve_dataset_shortcut(nlohmann::ordered_json& cfg);

/// Loads `path` (and `labels` for IDX/NPY) in the format given by cfg["format"] ("auto": by file
/// name), with the CSV and task keys of cfg. class_names, when not empty, fixes the label mapping
/// (a test set must use the training set's). model, when given, is a trained model's columns: a
/// CSV with a header is then matched by its names (features in any order, extra columns ignored,
/// the label by the model's label column unless cfg gives label_column), one without by position.
Dataset load_dataset(const nlohmann::ordered_json& cfg, const std::string& path, const std::string& labels,
                     const std::vector<std::string>& class_names, const ColumnNames* model = nullptr);

/// Features without labels, for `predict`: `width` features per sample are expected. A CSV with a
/// header is matched by the model's feature names (when it has them); otherwise a row may carry
/// one extra column (the label, at the model's label index or last, ignored). IDX needs only the
/// images file; NPY only the features array; FANN files give their inputs. The result's targets
/// are empty (width 0).
Dataset load_features(const nlohmann::ordered_json& cfg, const std::string& path, std::size_t width,
                      const ColumnNames& model = {});

}  // namespace bp::cli
