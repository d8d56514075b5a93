// `backprop errata`: every number the seed prints, what its equations give, and for the errata the
// computation that reproduces the printed value (bp::seed_values; write-up in docs/seed-errata.md).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "backprop/seed_errata.hpp"
#include "commands.hpp"

namespace bp::cli {

namespace {

struct ErrataArgs {
  std::string format = "text";
  bool only_errata = false;
};

int run_errata(const ErrataArgs& args) {
  const ErrataFormat format = parse_errata_format(args.format);
  std::vector<SeedValue> values = seed_values();
  if (args.only_errata) std::erase_if(values, [](const SeedValue& v) { return v.status == SeedStatus::kMatches; });
  const std::string out = render_seed_errata(values, seed_notation_slips(), format);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

void register_errata(CLI::App& app, Run& run) {
  auto args = std::make_shared<ErrataArgs>();
  CLI::App* cmd = app.add_subcommand(
      "errata", "List every number the seed prints against what its equations give, and how each "
                "erratum's printed value was really computed (docs/seed-errata.md)");
  cmd->add_option("--format", args->format, "Output format: text, markdown, json")->capture_default_str();
  cmd->add_flag("--only-errata", args->only_errata, "Leave out the numbers that match the equations");
  cmd->callback([&run, args] { run = [args] { return run_errata(*args); }; });
}

}  // namespace bp::cli
