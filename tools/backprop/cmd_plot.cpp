// `backprop plot LOG.csv -o curves.svg`: the curves of a --metrics-log (loss and accuracy for
// train and validation, learning rate, time per epoch) as one SVG, for a run still going or one
// made without --report. No plotting stack: the SVG is ours (src/report/svg_plot.cpp).
#include <cstdio>
#include <memory>
#include <string>

#include "backprop/io/atomic_file.hpp"
#include "backprop/core/error.hpp"
#include "backprop/report/svg_plot.hpp"
#include "commands.hpp"

namespace bp::cli {

namespace {

struct PlotArgs {
  std::string log;
  std::string output;  // empty or "-": stdout
  int width = 760;
};

int run_plot(const PlotArgs& args) {
  if (args.width < 320 || args.width > 4000)
    throw UsageError("--width " + std::to_string(args.width) + "; expected 320 to 4000 pixels");
  const MetricsLog log = read_metrics_log(args.log);
  const std::string svg = render_svg_charts(metrics_log_charts(log), args.width, true);
  if (args.output.empty() || args.output == "-") {
    std::fwrite(svg.data(), 1, svg.size(), stdout);
  } else {
    write_file_atomically(args.output, {reinterpret_cast<const unsigned char*>(svg.data()), svg.size()});
    std::fprintf(stderr, "%zu epochs plotted to %s\n", log.rows.size(), args.output.c_str());
  }
  return 0;
}

}  // namespace

void register_plot(CLI::App& app, Run& run) {
  auto args = std::make_shared<PlotArgs>();
  CLI::App* cmd = app.add_subcommand(
      "plot", "Draw a --metrics-log CSV as SVG curves: loss and accuracy (train, validation), learning rate, "
              "time per epoch");
  cmd->add_option("log", args->log, "The CSV written by train --metrics-log")->required();
  cmd->add_option("-o,--output", args->output, "SVG file to write (default: standard output)");
  cmd->add_option("--width", args->width, "Width in pixels")->capture_default_str();
  cmd->callback([&run, args] { run = [args] { return run_plot(*args); }; });
}

}  // namespace bp::cli
