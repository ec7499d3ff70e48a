// pyx::growable<T>: an owning 1-D array that grows (push_back, amortised
// O(1)), for kernels whose output size is not known in advance. Returned to
// Python as a 1-D ndarray of T's dtype without a copy: the array takes over
// the buffer (a capsule base frees it). The buffer comes from NumPy's
// allocator, so tracemalloc sees it. No GIL needed to fill it (PYX_NOGIL).
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "pyx/core.hpp"
#include "pyx/detail/bounds.hpp"
#include "pyx/detail/cast_base.hpp"
#include "pyx/dtype.hpp"
#include "pyx/view.hpp"

namespace pyx {

template <class T>
class growable {
  static_assert(std::is_trivially_copyable_v<T> && !std::is_const_v<T>,
                "cxximport: pyx::growable<T> needs a non-const NumPy element type");

 public:
  using value_type = T;
  using element_type = T;
  static constexpr int ndim = 1;

  growable() = default;
  explicit growable(index_t n) { resize(n); }
  growable(growable&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), cap_(std::exchange(o.cap_, 0)) {}
  growable& operator=(growable&& o) noexcept {
    if (this != &o) {
      PyDataMem_FREE(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      cap_ = std::exchange(o.cap_, 0);
    }
    return *this;
  }
  growable(const growable&) = delete;
  growable& operator=(const growable&) = delete;
  ~growable() { PyDataMem_FREE(data_); }

  void push_back(const T& x) {
    if (size_ == cap_) [[unlikely]]
      grow(cap_ ? 2 * cap_ : 8);
    data_[size_++] = x;
  }
  void reserve(index_t n) {
    if (n > cap_) grow(n);
  }
  // New elements are zero.
  void resize(index_t n) {
    if (n < 0) throw std::invalid_argument("pyx::growable: negative size");
    reserve(n);
    if (n > size_) std::memset(static_cast<void*>(data_ + size_), 0, (n - size_) * sizeof(T));
    size_ = n;
  }
  void clear() { size_ = 0; }
  void pop_back() { --size_; }

  T& operator()(index_t i) const {
    if constexpr (PYX_CHECKED_INDEXING) return at(i);
    return data_[i];
  }
  T& operator[](index_t i) const { return (*this)(i); }
  T& at(index_t i) const {
    const index_t idx[1] = {i};
    const std::array<index_t, 1> shape{size_};
    if (!detail::in_bounds(idx, shape)) [[unlikely]]
      return detail::out_of_bounds<T>("growable", idx, shape, detail::call_ref{});
    return data_[i];
  }
  T& back() const { return data_[size_ - 1]; }

  index_t size() const { return size_; }
  index_t capacity() const { return cap_; }
  bool empty() const { return size_ == 0; }
  std::array<index_t, 1> shape() const { return {size_}; }
  index_t shape(int) const { return size_; }
  T* data() const { return data_; }
  T* begin() const { return data_; }
  T* end() const { return data_ + size_; }

  // A view of the current elements (invalidated by the next growth).
  cview<T, 1> view() const {
    const index_t stride = sizeof(T);
    return cview<T, 1>(data_, &size_, &stride, "growable");
  }
  operator cview<T, 1>() const { return view(); }            // NOLINT
  operator cview<const T, 1>() const { return view(); }      // NOLINT
  operator pyx::view<T, 1>() const { return view(); }        // NOLINT
  operator pyx::view<const T, 1>() const { return view(); }  // NOLINT

  // Gives up the buffer (the caller frees it with PyDataMem_FREE).
  T* release() {
    size_ = cap_ = 0;
    return std::exchange(data_, nullptr);
  }

 private:
  void grow(index_t n) {
    void* p = PyDataMem_RENEW(data_, static_cast<std::size_t>(n) * sizeof(T));
    if (!p) throw std::bad_alloc();
    data_ = static_cast<T*>(p);
    cap_ = n;
  }

  T* data_ = nullptr;
  index_t size_ = 0;
  index_t cap_ = 0;
};

namespace detail {

inline void free_growable_buffer(PyObject* capsule) {
  PyDataMem_FREE(PyCapsule_GetPointer(capsule, "cxximport.growable"));
}

// The 1-D ndarray that takes over `data` (n elements of typenum); frees the
// buffer itself when anything fails.
PYX_NOINLINE inline PyObject* adopt_buffer(void* data, index_t n, int typenum) {
  if (!data) data = PyDataMem_NEW(1);  // an empty array still needs a buffer
  if (!data) return PyErr_NoMemory();
  PyObject* base = PyCapsule_New(data, "cxximport.growable", free_growable_buffer);
  if (!base) {
    PyDataMem_FREE(data);
    return nullptr;
  }
  npy_intp dims[1] = {n};
  PyObject* arr = PyArray_SimpleNewFromData(1, dims, typenum, data);
  if (!arr || PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(arr), base) < 0) {
    Py_XDECREF(arr);
    Py_DECREF(base);  // frees the buffer
    return nullptr;
  }
  return arr;
}

template <class T>
struct caster<growable<T>> {
  static constexpr bool is_array = false;
  static std::string describe() { return "numpy.ndarray"; }
  static PyObject* cast(growable<T>&& v) {
    const index_t n = v.size();
    return adopt_buffer(v.release(), n, dtype_v<T>.typenum);
  }
};

}  // namespace detail
}  // namespace pyx
