// Pictures of an explanation: a self-contained HTML page that steps through recorded updates
// (docs/explain.md, "The HTML page"), and a Graphviz graph with one record per neuron. Both are
// drawn from the same Explanation the text and JSON formats render, so they show the same numbers.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "backprop/tutorial/explain.hpp"

namespace bp {

/// The state after `step` online updates: the explanation of the next update (for the first
/// sample), E over all samples and the outputs for every sample.
struct ExplainStep {
  std::size_t step = 0;
  Explanation explanation;
  double loss = 0;         ///< what TrainingSummary reports for this step (e_before, e_after_*)
  Matrix<double> outputs;  ///< (N, O)
};

/// Which of the updates 0..steps a page records when it can hold `records` of them: every one if
/// they fit, else the first half of the budget consecutively (0, 1, 2, ...) and the rest spaced
/// evenly in log(step) up to `steps`, which is always recorded. Sorted, unique, starts at 0.
std::vector<std::size_t> explain_page_schedule(std::size_t steps, std::size_t records);

/// Trains a copy of `net` exactly as explain_training does (bp::sgd_step, one row at a time,
/// cycling through X) for the largest step in `record`, and explains the network at each step in
/// `record` (sorted). The losses and outputs are bit for bit those explain_training reports.
std::vector<ExplainStep> explain_trace(const Network<double>& net, const Matrix<double>& X, const Matrix<double>& T,
                                       const ExplainOptions& opts, UpdateOrder order,
                                       std::span<const std::size_t> record);

/// The most bytes a page may take (300 KB).
inline constexpr std::size_t kExplainPageMaxBytes = 300'000;

/// One self-contained HTML file (no external script, font or request) for `steps` updates of
/// `net` on (X, T): records as many steps as fit in kExplainPageMaxBytes (explain_page_schedule).
/// Throws UsageError when even the first explanation does not fit.
std::string render_explain_html(const Network<double>& net, const Matrix<double>& X, const Matrix<double>& T,
                                const ExplainOptions& opts, std::size_t steps, UpdateOrder order);

/// The page for an already recorded trace; `steps` is the number of updates it covers.
std::string render_explain_html(std::span<const ExplainStep> trace, std::size_t steps, UpdateOrder order);

/// Graphviz: one record {name | net | out | δ} per neuron, one node per input and for E_total, and
/// an edge per weight labelled with w and ∂E/∂w (coloured by sign, width by |w|).
std::string render_explain_dot(const Explanation& e);

}  // namespace bp
