// NumPy arrays into views (borrowed: valid for the call) and pyx::array
// (owned reference), and pyx::array back to Python without a copy.
#pragma once

#include "pyx/array.hpp"
#include "pyx/detail/cast_base.hpp"
#include "pyx/dtype.hpp"
#include "pyx/view.hpp"

namespace pyx::detail {

// What a view or array parameter requires of its argument.
struct array_spec {
  const dtype_info* dtype;
  int ndim;
  layout order;
  bool writable;
};

template <class T, int N, layout L>
inline constexpr array_spec array_spec_v{&dtype_v<T>, N, L, !std::is_const_v<T>};

PYX_COLD inline std::string describe_array(const array_spec& s) {
  std::string d = std::string("ndarray[") + s.dtype->name + ", " + (s.ndim < 0 ? "any" : std::to_string(s.ndim)) + "-D";
  if (s.order == layout::c) d += ", C-contiguous";
  if (s.order == layout::f) d += ", F-contiguous";
  if (s.writable) d += ", writable";
  return d + "]";
}

PYX_COLD inline std::string shape_text(PyArrayObject* a) {
  std::string s = "(";
  for (int k = 0; k < PyArray_NDIM(a); ++k) {
    if (k) s += ", ";
    s += std::to_string(PyArray_DIM(a, k));
  }
  if (PyArray_NDIM(a) == 1) s += ",";
  return s + ")";
}

// The error for an argument that fails check_array.
PYX_COLD inline PyArrayObject* array_error(PyObject* o, const arg_ctx& c, const array_spec& s) {
  const char* dt = s.dtype->name;
  if (!PyArray_Check(o)) {
    arg_error(PyExc_TypeError, c,
              "expected numpy.ndarray of " + std::string(dt) + ", got " + type_name(o) +
                  (PySequence_Check(o) ? " (convert with numpy.asarray(x, dtype=numpy." + std::string(dt) + "))"
                                       : ""));
    return nullptr;
  }
  auto* a = reinterpret_cast<PyArrayObject*>(o);
  if (!dtype_matches(a, *s.dtype)) {
    arg_error(PyExc_TypeError, c,
              "expected an array of dtype " + std::string(dt) + ", got dtype " + dtype_name(a) +
                  " (convert with .astype(numpy." + dt + "))");
  } else if (s.ndim >= 0 && PyArray_NDIM(a) != s.ndim) {
    arg_error(PyExc_ValueError, c,
              "expected a " + std::to_string(s.ndim) + "-D array, got a " + std::to_string(PyArray_NDIM(a)) +
                  "-D array with shape " + shape_text(a));
  } else if (s.order == layout::c && !PyArray_IS_C_CONTIGUOUS(a)) {
    arg_error(PyExc_ValueError, c,
              "expected a C-contiguous array, got a non-contiguous one (pass "
              "numpy.ascontiguousarray(x), or declare the parameter pyx::view for any strides)");
  } else if (s.order == layout::f && !PyArray_IS_F_CONTIGUOUS(a)) {
    arg_error(PyExc_ValueError, c,
              "expected a Fortran-contiguous array, got one that is not (pass "
              "numpy.asfortranarray(x), or declare the parameter pyx::view for any strides)");
  } else if (!PyArray_ISALIGNED(a)) {
    arg_error(PyExc_ValueError, c, "expected an aligned array, got an unaligned one (pass x.copy())");
  } else if (s.writable && !PyArray_ISWRITEABLE(a)) {
    arg_error(PyExc_ValueError, c,
              "expected a writable array, got a read-only one (pass a writable array such as "
              "x.copy(), or declare the element type const)");
  } else {
    arg_error(PyExc_ValueError, c, "unsupported array");
  }
  return nullptr;
}

// A numpy.ma.MaskedArray (or subclass): its mask would be silently ignored.
// Only subclasses of ndarray get here, and masked arrays exist only once
// numpy.ma is imported.
PYX_NOINLINE inline bool is_masked_array(PyObject* o) {
  PyObject* modules = PyImport_GetModuleDict();
  PyObject* ma = PyDict_GetItemString(modules, "numpy.ma.core");  // borrowed
  if (!ma) return false;
  PyObject* cls = PyObject_GetAttrString(ma, "MaskedArray");
  if (!cls) {
    PyErr_Clear();
    return false;
  }
  int r = PyObject_IsInstance(o, cls);
  Py_DECREF(cls);
  if (r < 0) PyErr_Clear();
  return r == 1;
}

PYX_COLD inline PyArrayObject* masked_array_error(PyObject* o, const arg_ctx& c, const array_spec& s) {
  arg_error(PyExc_TypeError, c,
            "expected numpy.ndarray of " + std::string(s.dtype->name) + ", got " + type_name(o) +
                " (a masked array's mask would be ignored: pass x.filled(value) for the data with "
                "masked entries replaced, or numpy.asarray(x) for the data as it is)");
  return nullptr;
}

// The array if it meets the spec; otherwise NULL with an error naming
// function, parameter, what was expected and what was given.
inline PyArrayObject* check_array(PyObject* o, const arg_ctx& c, const array_spec& s) {
  if (!PyArray_Check(o)) return array_error(o, c, s);
  if (!PyArray_CheckExact(o) && is_masked_array(o)) [[unlikely]]
    return masked_array_error(o, c, s);
  auto* a = reinterpret_cast<PyArrayObject*>(o);
  int flags = PyArray_FLAGS(a);
  bool ok = dtype_matches(a, *s.dtype) && (s.ndim < 0 || PyArray_NDIM(a) == s.ndim) && (flags & NPY_ARRAY_ALIGNED) &&
            (!s.writable || (flags & NPY_ARRAY_WRITEABLE)) &&
            (s.order != layout::c || (flags & NPY_ARRAY_C_CONTIGUOUS)) &&
            (s.order != layout::f || (flags & NPY_ARRAY_F_CONTIGUOUS));
  return ok ? a : array_error(o, c, s);
}

inline bool array_matches(PyObject* o, const dtype_info& d) {
  return PyArray_Check(o) && dtype_matches(reinterpret_cast<PyArrayObject*>(o), d);
}

template <class T, int N, layout L>
struct caster<basic_view<T, N, L>> {
  static constexpr bool is_array = true;
  basic_view<T, N, L> value;
  static std::string describe() { return describe_array(array_spec_v<T, N, L>); }
  static bool matches(PyObject* o, bool) { return array_matches(o, dtype_v<T>); }
  bool load(PyObject* o, const arg_ctx& c) {
    PyArrayObject* a = check_array(o, c, array_spec_v<T, N, L>);
    if (!a) return false;
    value = basic_view<T, N, L>(static_cast<T*>(PyArray_DATA(a)), PyArray_DIMS(a), PyArray_STRIDES(a), c.param);
    return true;
  }
};

template <class T, int N, layout L>
struct caster<array<T, N, L>> {
  static constexpr bool is_array = true;
  array<T, N, L> value;
  static std::string describe() { return describe_array(array_spec_v<T, N, L>); }
  static bool matches(PyObject* o, bool) { return array_matches(o, dtype_v<T>); }
  bool load(PyObject* o, const arg_ctx& c) {
    PyArrayObject* a = check_array(o, c, array_spec_v<T, N, L>);
    if (!a) return false;
    Py_INCREF(o);
    value = array<T, N, L>::steal(o, c.param);
    return true;
  }
  static PyObject* cast(array<T, N, L>&& v) {
    PyObject* o = v.release();
    if (!o) PyErr_SetString(PyExc_ValueError, "returned pyx::array is empty (moved from or never created)");
    return o;
  }
};

}  // namespace pyx::detail
