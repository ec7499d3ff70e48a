// bool, every integer width (range-checked: OverflowError, never wraparound),
// float, double and std::complex<float|double>. The conversions themselves are
// non-template functions shared by all widths; the templates only narrow.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <cfloat>
#include <limits>

#include "pyx/detail/cast_base.hpp"
#include "pyx/dtype.hpp"

namespace pyx::detail {

// ---- integers ----

PYX_COLD inline bool int_range_error(PyObject* o, const arg_ctx& c, const char* name, long long lo,
                                     unsigned long long hi) {
  PyErr_Clear();
  PyObject* r = PyObject_Repr(o);
  const char* u = r ? PyUnicode_AsUTF8(r) : nullptr;
  std::string v = u ? u : "value";
  Py_XDECREF(r);
  PyErr_Clear();
  return arg_error(PyExc_OverflowError, c,
                   v + " is out of range for " + name + " (" + std::to_string(lo) + " to " + std::to_string(hi) + ")");
}

// An exact int for an int-like object (a numpy integer, __index__); NULL with
// TypeError for anything else, floats included.
PYX_COLD inline PyObject* as_index(PyObject* o, const arg_ctx& c) {
  if (PyFloat_Check(o) || !PyIndex_Check(o)) {
    type_error(c, "int", o);
    return nullptr;
  }
  return PyNumber_Index(o);
}

// The value of an int, in [lo, hi]; `is_signed` picks the C type read.
PYX_NOINLINE inline bool load_integer(PyObject* o, const arg_ctx& c, const char* name, long long lo,
                                      unsigned long long hi, long long* s, unsigned long long* u) {
  PyObject* owned = nullptr;
  if (!PyLong_Check(o)) {
    owned = as_index(o, c);
    if (!owned) return false;
    o = owned;
  }
  bool ok = true;
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (v == -1 && !overflow && PyErr_Occurred()) {
    ok = false;
  } else if (overflow > 0 && u) {
    unsigned long long w = PyLong_AsUnsignedLongLong(o);
    if ((w == static_cast<unsigned long long>(-1) && PyErr_Occurred()) || w > hi)
      ok = int_range_error(o, c, name, lo, hi);
    else
      *u = w;
  } else if (overflow || v < lo || (v > 0 && static_cast<unsigned long long>(v) > hi)) {
    ok = int_range_error(o, c, name, lo, hi);
  } else if (u) {
    *u = static_cast<unsigned long long>(v);
  } else {
    *s = v;
  }
  Py_XDECREF(owned);
  return ok;
}

// Strict fused dispatch: a Python or NumPy int whose value fits [lo, hi].
PYX_NOINLINE inline bool integer_fits(PyObject* o, long long lo, unsigned long long hi) {
  if (PyBool_Check(o) || !(PyLong_Check(o) || PyArray_IsScalar(o, Integer))) return false;
  long long s = 0;
  unsigned long long u = 0;
  arg_ctx quiet{"", ""};
  bool ok = load_integer(o, quiet, "", lo, hi, &s, lo < 0 ? nullptr : &u);
  if (!ok) PyErr_Clear();
  return ok;
}

template <class T>
struct caster<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  // The dtype's size check, instantiated with the class: __int128 is a
  // compile error naming it, never a conversion through a narrower range.
  static_assert(dtype_v<T>.itemsize == sizeof(T));
  static constexpr bool is_array = false;
  static constexpr long long lo = static_cast<long long>(std::numeric_limits<T>::min());
  static constexpr unsigned long long hi = static_cast<unsigned long long>(std::numeric_limits<T>::max());
  T value = 0;
  static std::string describe() { return "int"; }
  static bool matches(PyObject* o, bool strict) {
    if (strict) return integer_fits(o, lo, hi);
    return PyIndex_Check(o) && !PyFloat_Check(o);
  }
  bool load(PyObject* o, const arg_ctx& c) {
    // The common case inline: a Python int that fits. Everything else (NumPy
    // integers, __index__, range errors and their messages) goes out of line.
    if (PyLong_CheckExact(o)) {
      int overflow = 0;
      long v = PyLong_AsLongAndOverflow(o, &overflow);
      if (!overflow && v >= lo && (v < 0 || static_cast<unsigned long long>(v) <= hi)) [[likely]] {
        value = static_cast<T>(v);
        return true;
      }
    }
    if constexpr (std::is_signed_v<T>) {
      long long v = 0;
      if (!load_integer(o, c, dtype_v<T>.name, lo, hi, &v, nullptr)) return false;
      value = static_cast<T>(v);
    } else {
      unsigned long long v = 0;
      if (!load_integer(o, c, dtype_v<T>.name, lo, hi, nullptr, &v)) return false;
      value = static_cast<T>(v);
    }
    return true;
  }
  static PyObject* cast(T v) {
    if constexpr (std::is_signed_v<T>)
      return PyLong_FromLongLong(v);
    else
      return PyLong_FromUnsignedLongLong(v);
  }
};

