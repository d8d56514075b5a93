// Param<T>: a named trainable tensor and its gradient, whose shape is fixed when it is made.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

#include "backprop/core/error.hpp"
#include "backprop/core/matrix.hpp"

namespace bp {

template <class T>
class Param;

/// A limit on how many values the Params made on this thread may hold, while one is alive: a
/// model reader sets it to what the file declares (and has the bytes for) before it makes a layer
/// from the file's config, so that a hostile config cannot make any layer allocate more. Params
/// made while none is alive are not limited.
class ParamBudget {
 public:
  /// `source` ends the message of a refusal: "more values than the N <source>".
  explicit ParamBudget(std::size_t values, const char* source = "the file declares") noexcept
      : saved_(left()), saved_source_(where()) {
    left() = values;
    where() = source;
  }
  ~ParamBudget() {
    left() = saved_;
    where() = saved_source_;
  }
  ParamBudget(const ParamBudget&) = delete;
  ParamBudget& operator=(const ParamBudget&) = delete;
  /// Takes rows*cols values from the active budget, if any; throws UsageError naming the param
  /// when they are more than it has left. Returns rows.
  static std::size_t charge(const std::string& name, std::size_t rows, std::size_t cols) {
    std::size_t& budget = left();
    if (budget == kNone) return rows;
    if (rows != 0 && cols > budget / rows)
      throw UsageError(name + " would be " + std::to_string(rows) + "x" + std::to_string(cols) +
                       ", more values than the " + std::to_string(budget) + " " + where());
    budget -= rows * cols;
    return rows;
  }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  static std::size_t& left() noexcept {
    thread_local std::size_t budget = kNone;
    return budget;
  }
  static const char*& where() noexcept {
    thread_local const char* source = "the file declares";
    return source;
  }
  std::size_t saved_;
  const char* saved_source_;
};
template <class T>
class Layer;

/// The value or the gradient of a Param: a Matrix whose elements may change but whose shape may
/// not, so a layer's parameters always fit its kernels. Param::assign replaces a whole value
/// after checking its shape; FixedMatrix itself cannot be assigned.
template <class T>
class FixedMatrix {
 public:
  FixedMatrix() = default;
  explicit FixedMatrix(Matrix<T> m) : m_(std::move(m)) {}
  FixedMatrix(const FixedMatrix&) = default;
  FixedMatrix(FixedMatrix&&) noexcept = default;
  FixedMatrix& operator=(const FixedMatrix&) = delete;  // would change the shape: Param::assign
  FixedMatrix& operator=(FixedMatrix&&) = delete;

  std::size_t rows() const noexcept { return m_.rows(); }
  std::size_t cols() const noexcept { return m_.cols(); }
  std::size_t size() const noexcept { return m_.size(); }
  bool empty() const noexcept { return m_.empty(); }
  T* data() noexcept { return m_.data(); }
  const T* data() const noexcept { return m_.data(); }
  auto row(std::size_t r) noexcept { return m_.row(r); }
  auto row(std::size_t r) const noexcept { return m_.row(r); }
  T& operator()(std::size_t r, std::size_t c) noexcept { return m_(r, c); }
  const T& operator()(std::size_t r, std::size_t c) const noexcept { return m_(r, c); }
  T& operator[](std::size_t k) noexcept { return m_[k]; }
  const T& operator[](std::size_t k) const noexcept { return m_[k]; }
  auto begin() noexcept { return m_.begin(); }
  auto end() noexcept { return m_.end(); }
  auto begin() const noexcept { return m_.begin(); }
  auto end() const noexcept { return m_.end(); }
  void fill(T v) noexcept { m_.fill(v); }

  const Matrix<T>& matrix() const noexcept { return m_; }
  operator const Matrix<T>&() const noexcept { return m_; }  // NOLINT: read-only view
  friend bool operator==(const FixedMatrix& a, const FixedMatrix& b) { return a.m_ == b.m_; }
  friend bool operator==(const FixedMatrix& a, const Matrix<T>& b) { return a.m_ == b; }

 private:
  friend class Param<T>;
  Matrix<T> m_;
};

/// A trainable tensor: value and grad of the same fixed shape, and a name that says where it
/// lives ("dense_1.w": the weights of the network's first dense layer). Optimizers, clipping,
/// checkpoints and error messages see a network only as its list of Params (Network::params()).
template <class T>
class Param {
 public:
  Param() = default;
  /// A (rows, cols) tensor of zeros, its gradient zero too.
  Param(std::string name, std::size_t rows, std::size_t cols, bool train = true)
      : value(Matrix<T>(ParamBudget::charge(name, rows, cols), cols)), grad(Matrix<T>(rows, cols)),
        trainable(train),
        name_(std::move(name)) {}
  /// The given values, a zero gradient.
  Param(std::string name, Matrix<T> v, bool train = true)
      : value(std::move(v)), grad(Matrix<T>(value.rows(), value.cols())), trainable(train),
        name_(std::move(name)) {}
  /// The given values and gradient; throws ShapeError when their shapes differ.
  Param(std::string name, Matrix<T> v, Matrix<T> g, bool train = true)
      : value(std::move(v)), grad(std::move(g)), trainable(train), name_(std::move(name)) {
    if (grad.rows() != value.rows() || grad.cols() != value.cols())
      throw ShapeError(name_ + ": gradient is " + shape_of(grad.matrix()) + ", expected " +
                       shape_of(value.matrix()) + " (the value's shape)");
  }

  const std::string& name() const noexcept { return name_; }
  std::size_t rows() const noexcept { return value.rows(); }
  std::size_t cols() const noexcept { return value.cols(); }
  std::size_t size() const noexcept { return value.size(); }

  /// Replaces the whole value. Throws ShapeError naming this Param and both shapes when v's
  /// shape differs from the value's.
  void assign(const Matrix<T>& v) {
    if (v.rows() != value.rows() || v.cols() != value.cols())
      throw ShapeError(name_ + " is " + shape_of(value.matrix()) + ", got a " + shape_of(v) +
                       " value");
    value.m_ = v;  // same shape: copies the elements, keeps the storage
  }

  FixedMatrix<T> value;
  FixedMatrix<T> grad;     ///< accumulated by backward, cleared by zero_grad
  bool trainable = true;   ///< false: frozen (no gradient is computed, optimizers skip it)

 private:
  friend class Layer<T>;
  static std::string shape_of(const Matrix<T>& m) {
    return std::to_string(m.rows()) + "x" + std::to_string(m.cols());
  }
  std::string name_;
};

}  // namespace bp
