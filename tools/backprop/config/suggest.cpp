// Edit distance and the "did you mean" messages for unknown flags and subcommands.
#include "config/suggest.hpp"

#include <algorithm>
#include <numeric>

#include <CLI/CLI.hpp>

namespace bp::cli {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment: Levenshtein plus the swap of two neighbouring characters.
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  std::iota(prev.begin(), prev.end(), std::size_t{0});
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[m];
}

std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::min<std::size_t>(2, (word.size() + 1) / 2);  // "lr" -> "ls": not a slip
  for (const auto& c : candidates) {
    if (c.empty()) continue;
    const std::size_t d = edit_distance(word, c);
    if (d <= best_d && (best.empty() || d < best_d)) {
      best = c;
      best_d = d;
    }
  }
  return best;
}

namespace {

std::vector<std::string> long_flags(const CLI::App& cmd) {
  std::vector<std::string> out;
  for (const CLI::Option* o : cmd.get_options())
    for (const auto& n : o->get_lnames()) out.push_back("--" + n);
  return out;
}

const CLI::App* find_subcommand(const CLI::App& app, const std::string& name) {
  for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; }))
    if (s->get_name() == name) return s;
  return nullptr;
}

}  // namespace

std::string unknown_argument_message(const CLI::App& app, int argc, const char* const* argv) {
  std::vector<std::string> subs;
  for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; })) subs.push_back(s->get_name());
  const CLI::App* cmd = nullptr;
  int i = 1;
  for (; i < argc && !cmd; ++i) cmd = find_subcommand(app, argv[i]);
  if (!cmd) {  // a misspelt subcommand: the first word that is not a flag
    for (int j = 1; j < argc; ++j) {
      const std::string w = argv[j];
      if (w.rfind("-", 0) == 0) continue;
      const std::string near = nearest(w, subs);
      return "unknown command '" + w + "'" + (near.empty() ? "" : "; did you mean '" + near + "'?") +
             " (run 'backprop --help' for the commands)";
    }
    return "";
  }
  const std::vector<std::string> known = long_flags(*cmd);
  const std::string help = " (run 'backprop " + cmd->get_name() + " --help' for its flags)";
  for (; i < argc; ++i) {
    std::string w = argv[i];
    if (w == "--") break;
    if (w.rfind("--", 0) != 0 || w.size() == 2) continue;
    w = w.substr(0, w.find('='));
    if (std::find(known.begin(), known.end(), w) != known.end()) continue;
    const std::string near = nearest(w, known);
    return "unknown flag " + w + " for '" + cmd->get_name() + "'" +
           (near.empty() ? "" : "; did you mean " + near + "?") + help;
  }
  return "";
}

}  // namespace bp::cli
