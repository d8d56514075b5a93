// The deterministic sum behind data-parallel training (docs/distributed.md): a global batch is cut
// into chunks of a fixed number of samples, a cut that does not depend on the number of processes
// P. Each process computes the gradient of the chunks it owns (forward and backward through the
// normal Network path) and hands them here; reduce() rounds every chunk's gradient to integers on
// one fixed-point grid per tensor that every process derives from the same maximum, small enough
// that all sums stay integers below 2^53 (held exactly in doubles). Such sums are exact, so
// MPI_Allreduce may add in any order, and the mean gradient every
// process gets back has the same bits for any P: P only decides who computes which chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "backprop/dist/communicator.hpp"
#include "backprop/optim/optimizer.hpp"

namespace bp::dist {

/// The chunks [first, last) of a batch that one process computes.
struct ChunkRange {
  std::size_t first = 0, last = 0;
};

/// The chunk size when none is given: ceil(batch / 12), but at least 32 samples so that each
/// chunk's matrix products stay efficient, and at most the batch. A function of the batch alone,
/// never of the number of processes.
std::size_t default_chunk(std::size_t batch) noexcept;
/// Chunks of a batch of nb samples cut every `chunk` samples: ceil(nb / chunk).
std::size_t chunk_count(std::size_t nb, std::size_t chunk) noexcept;
/// Process `rank` of `size` owns a contiguous block of chunks; blocks differ by at most one chunk.
ChunkRange chunks_of(std::size_t chunks, int rank, int size) noexcept;

/// What reduce() found over the whole batch, the same on every process.
struct BatchTotals {
  double loss = 0;           ///< mean loss over the batch's samples
  std::size_t correct = 0;   ///< correctly classified samples in the batch
  bool stop = false;         ///< some process asked to stop (SIGINT, SIGTERM) before this step
  /// Not finite in some chunk: "" when all is finite, "loss" or the name of the tensor.
  std::string not_finite;
};

template <class T>
class ChunkedSum {
 public:
  /// For the parameters ps and batches of at most max_batch samples cut every `chunk` samples.
  /// Allocates everything reduce() needs: one copy of the gradients per chunk this process owns.
  ChunkedSum(ParamSpan<T> ps, Communicator& comm, std::size_t chunk, std::size_t max_batch);

  std::size_t chunk() const noexcept { return chunk_; }
  /// The chunks of a batch of nb samples that this process computes.
  ChunkRange mine(std::size_t nb) const noexcept;
  /// Records the gradients the parameters hold now as the k-th of this process's chunks of the
  /// batch (0-based within mine()), computed on n samples with mean loss `loss`.
  void add(std::size_t k, std::size_t n, double loss, std::size_t correct);
  /// Over every process: the mean gradient of the batch of nb samples into every parameter's
  /// grad (left untouched when not_finite is set), the batch's loss, correct count, and stop.
  BatchTotals reduce(std::size_t nb, bool stop);

 private:
  void find_scales(std::size_t held, BatchTotals& out);
  void quantize(std::size_t held);

  ParamSpan<T> ps_;
  Communicator& comm_;
  std::size_t chunk_, slots_, total_ = 0;
  int bits_;                            // each chunk's quantized |value| is at most 2^bits_
  std::vector<std::size_t> offset_;     // where each tensor starts in a chunk's copy
  std::vector<T> held_;                 // slots_ copies of every gradient, one after another
  std::vector<std::size_t> n_;          // samples of each held chunk
  std::vector<double> loss_;            // loss * samples of each held chunk
  std::size_t correct_ = 0;
  std::vector<double> chunk_max_;       // per held chunk and tensor: max |value * samples|
  std::vector<double> max_;             // per tensor, then the loss: max |value * samples|
  std::vector<int> exp_;                // per tensor, then the loss: the grid is 2^-exp
  std::vector<double> acc_;             // the fixed-point sums (integers), then loss, correct, stop
};

}  // namespace bp::dist
