// C++ element types and their NumPy dtypes: kind, item size, type number, name.
// Matching is on kind and item size, so `long` and `long long` both match int64.
#pragma once

#include <complex>
#include <cstdint>

#include "pyx/core.hpp"

namespace pyx::detail {

template <class T>
struct dtype_of {
  static_assert(dependent_false<T>,
                "cxximport: this element type has no NumPy dtype (use bool, an integer, float, "
                "double or std::complex)");
};

template <>
struct dtype_of<bool> {
  static constexpr char kind = 'b';
  static constexpr int typenum = NPY_BOOL;
  static constexpr const char* name = "bool";
};

template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
struct dtype_of<T> {
  static constexpr char kind = std::is_signed_v<T> ? 'i' : 'u';
  static constexpr int typenum = std::is_signed_v<T>
      ? (sizeof(T) == 1 ? NPY_INT8 : sizeof(T) == 2 ? NPY_INT16 : sizeof(T) == 4 ? NPY_INT32 : NPY_INT64)
      : (sizeof(T) == 1 ? NPY_UINT8 : sizeof(T) == 2 ? NPY_UINT16 : sizeof(T) == 4 ? NPY_UINT32 : NPY_UINT64);
  static constexpr const char* name = std::is_signed_v<T>
      ? (sizeof(T) == 1 ? "int8" : sizeof(T) == 2 ? "int16" : sizeof(T) == 4 ? "int32" : "int64")
      : (sizeof(T) == 1 ? "uint8" : sizeof(T) == 2 ? "uint16" : sizeof(T) == 4 ? "uint32" : "uint64");
};

template <>
struct dtype_of<float> {
  static constexpr char kind = 'f';
  static constexpr int typenum = NPY_FLOAT32;
  static constexpr const char* name = "float32";
};

template <>
struct dtype_of<double> {
  static constexpr char kind = 'f';
  static constexpr int typenum = NPY_FLOAT64;
  static constexpr const char* name = "float64";
};

template <>
struct dtype_of<std::complex<float>> {
  static constexpr char kind = 'c';
  static constexpr int typenum = NPY_COMPLEX64;
  static constexpr const char* name = "complex64";
};

template <>
struct dtype_of<std::complex<double>> {
  static constexpr char kind = 'c';
  static constexpr int typenum = NPY_COMPLEX128;
  static constexpr const char* name = "complex128";
};

template <class T>
inline bool dtype_matches(PyArrayObject* a) {
  using E = std::remove_const_t<T>;
  return PyArray_DESCR(a)->kind == dtype_of<E>::kind && PyArray_ITEMSIZE(a) == sizeof(E) &&
         PyArray_ISNOTSWAPPED(a);
}

// "int32", "float64", ... for an array's dtype, for error messages.
inline std::string dtype_name(PyArrayObject* a) {
  PyObject* s = PyObject_Str(reinterpret_cast<PyObject*>(PyArray_DESCR(a)));
  if (!s) {
    PyErr_Clear();
    return "?";
  }
  std::string out = PyUnicode_AsUTF8(s) ? PyUnicode_AsUTF8(s) : "?";
  Py_DECREF(s);
  return out;
}

}  // namespace pyx::detail
