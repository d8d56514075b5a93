// Exception types thrown at the library's boundaries, each tied to one documented exit code.
// The library never exits or aborts: only the CLI's main() turns an Error into an exit status.
#pragma once

#include <stdexcept>
#include <string>

namespace bp {

/// Exit codes of the `backprop` CLI (sysexits.h where one fits). Documented in README.md.
enum class ExitCode : int {
  kOk = 0,
  kDiverged = 1,      ///< training produced a non-finite loss or gradient
  kUsage = 64,        ///< bad flag, bad value, inconsistent network description
  kData = 65,         ///< malformed input data or model file
  kNoInput = 66,      ///< input file missing or unreadable
  kGroup = 69,        ///< another process of an MPI run failed or disagrees (docs/distributed.md)
  kSoftware = 70,     ///< internal error (a bug)
  kCantCreate = 73,   ///< output file cannot be created
  kIo = 74,           ///< write failed (disk full, I/O error)
  kConfig = 78,       ///< bad configuration file
};

/// Base of every exception the library throws on purpose.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& what) : std::runtime_error(what), code_(code) {}
  ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

/// An argument or option out of range, or shapes that do not fit ("expected X, got Y").
struct UsageError : Error {
  explicit UsageError(const std::string& w) : Error(ExitCode::kUsage, w) {}
};
/// A tensor or layer whose shape does not fit where it is put ("dense_1.w is 3x4, got 1x2"); a
/// UsageError, so the CLI reports it with exit code 64.
struct ShapeError : UsageError {
  explicit ShapeError(const std::string& w) : UsageError(w) {}
};
/// Malformed data or model content. Messages name the file and the line or byte offset.
struct DataError : Error {
  explicit DataError(const std::string& w) : Error(ExitCode::kData, w) {}
};
/// A file that does not exist or cannot be opened for reading.
struct NoInputError : Error {
  explicit NoInputError(const std::string& w) : Error(ExitCode::kNoInput, w) {}
};
/// A configuration file that is not valid (bad JSON, unknown key, wrong type).
struct ConfigError : Error {
  explicit ConfigError(const std::string& w) : Error(ExitCode::kConfig, w) {}
};
/// An output file cannot be created (missing directory, no permission).
struct CantCreateError : Error {
  explicit CantCreateError(const std::string& w) : Error(ExitCode::kCantCreate, w) {}
};
/// Writing an output failed.
struct IoError : Error {
  explicit IoError(const std::string& w) : Error(ExitCode::kIo, w) {}
};
/// A process group (MPI) cannot go on: a peer is gone, or the processes disagree.
struct GroupError : Error {
  explicit GroupError(const std::string& w) : Error(ExitCode::kGroup, w) {}
};
/// Training produced a non-finite value.
struct DivergenceError : Error {
  explicit DivergenceError(const std::string& w) : Error(ExitCode::kDiverged, w) {}
};

}  // namespace bp

// Internal invariant check: on in Debug builds and in tests (BP_ENABLE_ASSERTS), free otherwise.
#if !defined(NDEBUG) || defined(BP_ENABLE_ASSERTS)
#include <cstdio>
#include <cstdlib>
#define BP_ASSERT(cond)                                                              \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "backprop: internal error: %s:%d: assertion '%s' failed\n", \
                   __FILE__, __LINE__, #cond);                                       \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)
#else
#define BP_ASSERT(cond) ((void)0)
#endif
