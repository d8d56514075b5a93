// The SGD update rule, element by element (torch.optim.SGD; see include/backprop/optim/sgd.hpp),
// shared by Sgd::update (one pass over each tensor after backward) and the fused SGD step of the
// trainer (applied to each tile of dw in sgemm's epilogue, src/kernels/gemm.cpp, while the tile
// is in registers/L1). Internal; callers check shapes.
//
// Every element is computed by the same formulas in the same order as sgd_update_ref (the
// library is built with -ffp-contract=off), so every version here is bit-identical to it for
// any instruction set, thread count or tiling.
#pragma once

#include <cstddef>

#include "kernels/subnormal.hpp"

namespace bp::kernels {

/// Per-tensor constants of one SGD step.
template <class T>
struct SgdRule {
  T lr = 0;        ///< learning rate
  T wd = 0;        ///< L2 weight decay (0: none)
  T mom = 0;       ///< momentum; only used with a velocity buffer
  T keep = 1;      ///< 1 - dampening
  bool nesterov = false;
};

// The velocity's one departure from torch.optim.SGD: flush_subnormal (kernels/subnormal.hpp).
// Per element i, with g = grad[i] + wd * w[i] (the wd term only when wd != 0):
//   v == nullptr:  w[i] += -lr * g
//   otherwise:     v[i] = flush_subnormal(first ? g : v[i] * mom + keep * g)
//                  w[i] += -lr * (nesterov ? g + mom * v[i] : v[i])
// w, grad, v: (n) each, not overlapping (v may be nullptr).
template <class T>
void sgd_update_ref(T* w, const T* grad, T* v, bool first, const SgdRule<T>& r, std::size_t n);

/// sgd_update_ref, vectorised (AVX-512 / AVX2 picked at run time) and split into contiguous
/// ranges across bp::num_threads() threads when n is large. Same bits as the reference.
template <class T>
void sgd_update(T* w, const T* grad, T* v, bool first, const SgdRule<T>& r, std::size_t n);

/// The same rule on a (rows, cols) block, one thread, for sgemm's epilogue. The gradient of
/// element (i, j) is g = acc[i * ld_acc + j] + (c ? c[i * ldc + j] : +0.0f) (one rounding: the
/// bits that sgemm with beta = 1 stores into a C that held c, or a zeroed C); w and v are
/// row-major with row stride ldw (v may be nullptr). Same bits as sgd_update_ref on g.
void sgd_update_block(const float* acc, std::size_t ld_acc, const float* c, std::size_t ldc,
                      std::size_t rows, std::size_t cols, float* w, float* v, std::size_t ldw,
                      bool first, const SgdRule<float>& r);

}  // namespace bp::kernels
