// The caster protocol between generated wrappers and C++ values.
//
// caster<T> (T without references or top-level const) provides, for parameters:
//   static constexpr bool is_array;                 // an array or view (dtype dispatch)
//   static bool matches(PyObject*, bool strict);    // fused dispatch, never sets an error:
//       strict: the Python type is this type's own (int for integers, and the
//               value fits; float for floating point; the exact dtype for arrays);
//       loose:  load() would accept the type (an int for a double parameter)
//   bool load(PyObject*, const arg_ctx&);           // false with a Python error naming
//                                                   // function and parameter
//   T value;                                        // the converted value
//   static std::string describe();                  // "int", "ndarray[int32, 2-D, C-contiguous]"
// and for returns:
//   static PyObject* cast(T&&);                     // new reference, or NULL with an error set
//
// Keep the templates thin: anything that builds a message or walks a slow
// path is a PYX_COLD non-template function, compiled once per module.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

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

inline std::string type_name(PyObject* o) {
  if (o == Py_None) return "None";
  return Py_TYPE(o)->tp_name;
}

// Sets `exc` with "func() argument 'param': message" and returns false.
PYX_COLD inline bool arg_error(PyObject* exc, const arg_ctx& c, const std::string& message) {
  PyErr_Format(exc, "%s() argument '%s': %s", c.func, c.param, message.c_str());
  return false;
}

// TypeError "func() argument 'param': expected <expected>, got <type>".
PYX_COLD inline bool type_error(const arg_ctx& c, const char* expected, PyObject* got) {
  return arg_error(PyExc_TypeError, c, std::string("expected ") + expected + ", got " + type_name(got));
}

// A short description of a Python value for "expected X, got Y" messages.
PYX_COLD inline std::string describe_object(PyObject* o) {
  if (o && PyArray_Check(o)) {
    auto* a = reinterpret_cast<PyArrayObject*>(o);
    PyObject* s = PyObject_Str(reinterpret_cast<PyObject*>(PyArray_DESCR(a)));
    const char* u = s ? PyUnicode_AsUTF8(s) : nullptr;
    std::string dt = u ? u : "?";
    Py_XDECREF(s);
    if (!u) PyErr_Clear();
    return "ndarray[" + dt + ", " + std::to_string(PyArray_NDIM(a)) + "-D]";
  }
  return o ? type_name(o) : "<missing>";
}

}  // namespace pyx::detail
