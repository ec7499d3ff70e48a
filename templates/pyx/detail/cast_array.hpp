// NumPy arrays into views (borrowed: valid for the call) and pyx::array
// (owned reference), and pyx::array back to Python without a copy.
#pragma once

#include "pyx/array.hpp"
#include "pyx/detail/cast_base.hpp"
#include "pyx/dtype.hpp"
#include "pyx/view.hpp"

namespace pyx::detail {

template <class T, int N, layout L>
std::string describe_array() {
  std::string s = std::string("ndarray[") + dtype_of<std::remove_const_t<T>>::name + ", " +
                  std::to_string(N) + "-D";
  if (L == layout::c) s += ", C-contiguous";
  if (L == layout::f) s += ", F-contiguous";
  if (!std::is_const_v<T>) s += ", writable";
  return s + "]";
}

inline std::string shape_text(PyArrayObject* a) {
  std::string s = "(";
  for (int k = 0; k < PyArray_NDIM(a); ++k) {
    if (k) s += ", ";
    s += std::to_string(PyArray_DIM(a, k));
  }
  if (PyArray_NDIM(a) == 1) s += ",";
  return s + ")";
}

// Checks everything a view or array parameter requires; sets a Python error
// naming function and parameter on failure.
template <class T, int N, layout L>
PyArrayObject* check_array(PyObject* o, const arg_ctx& c) {
  using E = std::remove_const_t<T>;
  if (!PyArray_Check(o)) {
    arg_error(PyExc_TypeError, c,
              "expected numpy.ndarray of " + std::string(dtype_of<E>::name) + ", got " + type_name(o));
    return nullptr;
  }
  auto* a = reinterpret_cast<PyArrayObject*>(o);
  if (!dtype_matches<E>(a)) {
    arg_error(PyExc_TypeError, c,
              "expected an array of dtype " + std::string(dtype_of<E>::name) + ", got dtype " +
                  dtype_name(a) + " (convert with .astype(numpy." + dtype_of<E>::name + "))");
    return nullptr;
  }
  if (PyArray_NDIM(a) != N) {
    arg_error(PyExc_ValueError, c,
              "expected a " + std::to_string(N) + "-D array, got a " + std::to_string(PyArray_NDIM(a)) +
                  "-D array with shape " + shape_text(a));
    return nullptr;
  }
  if (L == layout::c && !PyArray_IS_C_CONTIGUOUS(a)) {
    arg_error(PyExc_ValueError, c,
              "expected a C-contiguous array, got a non-contiguous one (pass "
              "numpy.ascontiguousarray(x), or declare the parameter pyx::view for any strides)");
    return nullptr;
  }
  if (L == layout::f && !PyArray_IS_F_CONTIGUOUS(a)) {
    arg_error(PyExc_ValueError, c,
              "expected a Fortran-contiguous array, got one that is not (pass "
              "numpy.asfortranarray(x), or declare the parameter pyx::view for any strides)");
    return nullptr;
  }
  if (!PyArray_ISALIGNED(a)) {
    arg_error(PyExc_ValueError, c, "expected an aligned array, got an unaligned one (pass x.copy())");
    return nullptr;
  }
  if (!std::is_const_v<T> && !PyArray_ISWRITEABLE(a)) {
    arg_error(PyExc_ValueError, c,
              "the array is read-only but the parameter is a mutable view (pass a writable array, "
              "or declare the element type const)");
    return nullptr;
  }
  return a;
}

template <class T, int N, layout L>
struct caster<basic_view<T, N, L>> {
  static constexpr bool is_array = true;
  basic_view<T, N, L> value;
  static std::string describe() { return describe_array<T, N, L>(); }
  static bool matches(PyObject* o) {
    return PyArray_Check(o) && dtype_matches<T>(reinterpret_cast<PyArrayObject*>(o));
  }
  bool load(PyObject* o, const arg_ctx& c) {
    PyArrayObject* a = check_array<T, N, L>(o, c);
    if (!a) return false;
    value = basic_view<T, N, L>(static_cast<T*>(PyArray_DATA(a)), PyArray_DIMS(a), PyArray_STRIDES(a),
                                c.param);
    return true;
  }
};

template <class T, int N>
struct caster<array<T, N>> {
  static constexpr bool is_array = true;
  array<T, N> value;
  static std::string describe() { return describe_array<T, N, layout::c>(); }
  static bool matches(PyObject* o) {
    return PyArray_Check(o) && dtype_matches<T>(reinterpret_cast<PyArrayObject*>(o));
  }
  bool load(PyObject* o, const arg_ctx& c) {
    PyArrayObject* a = check_array<T, N, layout::c>(o, c);
    if (!a) return false;
    Py_INCREF(o);
    value = array<T, N>::steal(o, c.param);
    return true;
  }
  static PyObject* cast(array<T, N>&& v) {
    PyObject* o = v.release();
    if (!o) PyErr_SetString(PyExc_ValueError, "returned pyx::array is empty (moved from or never created)");
    return o;
  }
};

}  // namespace pyx::detail
