// The group of processes that train one model together (data parallelism, docs/distributed.md).
// The trainer sees only this interface; the MPI implementation lives in src/dist/mpi_world.cpp
// and is compiled in when the build has MPI (CMake option BACKPROP_MPI).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace bp::dist {

/// Every process of the group calls each collective below in the same order with the same sizes.
/// A failed collective (a peer gone) throws GroupError (core/error.hpp).
class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const noexcept = 0;  ///< 0 .. size() - 1
  virtual int size() const noexcept = 0;
  /// Element-wise maximum over every process, in place. Exact, so the same in any order.
  virtual void max(std::span<double> v) = 0;
  /// Element-wise sum over every process, in place, of doubles that hold integers and whose
  /// partial sums all stay within 2^53 (the caller's bound): every addition is then exact, so the
  /// result has the same bits whatever order the library adds in.
  virtual void sum(std::span<double> v) = 0;
  /// Element-wise float sum (MPI_Allreduce SUM): NOT the same bits for every order or process
  /// count. Used only by the benchmark that prices the exact sum against it.
  virtual void sum_float(std::span<float> v) = 0;
  /// Rank 0's value of s, on every process.
  virtual void broadcast(std::string& s) = 0;
};

/// What launched this process: the size of its launch group as the launcher's environment tells
/// it (OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_SIZE... set by mpirun, srun), 0 when no launcher.
std::size_t launcher_group_size();

/// True when this build has MPI (BACKPROP_MPI).
bool built_with_mpi() noexcept;

/// The group this process was launched in, when a launcher started it and the build has MPI;
/// null otherwise. Initialises MPI; the communicator's destructor finalises it. Call once.
std::unique_ptr<Communicator> join_launch_group();

}  // namespace bp::dist
