// The CLI's side of data-parallel training (train_group.hpp).
#include "train_group.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "backprop/core/error.hpp"

namespace bp::cli {

std::unique_ptr<dist::Communicator> join_train_group(const ConfigFlags& flags) {
  const std::size_t launched = dist::launcher_group_size();
  if (launched > 1 && !dist::built_with_mpi())
    throw UsageError("started by an MPI launcher as one of " + std::to_string(launched) +
                     " processes, but this backprop was built without MPI (rebuild with libopenmpi-dev installed, "
                     "docs/distributed.md); expected 1 process, got " + std::to_string(launched));
  if (launched == 1 && !dist::built_with_mpi())
    std::fprintf(stderr, "backprop train: started by an MPI launcher, but this build has no MPI: training as one plain process\n");
  auto g = dist::join_launch_group();
  if (!g && flags.given("mpi_chunk"))
    flags.fail("mpi_chunk", std::string("applies only to a run under mpirun") +
                                (dist::built_with_mpi() ? "" : " (and this build has no MPI)") +
                                "; expected no --mpi-chunk in a single process");
  return g;
}

void share_key(dist::Communicator& g, nlohmann::ordered_json& cfg, const std::string& key) {
  std::string text = cfg[key].dump();
  g.broadcast(text);
  cfg[key] = nlohmann::ordered_json::parse(text);
}

namespace {

std::string shown(const nlohmann::ordered_json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  return s.size() > 200 ? s.substr(0, 200) + "..." : s;
}

}  // namespace

void agree(dist::Communicator& g, const nlohmann::ordered_json& fields) {
  std::string text = fields.dump();
  g.broadcast(text);
  const auto root = nlohmann::ordered_json::parse(text);
  std::string diff;
  for (const auto& [name, value] : fields.items()) {
    const bool same = root.contains(name) && root[name] == value;
    if (!same) {
      diff = "process " + std::to_string(g.rank()) + " of " + std::to_string(g.size()) +
             " differs from process 0 in its " + name + ": expected " +
             (root.contains(name) ? shown(root[name]) : std::string("(none)")) + " as on process 0, got " + shown(value);
      break;
    }
  }
  std::vector<double> who{diff.empty() ? 0.0 : double(g.rank() + 1)};
  g.max(who);
  if (who[0] == 0) return;
  if (double(g.rank() + 1) != who[0]) std::freopen("/dev/null", "w", stderr);  // one line, from the process that differs
  throw GroupError(diff.empty() ? "the processes of this MPI run disagree" : diff);
}

nlohmann::ordered_json agreed_config(const nlohmann::ordered_json& cfg) {
  nlohmann::ordered_json fields = {{"build", build_id()}};
  for (const auto& [key, value] : cfg.items()) {
    if (key == "threads" || key == "verbose") continue;  // this process's own business
    std::string flag = "--" + key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    fields[flag] = value;
  }
  return fields;
}

void quiet_unless_rank0(const dist::Communicator& g) {
  if (g.rank() != 0) std::freopen("/dev/null", "w", stderr);
}

std::string build_id() {
  return std::string("backprop 0.1.0, g++ ") + __VERSION__ + (dist::built_with_mpi() ? ", MPI" : "");
}

}  // namespace bp::cli
