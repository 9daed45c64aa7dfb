// Ranks without MPI (a build with DTSIM_MPI off): this process alone.
#include <cstdlib>

#include "tools/dtsim/sweep/ranks.h"

namespace dtsim::cli::sweep {

Ranks::Ranks() = default;
Ranks::~Ranks() = default;
bool Ranks::built_with_mpi() { return false; }
bool Ranks::launched_by_mpirun_without_mpi() {
  const char* n = std::getenv("OMPI_COMM_WORLD_SIZE");
  return n && std::atoi(n) > 1;
}
std::vector<std::string> Ranks::gather(const std::string& mine) { return {mine}; }
int Ranks::broadcast(int value) { return value; }

unsigned Ranks::local_size() const { return 1; }

}  // namespace dtsim::cli::sweep
