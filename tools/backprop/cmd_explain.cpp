#include "commands.hpp"
namespace bp::cli {
void register_explain(CLI::App& app, Run& run) { (void)app; (void)run; }
}  // namespace bp::cli
