// Matrix<T>: a flat, row-major, contiguous 2-D array. Activations are batch-major:
// one row per sample (N rows), one column per feature.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <new>
#include <span>
#include <string>
#include <vector>

#include "backprop/core/error.hpp"

namespace bp {

/// Allocates on 64-byte (cache-line, AVX-512 vector) boundaries. The vector kernels split a row
/// at its first 64-byte boundary; with every Matrix starting on one, where that split falls
/// depends only on the shape, never on where the heap put the data, so results are the same bits
/// for any copy of a network in any process.
template <class T>
struct CacheAlignedAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  CacheAlignedAllocator() noexcept = default;
  template <class U>
  CacheAlignedAllocator(const CacheAlignedAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, kAlign); }  // unsized: clang has no sized form by default
  template <class U>
  friend bool operator==(const CacheAlignedAllocator&, const CacheAlignedAllocator<U>&) noexcept {
    return true;
  }
};

template <class T>
class Matrix {
 public:
  Matrix() = default;
  Matrix(std::size_t rows, std::size_t cols) : rows_(rows), cols_(cols), data_(rows * cols, T(0)) {}
  /// Row-major values; throws UsageError when their count is not rows * cols.
  Matrix(std::size_t rows, std::size_t cols, std::initializer_list<T> values)
      : rows_(rows), cols_(cols), data_(values) {
    check_count();
  }
  Matrix(std::size_t rows, std::size_t cols, const std::vector<T>& values)
      : rows_(rows), cols_(cols), data_(values.begin(), values.end()) {
    check_count();
  }

  std::size_t rows() const noexcept { return rows_; }
  std::size_t cols() const noexcept { return cols_; }
  std::size_t size() const noexcept { return data_.size(); }
  bool empty() const noexcept { return data_.empty(); }

  T* data() noexcept { return data_.data(); }
  const T* data() const noexcept { return data_.data(); }
  std::span<T> row(std::size_t r) noexcept { return {data_.data() + r * cols_, cols_}; }
  std::span<const T> row(std::size_t r) const noexcept { return {data_.data() + r * cols_, cols_}; }
  T& operator()(std::size_t r, std::size_t c) noexcept { return data_[r * cols_ + c]; }
  const T& operator()(std::size_t r, std::size_t c) const noexcept { return data_[r * cols_ + c]; }
  T& operator[](std::size_t k) noexcept { return data_[k]; }
  const T& operator[](std::size_t k) const noexcept { return data_[k]; }
  auto begin() noexcept { return data_.begin(); }
  auto end() noexcept { return data_.end(); }
  auto begin() const noexcept { return data_.begin(); }
  auto end() const noexcept { return data_.end(); }

  /// Changes the shape. A no-op (no allocation) when the shape is unchanged; capacity is kept
  /// when the new shape is smaller, so a short last batch does not reallocate.
  void resize(std::size_t rows, std::size_t cols) {
    if (rows == rows_ && cols == cols_) return;
    rows_ = rows;
    cols_ = cols;
    data_.resize(rows * cols);
  }
  void fill(T v) noexcept {
    for (auto& x : data_) x = v;
  }
  friend bool operator==(const Matrix&, const Matrix&) = default;

 private:
  void check_count() const {
    if (data_.size() != rows_ * cols_)
      throw UsageError("Matrix: " + std::to_string(rows_) + "x" + std::to_string(cols_) + " needs " +
                       std::to_string(rows_ * cols_) + " values, got " +
                       std::to_string(data_.size()));
  }
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::vector<T, CacheAlignedAllocator<T>> data_;
};

}  // namespace bp
