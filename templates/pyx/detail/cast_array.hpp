// NumPy arrays into views (borrowed: valid for the call) and pyx::array
// (owned reference), and pyx::array back to Python without a copy.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

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
                  (PySequence_Check(o) ? " (convert with numpy.asarray(x, dtype=numpy." + std::string(dt) + "))" : ""));
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

// The arguments of the call whose result is being converted: a returned view
// becomes a NumPy view of the argument it looks into (invoke.hpp sets it).
struct returning_call {
  PyObject* const* args = nullptr;
  int nargs = 0;
};
inline thread_local returning_call returning;

// [lo, hi) bytes spanned by n dimensions of shape/strides from data.
inline void byte_span(const char* data, int n, const index_t* shape, const index_t* strides, index_t itemsize,
                      const char** lo, const char** hi) {
  index_t a = 0, b = itemsize;
  for (int k = 0; k < n; ++k) {
    if (shape[k] == 0) b = a;  // empty: no bytes
    const index_t step = (shape[k] - 1) * strides[k];
    if (step < 0)
      a += step;
    else
      b += step;
  }
  *lo = data + a;
  *hi = data + (b > a ? b : a);
}

// A NumPy view of the argument that holds the memory (its base keeps the
// argument alive); ValueError when no argument does.
PYX_NOINLINE inline PyObject* view_of_argument(void* data, int n, const index_t* shape, const index_t* strides,
                                               const dtype_info& dt, bool writable) {
  const char *lo, *hi;
  byte_span(static_cast<const char*>(data), n, shape, strides, dt.itemsize, &lo, &hi);
  PyObject* base = nullptr;
  for (int k = 0; k < returning.nargs && !base; ++k) {
    PyObject* o = returning.args[k];
    if (!o || !PyArray_Check(o)) continue;
    auto* a = reinterpret_cast<PyArrayObject*>(o);
    const char *alo, *ahi;
    byte_span(PyArray_BYTES(a), PyArray_NDIM(a), PyArray_DIMS(a), PyArray_STRIDES(a), PyArray_ITEMSIZE(a), &alo, &ahi);
    if (alo <= lo && hi <= ahi && (lo < hi || (alo <= lo && lo <= ahi))) base = o;
  }
  if (!base) {
    PyErr_SetString(PyExc_ValueError,
                    "the returned view does not look into an array argument of the call (return a pyx::array, "
                    "e.g. v.copy(), for memory the function made)");
    return nullptr;
  }
  npy_intp dims[NPY_MAXDIMS], st[NPY_MAXDIMS];
  for (int k = 0; k < n; ++k) {
    dims[k] = shape[k];
    st[k] = strides[k];
  }
  const bool write = writable && PyArray_ISWRITEABLE(reinterpret_cast<PyArrayObject*>(base));
  PyObject* arr = PyArray_NewFromDescr(&PyArray_Type, PyArray_DescrFromType(dt.typenum), n, dims, st, data,
                                       write ? NPY_ARRAY_WRITEABLE : 0, nullptr);
  if (!arr) return nullptr;
  if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(arr), Py_NewRef(base)) < 0) {
    Py_DECREF(arr);
    return nullptr;
  }
  return arr;
}

template <class T, int N, layout L>
struct caster<basic_view<T, N, L>> {
  static constexpr bool returns_view = true;
  // A returned view is a NumPy view of the argument it looks into, not a copy.
  static PyObject* cast(const basic_view<T, N, L>& v) {
    return view_of_argument(const_cast<std::remove_const_t<T>*>(v.data()), N, v.shape().data(), v.strides().data(),
                            dtype_v<T>, !std::is_const_v<T>);
  }
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
