// bool, every integer width (range-checked: OverflowError, never wraparound),
// float, double and std::complex.
#pragma once

#include <cfloat>
#include <cmath>
#include <complex>
#include <limits>

#include "pyx/detail/cast_base.hpp"
#include "pyx/dtype.hpp"

namespace pyx::detail {

template <>
struct caster<bool> {
  static constexpr bool is_array = false;
  bool value = false;
  static std::string describe() { return "bool"; }
  static bool matches(PyObject* o) { return PyBool_Check(o) || PyArray_IsScalar(o, Bool); }
  bool load(PyObject* o, const arg_ctx& c) {
    if (o == Py_True || o == Py_False) {
      value = (o == Py_True);
      return true;
    }
    if (PyArray_IsScalar(o, Bool)) {
      value = PyObject_IsTrue(o) == 1;
      return true;
    }
    return arg_error(PyExc_TypeError, c, "expected bool, got " + type_name(o));
  }
  static PyObject* cast(bool v) { return PyBool_FromLong(v); }
};

template <class T>
struct caster<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static constexpr bool is_array = false;
  T value = 0;
  static std::string describe() { return "int"; }
  static bool matches(PyObject* o) {
    return (PyLong_Check(o) && !PyBool_Check(o)) || PyArray_IsScalar(o, Integer);
  }
  bool load(PyObject* o, const arg_ctx& c) {
    if (PyLong_CheckExact(o)) return from_long(o, c);
    if (PyFloat_Check(o) || !PyIndex_Check(o))
      return arg_error(PyExc_TypeError, c, "expected int, got " + type_name(o));
    PyObject* idx = PyNumber_Index(o);
    if (!idx) return false;
    bool ok = from_long(idx, c);
    Py_DECREF(idx);
    return ok;
  }
  static PyObject* cast(T v) {
    if constexpr (std::is_signed_v<T>) return PyLong_FromLongLong(v);
    else return PyLong_FromUnsignedLongLong(v);
  }

 private:
  bool out_of_range(PyObject* o, const arg_ctx& c) {
    PyErr_Clear();
    PyObject* r = PyObject_Repr(o);
    std::string v = r && PyUnicode_AsUTF8(r) ? PyUnicode_AsUTF8(r) : "value";
    Py_XDECREF(r);
    PyErr_Clear();
    return arg_error(PyExc_OverflowError, c,
                     v + " is out of range for " + dtype_of<T>::name + " (" +
                         std::to_string(std::numeric_limits<T>::min()) + " to " +
                         std::to_string(std::numeric_limits<T>::max()) + ")");
  }
  bool from_long(PyObject* o, const arg_ctx& c) {
    if constexpr (std::is_signed_v<T>) {
      int overflow = 0;
      long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
      if (v == -1 && PyErr_Occurred()) return false;
      if (overflow || v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max())
        return out_of_range(o, c);
      value = static_cast<T>(v);
    } else {
      int overflow = 0;
      long long s = PyLong_AsLongLongAndOverflow(o, &overflow);
      if (s == -1 && PyErr_Occurred()) return false;
      if (overflow < 0 || (overflow == 0 && s < 0)) return out_of_range(o, c);
      unsigned long long v = PyLong_AsUnsignedLongLong(o);
      if (v == static_cast<unsigned long long>(-1) && PyErr_Occurred()) return out_of_range(o, c);
      if (v > std::numeric_limits<T>::max()) return out_of_range(o, c);
      value = static_cast<T>(v);
    }
    return true;
  }
};

template <class T>
struct caster<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static constexpr bool is_array = false;
  T value = 0;
  static std::string describe() { return "float"; }
  static bool matches(PyObject* o) { return PyFloat_Check(o) || PyArray_IsScalar(o, Floating); }
  bool load(PyObject* o, const arg_ctx& c) {
    double v;
    if (PyFloat_CheckExact(o)) {
      v = PyFloat_AS_DOUBLE(o);
    } else {
      if (PyUnicode_Check(o) || PyBytes_Check(o) || o == Py_None || PyComplex_Check(o) ||
          !(PyFloat_Check(o) || PyIndex_Check(o) ||
            (Py_TYPE(o)->tp_as_number && Py_TYPE(o)->tp_as_number->nb_float)))
        return arg_error(PyExc_TypeError, c, "expected float, got " + type_name(o));
      v = PyFloat_AsDouble(o);
      if (v == -1.0 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
          PyErr_Clear();
          return arg_error(PyExc_OverflowError, c, "int too large to convert to float");
        }
        return false;
      }
    }
    if constexpr (sizeof(T) < sizeof(double)) {
      if (std::isfinite(v) && std::fabs(v) > static_cast<double>(std::numeric_limits<T>::max()))
        return arg_error(PyExc_OverflowError, c, std::to_string(v) + " is out of range for float32");
    }
    value = static_cast<T>(v);
    return true;
  }
  static PyObject* cast(T v) { return PyFloat_FromDouble(static_cast<double>(v)); }
};

template <class T>
struct caster<std::complex<T>> {
  static constexpr bool is_array = false;
  std::complex<T> value{};
  static std::string describe() { return "complex"; }
  static bool matches(PyObject* o) { return PyComplex_Check(o) || PyArray_IsScalar(o, ComplexFloating); }
  bool load(PyObject* o, const arg_ctx& c) {
    if (PyUnicode_Check(o) || PyBytes_Check(o) || o == Py_None)
      return arg_error(PyExc_TypeError, c, "expected complex, got " + type_name(o));
    Py_complex z = PyComplex_AsCComplex(o);
    if (z.real == -1.0 && PyErr_Occurred()) {
      PyErr_Clear();
      return arg_error(PyExc_TypeError, c, "expected complex, got " + type_name(o));
    }
    value = std::complex<T>(static_cast<T>(z.real), static_cast<T>(z.imag));
    return true;
  }
  static PyObject* cast(const std::complex<T>& v) {
    return PyComplex_FromDoubles(static_cast<double>(v.real()), static_cast<double>(v.imag()));
  }
};

}  // namespace pyx::detail
