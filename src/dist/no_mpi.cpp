// The build without MPI: no group to join (launched under mpirun, the CLI says so and stops).
#include "backprop/dist/communicator.hpp"

namespace bp::dist {

bool built_with_mpi() noexcept { return false; }

std::unique_ptr<Communicator> join_launch_group() { return nullptr; }

}  // namespace bp::dist
