// The report of a training run or an evaluation as one self-contained HTML file (no script, no
// external request): the resolved configuration, the network summary, loss and accuracy per epoch
// for train and validation, the learning rate and time per epoch (as SVG charts and a table), the
// test metrics, a confusion-matrix heat map with class names, and per-class precision, recall and
// F1. It shows only what it is given: values of the model, the run's history or the evaluation.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "backprop/nn/layer.hpp"
#include "backprop/train/metrics.hpp"
#include "backprop/nn/network.hpp"
#include "backprop/nn/summary.hpp"
#include "backprop/report/metrics_log.hpp"

namespace bp {

struct ClassReport {
  std::string name;
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  std::uint64_t support = 0;
};

struct RunReport {
  std::string title;            ///< e.g. "Training run: blobs.csv"
  std::string config_json;      ///< the resolved configuration; empty: no such section
  std::string network_summary;  ///< a text table of the layers; empty: no such section
  MetricsLog history;           ///< per epoch; no rows: no training section
  std::string test_what;        ///< e.g. "test.csv, 300 samples"
  std::vector<std::pair<std::string, double>> test_metrics;  ///< in the order shown
  std::vector<std::string> class_names;                      ///< C names; empty for regression
  std::vector<std::uint64_t> confusion;                      ///< C x C, [true * C + predicted]
  std::vector<ClassReport> classes;                          ///< per class, in class order
};

/// Fills class_names, confusion and classes from evaluated metrics; `names` may be empty
/// (then "0", "1", ...).
template <class T>
void set_classification(RunReport& r, const ClassificationMetrics<T>& m, const std::vector<std::string>& names) {
  r.class_names.clear();
  r.classes.clear();
  for (std::size_t c = 0; c < m.classes(); ++c) {
    r.class_names.push_back(c < names.size() ? names[c] : std::to_string(c));
    r.classes.push_back({r.class_names.back(), m.precision(c), m.recall(c), m.f1(c), m.support(c)});
  }
  r.confusion = m.confusion();
}

/// The layers as `backprop summary` prints them (summarize), then the loss.
template <class T>
std::string network_summary(const Network<T>& net) {
  return summarize(net, "network") + "Loss: " + std::string(loss_name(net.loss())) + "\n";
}

std::string render_run_report(const RunReport& r);

}  // namespace bp
