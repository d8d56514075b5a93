// `backprop train` under mpirun (docs/distributed.md): joining the launch group, the start-up
// agreement of every process, and which process speaks.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "backprop/dist/communicator.hpp"
#include "train_config.hpp"

namespace bp::cli {

/// The group this process was launched in; null for a plain run. Refuses (UsageError) a build
/// without MPI launched as one of several processes, and --mpi-chunk outside a group.
std::unique_ptr<dist::Communicator> join_train_group(const ConfigFlags& flags);

/// Rank 0's value of cfg[key] on every process (e.g. a seed drawn at random).
void share_key(dist::Communicator& g, nlohmann::ordered_json& cfg, const std::string& key);

/// Every process's `fields` (name -> value) must equal rank 0's. Otherwise every process throws
/// GroupError, and one line names the first difference: the process that differs prints it,
/// the others stay silent.
void agree(dist::Communicator& g, const nlohmann::ordered_json& fields);

/// The fields agree() compares at start-up: the build and every config key but --threads and
/// --verbose (each process may use its own), under its flag's name.
nlohmann::ordered_json agreed_config(const nlohmann::ordered_json& cfg);

/// From here on, processes other than rank 0 print nothing on stderr: everything they would say
/// (a divergence, the progress) rank 0 says for all, with the same figures.
void quiet_unless_rank0(const dist::Communicator& g);

/// "backprop 0.1.0, g++ 12.2.0, MPI": what must be the same on every process.
std::string build_id();

}  // namespace bp::cli
