// The caster protocol between generated wrappers and C++ values.
//
// caster<T> (T without references or top-level const) provides, for parameters:
//   static constexpr bool is_array;        // takes part in dtype dispatch of fused functions
//   static bool matches(PyObject*);         // strict match, no error set (fused dispatch)
//   bool load(PyObject*, const arg_ctx&);   // false with a Python error naming function and parameter
//   T value;                                // the converted value
//   static std::string describe();          // "int", "ndarray[int32, 2-D, C-contiguous]"
// and for returns:
//   static PyObject* cast(T&&);             // new reference, or NULL with an error set
#pragma once

#include <string>

#include "pyx/core.hpp"

namespace pyx::detail {

struct arg_ctx {
  const char* func;
  const char* param;
};

template <class T, class Enable = void>
struct caster {
  static_assert(dependent_false<T>,
                "cxximport: unsupported parameter or return type in an exported function "
                "(see docs/language.md for the supported types; pyx::object accepts anything)");
};

// Sets `exc` with "func() argument 'param': message" and returns false.
inline bool arg_error(PyObject* exc, const arg_ctx& c, const std::string& message) {
  PyErr_Format(exc, "%s() argument '%s': %s", c.func, c.param, message.c_str());
  return false;
}

inline std::string type_name(PyObject* o) {
  if (o == Py_None) return "None";
  return Py_TYPE(o)->tp_name;
}

// A short description of a Python value for "expected X, got Y" messages.
inline std::string describe_object(PyObject* o) {
  if (o && PyArray_Check(o)) {
    auto* a = reinterpret_cast<PyArrayObject*>(o);
    PyObject* s = PyObject_Str(reinterpret_cast<PyObject*>(PyArray_DESCR(a)));
    std::string dt = s && PyUnicode_AsUTF8(s) ? PyUnicode_AsUTF8(s) : "?";
    Py_XDECREF(s);
    PyErr_Clear();
    return "ndarray[" + dt + ", " + std::to_string(PyArray_NDIM(a)) + "-D]";
  }
  return o ? type_name(o) : "<missing>";
}

}  // namespace pyx::detail
