// The CLI's subcommands. Each file cmd_<name>.cpp registers one subcommand on the app and sets the
// function that runs it; main() maps what it throws to exit codes.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace bp::cli {

/// What a registered subcommand does once the command line is parsed; returns the exit code.
using Run = std::function<int()>;

void register_explain(CLI::App& app, Run& run);
void register_gradcheck(CLI::App& app, Run& run);
void register_train(CLI::App& app, Run& run);
void register_evaluate(CLI::App& app, Run& run);
void register_predict(CLI::App& app, Run& run);
void register_errata(CLI::App& app, Run& run);
void register_plot(CLI::App& app, Run& run);
void register_summary(CLI::App& app, Run& run);
void register_export(CLI::App& app, Run& run);
void register_import(CLI::App& app, Run& run);

}  // namespace bp::cli