// ---- bool: True, False and numpy.bool_ only (not ints, not truthiness) ----

template <>
struct caster<bool> {
  static constexpr bool is_array = false;
  bool value = false;
  static std::string describe() { return "bool"; }
  static bool matches(PyObject* o, bool) { return PyBool_Check(o) || PyArray_IsScalar(o, Bool); }
  bool load(PyObject* o, const arg_ctx& c) {
    if (o == Py_True || o == Py_False) {
      value = (o == Py_True);
      return true;
    }
    if (PyArray_IsScalar(o, Bool)) {
      value = PyObject_IsTrue(o) == 1;
      return true;
    }
    return type_error(c, "bool", o);
  }
  static PyObject* cast(bool v) { return PyBool_FromLong(v); }
};

// ---- floating point ----

// Accepted where a float is expected: float, int, NumPy reals, __float__/__index__.
inline bool float_like(PyObject* o) {
  if (PyFloat_Check(o)) return true;
  if (PyUnicode_Check(o) || PyBytes_Check(o) || o == Py_None || PyComplex_Check(o) ||
      PyArray_IsScalar(o, ComplexFloating) || PyArray_Check(o))
    return false;
  return PyIndex_Check(o) || (Py_TYPE(o)->tp_as_number && Py_TYPE(o)->tp_as_number->nb_float);
}

PYX_COLD inline bool float_range_error(double v, const arg_ctx& c) {
  char* r = PyOS_double_to_string(v, 'r', 0, 0, nullptr);
  std::string text = r ? r : "value";
  PyMem_Free(r);
  return arg_error(PyExc_OverflowError, c, text + " is out of range for float32");
}

PYX_NOINLINE inline bool load_double(PyObject* o, const arg_ctx& c, bool single, double* out) {
  double v;
  if (PyFloat_Check(o)) {
    v = PyFloat_AS_DOUBLE(o);
  } else {
    if (!float_like(o)) return type_error(c, "float", o);
    v = PyFloat_AsDouble(o);
    if (v == -1.0 && PyErr_Occurred()) {
      if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return false;
      PyErr_Clear();
      return arg_error(PyExc_OverflowError, c, "int too large to convert to float");
    }
  }
  if (single) {
    double a = v < 0 ? -v : v;
    if (a > static_cast<double>(FLT_MAX) && a != std::numeric_limits<double>::infinity())
      return float_range_error(v, c);
  }
  *out = v;
  return true;
}

template <class T>
struct caster<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static_assert(dtype_v<T>.itemsize == sizeof(T));
  static constexpr bool is_array = false;
  T value = 0;
  static std::string describe() { return "float"; }
  static bool matches(PyObject* o, bool strict) {
    if (strict) return PyFloat_Check(o) || PyArray_IsScalar(o, Floating);
    return float_like(o);
  }
  bool load(PyObject* o, const arg_ctx& c) {
    // An exact float needs neither a check nor a call (the common argument).
    if (sizeof(T) == sizeof(double) && PyFloat_CheckExact(o)) [[likely]] {
      value = static_cast<T>(PyFloat_AS_DOUBLE(o));
      return true;
    }
    double v = 0;
    if (!load_double(o, c, sizeof(T) < sizeof(double), &v)) return false;
    value = static_cast<T>(v);
    return true;
  }
  static PyObject* cast(T v) { return PyFloat_FromDouble(static_cast<double>(v)); }
};

// ---- complex ----

inline bool complex_like_object(PyObject* o) {
  return PyComplex_Check(o) || PyArray_IsScalar(o, ComplexFloating) || float_like(o);
}

PYX_NOINLINE inline bool load_complex(PyObject* o, const arg_ctx& c, double* re, double* im) {
  if (!complex_like_object(o)) return type_error(c, "complex", o);
  Py_complex z = PyComplex_AsCComplex(o);
  if (z.real == -1.0 && PyErr_Occurred()) {
    if (!PyErr_ExceptionMatches(PyExc_TypeError)) return false;
    PyErr_Clear();
    return type_error(c, "complex", o);
  }
  *re = z.real;
  *im = z.imag;
  return true;
}

template <complex_like T>
struct caster<T> {
  using V = typename T::value_type;
  static_assert(dtype_v<T>.itemsize == sizeof(T));
  static constexpr bool is_array = false;
  T value{};
  static std::string describe() { return "complex"; }
  static bool matches(PyObject* o, bool strict) {
    if (strict) return PyComplex_Check(o) || PyArray_IsScalar(o, ComplexFloating);
    return complex_like_object(o);
  }
  bool load(PyObject* o, const arg_ctx& c) {
    double re = 0, im = 0;
    if (!load_complex(o, c, &re, &im)) return false;
    value = T(static_cast<V>(re), static_cast<V>(im));
    return true;
  }
  static PyObject* cast(const T& v) {
    return PyComplex_FromDoubles(static_cast<double>(v.real()), static_cast<double>(v.imag()));
  }
};

}  // namespace pyx::detail
