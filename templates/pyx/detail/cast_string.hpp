// std::string, std::string_view and const char*: `str` only, passed as UTF-8.
// `bytes` is refused (decode it first) so text and binary data are never
// confused silently. A string_view or const char* parameter points into the
// str object's cached UTF-8 copy: valid for the call, no copy made.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <string>
#include <string_view>

#include "pyx/detail/cast_base.hpp"

namespace pyx::detail {

// The UTF-8 text of a str argument; NULL with an error naming the parameter.
PYX_NOINLINE inline const char* load_utf8(PyObject* o, const arg_ctx& c, Py_ssize_t* n) {
  if (!PyUnicode_Check(o)) {
    if (PyBytes_Check(o) || PyByteArray_Check(o))
      arg_error(PyExc_TypeError, c, "expected str, got " + type_name(o) + " (decode it to str first, e.g. b.decode())");
    else
      type_error(c, "str", o);
    return nullptr;
  }
  const char* p = PyUnicode_AsUTF8AndSize(o, n);  // cached in the str object
  if (!p && PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
    PyErr_Clear();
    arg_error(PyExc_ValueError, c, "the str cannot be encoded as UTF-8 (it contains a lone surrogate)");
  }
  return p;
}

template <class S>
struct string_caster {
  static constexpr bool is_array = false;
  S value{};
  static std::string describe() { return "str"; }
  static bool matches(PyObject* o, bool) { return PyUnicode_Check(o); }
  bool load(PyObject* o, const arg_ctx& c) {
    Py_ssize_t n = 0;
    const char* p = load_utf8(o, c, &n);
    if (!p) return false;
    if constexpr (std::is_same_v<S, const char*>)
      value = p;
    else
      value = S(p, static_cast<std::size_t>(n));
    return true;
  }
  static PyObject* cast(std::string_view v) {
    return PyUnicode_DecodeUTF8(v.data(), static_cast<Py_ssize_t>(v.size()), "strict");
  }
};

template <>
struct caster<std::string> : string_caster<std::string> {};
template <>
struct caster<std::string_view> : string_caster<std::string_view> {};
// A returned NULL const char* is None.
template <>
struct caster<const char*> : string_caster<const char*> {
  static PyObject* cast(const char* v) {
    if (!v) Py_RETURN_NONE;
    return PyUnicode_DecodeUTF8(v, static_cast<Py_ssize_t>(std::char_traits<char>::length(v)), "strict");
  }
};

}  // namespace pyx::detail
