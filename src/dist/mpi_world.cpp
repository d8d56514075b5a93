// The MPI implementation of Communicator: MPI_COMM_WORLD with errors returned, not fatal, so a
// failed collective becomes one line and exit code 69 (GroupError) instead of an abort banner.
#include <mpi.h>

#include <exception>
#include <string>

#include "backprop/core/error.hpp"
#include "backprop/dist/communicator.hpp"

namespace bp::dist {

namespace {

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw GroupError(std::string("MPI ") + what + " failed (" + std::string(text, std::size_t(len)) +
                   "); another process of the run has probably ended");
}

int count(std::size_t n) {
  if (n > std::size_t(INT32_MAX)) throw GroupError("an MPI message of more than 2^31 elements");
  return static_cast<int>(n);
}

class MpiWorld final : public Communicator {
 public:
  MpiWorld() {
    int ready = 0;
    MPI_Initialized(&ready);
    if (!ready) check(MPI_Init(nullptr, nullptr), "MPI_Init");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  // Finalizes only on the way out of a run that went well: MPI_Finalize waits for every process,
  // and after an error on this process alone the others may never get there. Exiting without it
  // makes mpirun end the whole job (docs/distributed.md).
  ~MpiWorld() override {
    if (std::uncaught_exceptions() > 0) return;
    int done = 0;
    MPI_Finalized(&done);
    if (!done) MPI_Finalize();
  }
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  int rank() const noexcept override { return rank_; }
  int size() const noexcept override { return size_; }

  void max(std::span<double> v) override {
    check(MPI_Allreduce(MPI_IN_PLACE, v.data(), count(v.size()), MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD),
          "MPI_Allreduce(MAX)");
  }
  void sum(std::span<double> v) override {
    check(MPI_Allreduce(MPI_IN_PLACE, v.data(), count(v.size()), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce(SUM)");
  }
  void sum_float(std::span<float> v) override {
    check(MPI_Allreduce(MPI_IN_PLACE, v.data(), count(v.size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce(SUM)");
  }
  void broadcast(std::string& s) override {
    unsigned long long n = s.size();
    check(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD), "MPI_Bcast");
    s.resize(n);
    check(MPI_Bcast(s.data(), count(n), MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Bcast");
  }

 private:
  int rank_ = 0, size_ = 1;
};

}  // namespace

bool built_with_mpi() noexcept { return true; }

std::unique_ptr<Communicator> join_launch_group() {
  if (launcher_group_size() == 0) return nullptr;
  return std::make_unique<MpiWorld>();
}

}  // namespace bp::dist
