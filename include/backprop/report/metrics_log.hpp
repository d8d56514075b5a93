// The metrics log a training run writes with --metrics-log (docs/file-formats.md): a CSV with the
// header epoch,lr,loss,accuracy,val_loss,val_accuracy,seconds and one row per epoch; an empty
// field is a value the run did not measure. Read back for `backprop plot` and the run report.
#pragma once

#include <string>
#include <vector>

#include "backprop/train/trainer.hpp"

namespace bp {

struct MetricsLog {
  std::vector<std::string> columns;       ///< the header's names, in order; "epoch" among them
  std::vector<std::vector<double>> rows;  ///< one per epoch, one value per column; NaN where empty
  /// The values of one column (empty when there is no such column).
  std::vector<double> column(const std::string& name) const;
};

/// Reads a metrics log. A last line without its newline is a row still being written and is
/// skipped. NoInputError when the file cannot be opened; DataError naming the file and line for a
/// header without "epoch", a row with the wrong number of fields, a field that is not a number, or
/// a log with no rows.
MetricsLog read_metrics_log(const std::string& path);

/// The same table from a run's history (what train --report draws).
MetricsLog metrics_log_from_history(const std::vector<EpochStats>& history);

}  // namespace bp
