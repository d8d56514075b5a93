// The recorded steps of an explain page: the network explained after 0, 1, ..., N online updates.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backprop/core/error.hpp"
#include "backprop/tutorial/explain_page.hpp"

namespace bp {

std::vector<std::size_t> explain_page_schedule(std::size_t steps, std::size_t records) {
  std::vector<std::size_t> out;
  if (records < 2 || steps == 0) {
    out.push_back(0);
    if (steps > 0 && records >= 2) out.push_back(steps);
    return out;
  }
  if (steps + 1 <= records) {
    for (std::size_t k = 0; k <= steps; ++k) out.push_back(k);
    return out;
  }
  const std::size_t dense = records / 2;  // 0 .. dense-1, then log-spaced from dense to steps
  for (std::size_t k = 0; k < dense; ++k) out.push_back(k);
  const std::size_t m = records - dense;
  const double lo = std::log(static_cast<double>(dense)), hi = std::log(static_cast<double>(steps));
  for (std::size_t i = 1; i <= m; ++i) {
    const double f = static_cast<double>(i) / static_cast<double>(m);
    auto k = static_cast<std::size_t>(std::llround(std::exp(lo + (hi - lo) * f)));
    k = std::min(std::max(k, out.back() + 1), steps);
    if (k > out.back()) out.push_back(k);
  }
  if (out.back() != steps) out.push_back(steps);
  return out;
}

std::vector<ExplainStep> explain_trace(const Network<double>& net_in, const Matrix<double>& X, const Matrix<double>& T,
                                       const ExplainOptions& opts, UpdateOrder order,
                                       std::span<const std::size_t> record) {
  if (X.rows() == 0 || X.rows() != T.rows())
    throw UsageError("explain: " + std::to_string(X.rows()) + " samples but " + std::to_string(T.rows()) + " targets");
  if (!std::is_sorted(record.begin(), record.end()))
    throw UsageError("explain: the steps to record are not sorted");
  const SgdOptions sgd{opts.lr, order};
  sgd.validate();
  // The same sequence of operations as explain_training, so that the losses are the same bits.
  Network<double> net = net_in;
  net.set_training(false);
  std::vector<ExplainStep> out;
  out.reserve(record.size());
  Matrix<double> xr(1, X.cols()), tr(1, T.cols());
  std::size_t done = 0;
  for (std::size_t want : record) {
    for (; done < want; ++done) {
      const std::size_t n = done % X.rows();
      for (std::size_t i = 0; i < X.cols(); ++i) xr[i] = X(n, i);
      for (std::size_t o = 0; o < T.cols(); ++o) tr[o] = T(n, o);
      sgd_step(net, xr, tr, sgd);
    }
    ExplainStep s;
    s.step = want;
    net.forward(X);
    s.loss = net.loss_value(T);
    s.outputs = net.output();
    s.explanation = explain(net, X.row(0), T.row(0), opts);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace bp
