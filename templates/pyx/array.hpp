// pyx::array<T, N>: owns a C-contiguous NumPy array (one reference). Created
// with pyx::empty / zeros / empty_like, indexed like a cview, and returned to
// Python without a copy. A copy is another reference to the same NumPy array,
// as `b = a` in Python (the data is shared, never copied: `.copy()` copies),
// so `return {a, b};` for a std::tuple of arrays works without std::move.
// Safe to create, copy and destroy without the GIL (PYX_NOGIL functions): it
// takes the GIL for the reference count and the NumPy calls.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <array>
#include <utility>

#include "pyx/core.hpp"
#include "pyx/detail/bounds.hpp"
#include "pyx/dtype.hpp"
#include "pyx/view.hpp"

namespace pyx {

namespace detail {
// Py_DECREF, taking the GIL when the thread does not hold it.
PYX_NOINLINE inline void release_reference(PyObject* o) {
  gil_acquire gil;
  Py_DECREF(o);
}
// Py_INCREF, the same way (for a copy of a pyx::array).
PYX_NOINLINE inline PyObject* new_reference(PyObject* o) {
  if (!o) return o;
  gil_acquire gil;
  Py_INCREF(o);
  return o;
}
}  // namespace detail

template <class E, int N, layout L = layout::c>
class array {
  static_assert(N >= 1, "cxximport: an array needs at least one dimension");
  static_assert(L == layout::c || L == layout::f, "cxximport: a pyx::array is C- or Fortran-ordered");

 public:
  using element_type = E;
  using value_type = std::remove_const_t<E>;
  using view_type = basic_view<E, N, L>;
  static constexpr int ndim = N;
  static constexpr layout kind = L;

  array() = default;
  // Takes over a reference to a contiguous ndarray (C or F as L) of E with N dimensions.
  static array steal(PyObject* obj, const char* name = nullptr) {
    array a;
    a.obj_ = obj;
    auto* arr = reinterpret_cast<PyArrayObject*>(obj);
    a.data_ = static_cast<E*>(PyArray_DATA(arr));
    for (int k = 0; k < N; ++k) a.shape_[k] = PyArray_DIM(arr, k);
    a.name_ = name;
    return a;
  }

  array(array&& o) noexcept
      : obj_(std::exchange(o.obj_, nullptr)), data_(o.data_), shape_(o.shape_), name_(o.name_), call_(o.call_) {}
  array& operator=(array&& o) noexcept {
    if (this != &o) {
      reset();
      obj_ = std::exchange(o.obj_, nullptr);
      data_ = o.data_;
      shape_ = o.shape_;
      name_ = o.name_;
      call_ = o.call_;
    }
    return *this;
  }
  array(const array& o)
      : obj_(detail::new_reference(o.obj_)), data_(o.data_), shape_(o.shape_), name_(o.name_), call_(o.call_) {}
  array& operator=(const array& o) {
    if (this != &o) *this = array(o);
    return *this;
  }
  // `return v;` of a view from a function declared to return a pyx::array
  // stops here, in one line (a view does not own its memory).
  template <class T2, int M, layout L2>
  array(const basic_view<T2, M, L2>&) {  // NOLINT(google-explicit-constructor)
    static_assert(detail::dependent_false<T2>,
                  "cxximport: a view is not a pyx::array: return v.copy() for a new array, or declare the function "
                  "to return the view type (pyx::view<T, N>) to return a NumPy view of the argument");
  }
  // `pyx::array<double, 2> a = pyx::empty<double>({n});` stops here, in one line.
  template <int M>
    requires(M != N)
  array(array<E, M, L>&&) {  // NOLINT(google-explicit-constructor)
    static_assert(M == N,
                  "cxximport: wrong number of dimensions: the shape's dimension count differs from the array's N");
  }
  ~array() { reset(); }

  template <std::integral... I>
    requires(sizeof...(I) == N)
  E& operator()(I... i) const {
    if constexpr (PYX_CHECKED_INDEXING) return at(i...);
    const index_t idx[N] = {static_cast<index_t>(i)...};
    return data_[offset(idx)];
  }

  template <std::integral... I>
    requires(sizeof...(I) == N)
  E& at(I... i) const {
    const index_t idx[N] = {static_cast<index_t>(i)...};
    if (!detail::in_bounds(idx, shape_)) [[unlikely]]
      return detail::out_of_bounds<E>(name_, idx, shape_, call_);
    return data_[offset(idx)];
  }

