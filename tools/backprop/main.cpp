// backprop: the command-line tool. Parses flags, runs one subcommand, maps errors to exit codes.
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <new>

#include "backprop/core/error.hpp"
#include "build_info.hpp"
#include "commands.hpp"
#include "config/suggest.hpp"

namespace {

int fail(bp::ExitCode code, const char* what) {
  std::fprintf(stderr, "backprop: error: %s\n", what);
  return static_cast<int>(code);
}

}  // namespace

int main(int argc, char** argv) {
  // A file-size limit (ulimit -f) makes write() fail with EFBIG instead of killing the process,
  // so saving reports a clear I/O error and leaves the previous file intact.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"backprop: build, train, explain and check feed-forward neural networks"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("backprop ") + bp::cli::kVersion + " (git " +
                                       bp::cli::kGitRevision + ")");
  bp::cli::Run run;
  bp::cli::register_explain(app, run);
  bp::cli::register_gradcheck(app, run);
  bp::cli::register_train(app, run);
  bp::cli::register_evaluate(app, run);
  bp::cli::register_predict(app, run);
  bp::cli::register_errata(app, run);
  bp::cli::register_plot(app, run);
  bp::cli::register_summary(app, run);
  bp::cli::register_export(app, run);
  bp::cli::register_import(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // An unknown flag or command: name the nearest known one (config/suggest.hpp).
    const std::string unknown = bp::cli::unknown_argument_message(app, argc, argv);
    if (!unknown.empty()) return fail(bp::ExitCode::kUsage, unknown.c_str());
    std::string msg = e.what();
    msg += " (run 'backprop --help' for usage)";
    return fail(bp::ExitCode::kUsage, msg.c_str());
  }
  try {
    const int rc = run ? run() : 0;
    std::cout.flush();
    if (!std::cout) return fail(bp::ExitCode::kIo, "writing to standard output failed");
    return rc;
  } catch (const bp::Error& e) {
    return fail(e.code(), e.what());
  } catch (const std::bad_alloc&) {
    return fail(bp::ExitCode::kSoftware, "out of memory");
  } catch (const std::exception& e) {
    return fail(bp::ExitCode::kSoftware, e.what());
  }
}
