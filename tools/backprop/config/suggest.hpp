// "Did you mean": the nearest known word to a misspelt flag, config key, value or subcommand.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace bp::cli {

/// Edits (insert, delete, substitute, swap two neighbours) that turn a into b.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate nearest to `word` if it is near enough to be a slip (at most 2 edits, and
/// fewer than half the word), else "". Ties go to the first candidate.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);

/// For a command line CLI11 refused with extra arguments: a one-line message naming the first
/// unknown flag (or subcommand) and the nearest known one. Empty when there is no such token.
std::string unknown_argument_message(const CLI::App& app, int argc, const char* const* argv);

}  // namespace bp::cli