  // Sub-views, transposes and copies, as for views (pyx/view.hpp).
  template <class... A>
    requires(detail::is_subview_call<A...>)
  auto operator()(A... a) const {
    return view()(a...);
  }
  auto row(index_t i) const
    requires(N == 2)
  {
    return view().row(i);
  }
  auto col(index_t j) const
    requires(N == 2)
  {
    return view().col(j);
  }
  auto T() const { return view().T(); }
  template <std::integral... I>
    requires(sizeof...(I) == N)
  auto transpose(I... axes) const {
    return view().transpose(axes...);
  }
  auto copy() const { return view().copy(); }
  auto copy_fortran() const { return view().copy_fortran(); }

  const std::array<index_t, N>& shape() const { return shape_; }
  index_t shape(int k) const { return shape_[k]; }
  std::array<index_t, N> strides() const { return view().strides(); }  // bytes
  index_t size() const {
    index_t n = 1;
    for (int k = 0; k < N; ++k) n *= shape_[k];
    return n;
  }
  bool empty() const { return size() == 0; }
  E* data() const { return data_; }
  E* begin() const { return data_; }
  E* end() const { return data_ + size(); }
  bool valid() const { return obj_ != nullptr; }
  const char* name() const { return name_; }

  // Views over the same memory (the array must outlive them).
  view_type view() const {
    std::array<index_t, N> strides{};
    index_t s = sizeof(E);
    for (int j = 0; j < N; ++j) {
      const int k = L == layout::c ? N - 1 - j : j;
      strides[k] = s;
      s *= shape_[k];
    }
    return view_type(data_, shape_.data(), strides.data(), name_, call_);
  }
  operator basic_view<E, N, L>() const { return view(); }  // NOLINT
  operator basic_view<const E, N, L>() const               // NOLINT
    requires(!std::is_const_v<E>)
  {
    return view();
  }
  operator pyx::view<E, N>() const { return view(); }  // NOLINT
  operator pyx::view<const E, N>() const               // NOLINT
    requires(!std::is_const_v<E>)
  {
    return view();
  }

  PyObject* ptr() const { return obj_; }
  // Gives up ownership: the caller now owns the reference.
  PyObject* release() { return std::exchange(obj_, nullptr); }

 private:
  index_t offset(const index_t (&idx)[N]) const {
    if constexpr (L == layout::c) {
      return detail::c_offset(idx, shape_);
    } else {
      index_t off = idx[N - 1];
      for (int k = N - 2; k >= 0; --k) off = off * shape_[k] + idx[k];
      return off;
    }
  }
  void reset() {
    if (obj_) detail::release_reference(std::exchange(obj_, nullptr));
  }

