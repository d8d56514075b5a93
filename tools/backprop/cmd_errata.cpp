// `backprop errata`: every number the seed prints, what its equations give, and for the errata the
// computation that reproduces the printed value (bp::seed_values; write-up in docs/seed-errata.md).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "backprop/tutorial/errata.hpp"
#include "commands.hpp"
#include "train_config.hpp"

namespace bp::cli {

namespace {

// cfg: the values of errata_schema().
int run_errata(const nlohmann::ordered_json& cfg) {
  const ErrataFormat format = parse_errata_format(cfg["format"].get<std::string>());
  std::vector<SeedValue> values = seed_values();
  if (cfg["only_errata"].get<bool>())
    std::erase_if(values, [](const SeedValue& v) { return v.status == SeedStatus::kMatches; });
  const std::string out = render_seed_errata(values, seed_notation_slips(), format);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

void register_errata(CLI::App& app, Run& run) {
  CLI::App* cmd = app.add_subcommand(
      "errata", "List every number the seed prints against what its equations give, and how each "
                "erratum's printed value was really computed (docs/seed-errata.md)");
  auto flags = std::make_shared<ConfigFlags>(cmd, errata_schema());
  cmd->callback([&run, flags] { run = [flags] { return run_errata(flags->resolve("")); }; });
}

}  // namespace bp::cli
