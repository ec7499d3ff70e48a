// C++ element types and their NumPy dtypes: kind, item size, type number, name.
// Matching is on kind and item size, so `long` and `long long` both match int64.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <cstdint>

#include "pyx/core.hpp"

namespace pyx {

// std::complex<float> and std::complex<double>, recognised by their shape so
// the runtime need not include <complex> (a third of its compile time): a
// .cxxpyx that uses std::complex includes <complex> itself.
template <class T>
concept complex_like =
    requires(const T& z) {
      typename T::value_type;
      { z.real() } -> std::same_as<typename T::value_type>;
      { z.imag() } -> std::same_as<typename T::value_type>;
    } && (std::is_same_v<typename T::value_type, float> || std::is_same_v<typename T::value_type, double>) &&
    sizeof(T) == 2 * sizeof(typename T::value_type);

}  // namespace pyx

namespace pyx::detail {

// What the checks of an array argument need to know about its element type.
struct dtype_info {
  char kind;  // NumPy's: 'b' bool, 'i' signed, 'u' unsigned, 'f' float, 'c' complex
  int itemsize;
  int typenum;
  const char* name;
};

template <class T>
struct dtype_of {
  static_assert(dependent_false<T>,
                "cxximport: this element type has no NumPy dtype (use bool, an integer, float, "
                "double or std::complex<float|double>)");
};

template <>
struct dtype_of<bool> {
  static constexpr dtype_info info{'b', 1, NPY_BOOL, "bool"};
};

// NumPy's integers have 1, 2, 4 or 8 bytes; a wider integer (GNU's __int128
// with std = gnu++20) must never be mapped to a narrower dtype.
template <class T>
  requires(std::is_integral_v<T> && (sizeof(T) > 8))
struct dtype_of<T> {
  static_assert(dependent_false<T>,
                "cxximport: __int128 and unsigned __int128 have no NumPy dtype (NumPy integers have at "
                "most 64 bits): use std::int64_t/std::uint64_t, or double");
};

template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && sizeof(T) <= 8)
struct dtype_of<T> {
  static constexpr bool s = std::is_signed_v<T>;
  static constexpr int n = sizeof(T);
  static constexpr dtype_info info{s ? 'i' : 'u', n,
                                   s ? (n == 1   ? NPY_INT8
                                        : n == 2 ? NPY_INT16
                                        : n == 4 ? NPY_INT32
                                                 : NPY_INT64)
                                     : (n == 1   ? NPY_UINT8
                                        : n == 2 ? NPY_UINT16
                                        : n == 4 ? NPY_UINT32
                                                 : NPY_UINT64),
                                   s ? (n == 1   ? "int8"
                                        : n == 2 ? "int16"
                                        : n == 4 ? "int32"
                                                 : "int64")
                                     : (n == 1   ? "uint8"
                                        : n == 2 ? "uint16"
                                        : n == 4 ? "uint32"
                                                 : "uint64")};
};

template <>
struct dtype_of<float> {
  static constexpr dtype_info info{'f', 4, NPY_FLOAT32, "float32"};
};

template <>
struct dtype_of<double> {
  static constexpr dtype_info info{'f', 8, NPY_FLOAT64, "float64"};
};

// C's long double is NumPy's longdouble (the same type on every platform).
template <>
struct dtype_of<long double> {
  static constexpr dtype_info info{'f', static_cast<int>(sizeof(long double)), NPY_LONGDOUBLE, "longdouble"};
};

template <complex_like T>
struct dtype_of<T> {
  static constexpr bool single = sizeof(T) == 8;
  static constexpr dtype_info info{'c', sizeof(T), single ? NPY_COMPLEX64 : NPY_COMPLEX128,
                                   single ? "complex64" : "complex128"};
};

// The dtype of T, checked against T's size: an element or scalar is never
// read or written through a dtype of another size.
template <class T>
consteval const dtype_info& checked_dtype() {
  static_assert(dtype_of<T>::info.itemsize == static_cast<int>(sizeof(T)),
                "cxximport: this type's size differs from its NumPy dtype's item size");
  return dtype_of<T>::info;
}

template <class T>
inline constexpr const dtype_info& dtype_v = checked_dtype<std::remove_const_t<T>>();

inline bool dtype_matches(PyArrayObject* a, const dtype_info& d) {
  return PyArray_DESCR(a)->kind == d.kind && PyArray_ITEMSIZE(a) == d.itemsize && PyArray_ISNOTSWAPPED(a);
}

template <class T>
inline bool dtype_matches(PyArrayObject* a) {
  return dtype_matches(a, dtype_v<T>);
}

// "int32", ">f8", ... for an array's dtype, for error messages.
PYX_COLD inline std::string dtype_name(PyArrayObject* a) {
  PyObject* s = PyObject_Str(reinterpret_cast<PyObject*>(PyArray_DESCR(a)));
  const char* u = s ? PyUnicode_AsUTF8(s) : nullptr;
  std::string out = u ? u : "?";
  Py_XDECREF(s);
  if (!u) PyErr_Clear();
  return out;
}

}  // namespace pyx::detail
