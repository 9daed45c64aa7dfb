// Ranks under MPI (a build with DTSIM_MPI on): started only when mpirun launched the process.
#include <fmt/format.h>
#include <mpi.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "tools/dtsim/sweep/ranks.h"

namespace dtsim::cli::sweep {

namespace {

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw std::runtime_error(fmt::format("MPI: {} failed: {}", what, std::string(text, len)));
}

/** Waits for every rank without spinning (see ranks.h). */
void sleepy_barrier() {
  MPI_Request req;
  check(MPI_Ibarrier(MPI_COMM_WORLD, &req), "MPI_Ibarrier");
  for (int done = 0;;) {
    check(MPI_Test(&req, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

Ranks::Ranks() {
  if (!std::getenv("OMPI_COMM_WORLD_SIZE")) return;  // not launched by mpirun
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  mpi_ = true;
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
}

Ranks::~Ranks() {
  if (mpi_) MPI_Finalize();
}

bool Ranks::built_with_mpi() { return true; }
bool Ranks::launched_by_mpirun_without_mpi() { return false; }

std::vector<std::string> Ranks::gather(const std::string& mine) {
  if (!mpi_) return {mine};
  if (mine.size() > static_cast<size_t>(INT_MAX))
    throw std::runtime_error("MPI: a rank's rows exceed 2 GiB of JSON; use more ranks");
  sleepy_barrier();
  int len = static_cast<int>(mine.size());
  std::vector<int> lens(rank_ == 0 ? size_ : 0), offsets(lens.size());
  check(MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::string all;
  if (rank_ == 0) {
    size_t total = 0;
    for (int r = 0; r < size_; ++r) {
      if (total > static_cast<size_t>(INT_MAX - lens[r]))
        throw std::runtime_error("MPI: the gathered rows exceed 2 GiB of JSON");
      offsets[r] = static_cast<int>(total);
      total += static_cast<size_t>(lens[r]);
    }
    all.resize(total);
  }
  check(MPI_Gatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), offsets.data(), MPI_CHAR,
                    0, MPI_COMM_WORLD),
        "MPI_Gatherv");
  std::vector<std::string> parts;
  for (int r = 0; r < static_cast<int>(lens.size()); ++r)
    parts.push_back(all.substr(static_cast<size_t>(offsets[r]), static_cast<size_t>(lens[r])));
  return parts;
}

int Ranks::broadcast(int value) {
  if (!mpi_) return value;
  sleepy_barrier();
  check(MPI_Bcast(&value, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
  return value;
}

unsigned Ranks::local_size() const {
  const char* n = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  return mpi_ && n && std::atoi(n) > 0 ? static_cast<unsigned>(std::atoi(n)) : 1u;
}

}  // namespace dtsim::cli::sweep