  PyObject* obj_ = nullptr;
  E* data_ = nullptr;
  std::array<index_t, N> shape_{};
  const char* name_ = nullptr;
  [[no_unique_address]] detail::call_ref call_{};
};

// A Fortran-ordered owning array (what copy_fortran() returns).
template <class E, int N>
using farray = array<E, N, layout::f>;

namespace detail {

// A new C-contiguous ndarray (a new reference); takes the GIL if the thread
// does not hold it (PYX_NOGIL functions). MemoryError becomes std::bad_alloc.
PYX_NOINLINE inline PyObject* new_array_object(int nd, const index_t* shape, int typenum, bool zero,
                                               bool fortran = false) {
  npy_intp dims[NPY_MAXDIMS];
  for (int k = 0; k < nd; ++k) {
    if (shape[k] < 0) throw std::invalid_argument("negative dimension in array shape");
    dims[k] = shape[k];
  }
  gil_acquire gil;
  PyObject* obj = zero ? PyArray_ZEROS(nd, dims, typenum, fortran) : PyArray_EMPTY(nd, dims, typenum, fortran);
  if (!obj) {
    if (PyErr_ExceptionMatches(PyExc_MemoryError)) {
      PyErr_Clear();
      throw std::bad_alloc();
    }
    throw error_already_set();
  }
  return obj;
}

template <class T, std::size_t N, layout L = layout::c>
array<T, static_cast<int>(N), L> new_array(const std::array<index_t, N>& shape, bool zero) {
  static_assert(!std::is_const_v<T>, "cxximport: pyx::empty<T> needs a non-const element type");
  static_assert(N <= NPY_MAXDIMS, "cxximport: too many dimensions for a NumPy array");
  return array<T, static_cast<int>(N), L>::steal(
      new_array_object(static_cast<int>(N), shape.data(), dtype_v<T>.typenum, zero, L == layout::f));
}

}  // namespace detail

// The creation functions take a shape as NumPy does, braced
// (`pyx::empty<double>({n, m})`, values converted to Py_ssize_t), as a
// std::array (another view's `shape()`), or as separate dimensions
// (`pyx::empty<double>(n, m)`). The number of dimensions is the array's N.

namespace detail {
template <class T, std::size_t N>
std::array<index_t, N> to_shape(const index_t (&dims)[N]) {
  std::array<index_t, N> s{};
  for (std::size_t k = 0; k < N; ++k) s[k] = dims[k];
  return s;
}
template <class T, int N, layout L>
array<T, N, L> filled(array<T, N, L> a, const T& value) {
  for (T& x : a) x = value;
  return a;
}
}  // namespace detail

template <class T, std::size_t N>
array<T, static_cast<int>(N)> empty(const std::array<index_t, N>& shape) {
  return detail::new_array<T>(shape, false);
}
template <class T, std::size_t N>
array<T, static_cast<int>(N)> empty(const index_t (&shape)[N]) {
  return detail::new_array<T>(detail::to_shape<T>(shape), false);
}
template <class T, std::integral... I>
array<T, static_cast<int>(sizeof...(I))> empty(I... dims) {
  return detail::new_array<T>(std::array<index_t, sizeof...(I)>{static_cast<index_t>(dims)...}, false);
}
template <class T, std::size_t N>
array<T, static_cast<int>(N)> zeros(const std::array<index_t, N>& shape) {
  return detail::new_array<T>(shape, true);
}
template <class T, std::size_t N>
array<T, static_cast<int>(N)> zeros(const index_t (&shape)[N]) {
  return detail::new_array<T>(detail::to_shape<T>(shape), true);
}
template <class T, std::integral... I>
array<T, static_cast<int>(sizeof...(I))> zeros(I... dims) {
  return detail::new_array<T>(std::array<index_t, sizeof...(I)>{static_cast<index_t>(dims)...}, true);
}
// pyx::full<T>({n, m}, value), pyx::full<T>(v.shape(), value)
template <class T, std::size_t N>
array<T, static_cast<int>(N)> full(const std::array<index_t, N>& shape, const std::type_identity_t<T>& value) {
  return detail::filled(empty<T>(shape), value);
}
template <class T, std::size_t N>
array<T, static_cast<int>(N)> full(const index_t (&shape)[N], const std::type_identity_t<T>& value) {
  return detail::filled(empty<T>(shape), value);
}
// pyx::ones<T>({n, m}), pyx::ones<T>(v.shape()), pyx::ones<T>(n, m)
template <class T, std::size_t N>
array<T, static_cast<int>(N)> ones(const std::array<index_t, N>& shape) {
  return detail::filled(empty<T>(shape), T(1));
}
template <class T, std::size_t N>
array<T, static_cast<int>(N)> ones(const index_t (&shape)[N]) {
  return detail::filled(empty<T>(shape), T(1));
}
template <class T, std::integral... I>
array<T, static_cast<int>(sizeof...(I))> ones(I... dims) {
  return detail::filled(empty<T>(dims...), T(1));
}
// v.copy(), v.copy_fortran(): element by element in the new array's order.
namespace detail {
template <class A, class V>
A copy_into(A out, const V& v) {
  auto dst = out.view();
  constexpr int N = V::ndim;
  index_t idx[N] = {};
  const index_t total = v.size();
  for (index_t n = 0; n < total; ++n) {
    // Walk the index in the destination's memory order.
    [&]<std::size_t... K>(std::index_sequence<K...>) { dst(idx[K]...) = v(idx[K]...); }(std::make_index_sequence<N>{});
    for (int j = 0; j < N; ++j) {
      const int k = A::kind == layout::c ? N - 1 - j : j;
      if (++idx[k] < v.shape(k)) break;
      idx[k] = 0;
    }
  }
  return out;
}
}  // namespace detail

template <class E, int N, layout L>
array<std::remove_const_t<E>, N, layout::c> basic_view<E, N, L>::copy() const {
  return detail::copy_into(detail::new_array<std::remove_const_t<E>, N, layout::c>(shape_, false), *this);
}
template <class E, int N, layout L>
array<std::remove_const_t<E>, N, layout::f> basic_view<E, N, L>::copy_fortran() const {
  return detail::copy_into(detail::new_array<std::remove_const_t<E>, N, layout::f>(shape_, false), *this);
}

// New arrays with the shape and element type of a view or array.
template <class V>
auto empty_like(const V& v) {
  return empty<typename V::value_type>(v.shape());
}
template <class V>
auto zeros_like(const V& v) {
  return zeros<typename V::value_type>(v.shape());
}
template <class V>
auto ones_like(const V& v) {
  return ones<typename V::value_type>(v.shape());
}
template <class V>
auto full_like(const V& v, const typename V::value_type& value) {
  return full<typename V::value_type>(v.shape(), value);
}

}  // namespace pyx
