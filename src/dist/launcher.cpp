// launcher_group_size: what the launcher's environment says, with or without MPI in the build.
#include <cstdlib>
#include <string>

#include "backprop/dist/communicator.hpp"

namespace bp::dist {

std::size_t launcher_group_size() {
  // Open MPI's mpirun, then the PMI and PMIx variables of Slurm's srun and MPICH's Hydra.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"}) {
    const char* v = std::getenv(name);
    if (!v || !*v) continue;
    char* end = nullptr;
    const unsigned long n = std::strtoul(v, &end, 10);
    if (end && *end == '\0' && n > 0) return n;
  }
  return 0;
}

}  // namespace bp::dist
