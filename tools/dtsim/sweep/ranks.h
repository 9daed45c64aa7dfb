#pragma once
/**
 * The processes a sweep runs on: under `mpirun -np N dtsim sweep ...` (a build with DTSIM_MPI,
 * Open MPI), N ranks; otherwise this process alone (rank 0 of 1). MPI is started only when
 * mpirun launched the process (Open MPI's OMPI_COMM_WORLD_SIZE is set), so a plain `dtsim sweep`
 * never touches MPI, and a build without MPI runs every rank as a whole sweep of its own.
 *
 *     Ranks ranks;                                  // MPI_Init under mpirun
 *     auto all = ranks.gather(my_rows);             // rank 0: every rank's text, in rank order
 *     int ok = ranks.broadcast(rank0_status);       // everyone: rank 0's value
 *                                                   // ~Ranks: MPI_Finalize
 *
 * Waiting ranks sleep (a non-blocking barrier polled every 10 ms) rather than spin, so ranks
 * oversubscribed on few cores do not slow the ones still working.
 * Errors: std::runtime_error when MPI fails (MPI's own message).
 */
#include <string>
#include <vector>

namespace dtsim::cli::sweep {

class Ranks {
 public:
  Ranks();
  ~Ranks();
  Ranks(const Ranks&) = delete;
  Ranks& operator=(const Ranks&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  /** Ranks on this machine (Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE; 1 without mpirun). */
  unsigned local_size() const;
  /** True when dtsim was built with MPI (DTSIM_MPI). */
  static bool built_with_mpi();
  /** True when mpirun started this process with more than one rank, but dtsim was built
   *  without MPI: each rank would run the whole sweep alone. */
  static bool launched_by_mpirun_without_mpi();

  /** Collective: rank 0 gets every rank's `mine`, in rank order; the others get nothing. */
  std::vector<std::string> gather(const std::string& mine);
  /** Collective: rank 0's `value`, on every rank. */
  int broadcast(int value);

 private:
  int rank_ = 0, size_ = 1;
  bool mpi_ = false;
};

}  // namespace dtsim::cli::sweep
