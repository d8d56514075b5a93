// Line charts as SVG, written by our own code (no plotting stack): axes with ticks, grid, axis
// labels with units, a legend. Each series keeps its values in data-x / data-y attributes and each
// chart its scale (data-x-min, ..., data-left, ...), so that a test can check what is drawn.
#pragma once

#include <string>
#include <vector>

#include "backprop/report/metrics_log.hpp"

namespace bp {

struct PlotSeries {
  std::string name;       ///< legend text, also data-series
  std::vector<double> x;  ///< NaN y values leave a gap
  std::vector<double> y;
  bool dashed = false;
};

struct PlotChart {
  std::string id;  ///< data-chart, e.g. "loss"
  std::string title;
  std::string x_label;
  std::string y_label;  ///< with the unit, e.g. "seconds per epoch (s)"
  std::vector<PlotSeries> series;
};

/// The charts stacked in one SVG element `width` pixels wide. standalone: with the XML prolog, for
/// a .svg file; otherwise for inlining in HTML.
/// s with & < > " written as XML entities: text and attribute values in SVG and HTML.
std::string xml_escape(const std::string& s);

std::string render_svg_charts(const std::vector<PlotChart>& charts, int width, bool standalone);

/// The charts of a metrics log: loss (train, validation), accuracy (train, validation) when the
/// run measured it, the learning rate and the time per epoch. Series without any value are left out.
std::vector<PlotChart> metrics_log_charts(const MetricsLog& log);

}  // namespace bp
