// std::string and std::string_view: UTF-8 `str` only. `bytes` is refused
// (decode it first) so text and binary data are never confused silently.
#pragma once

#include <string>
#include <string_view>

#include "pyx/detail/cast_base.hpp"

namespace pyx::detail {

template <class S>
struct string_caster {
  static constexpr bool is_array = false;
  S value{};
  static std::string describe() { return "str"; }
  static bool matches(PyObject* o) { return PyUnicode_Check(o); }
  bool load(PyObject* o, const arg_ctx& c) {
    if (!PyUnicode_Check(o)) {
      if (PyBytes_Check(o))
        return arg_error(PyExc_TypeError, c, "expected str, got bytes (decode it to str first)");
      return arg_error(PyExc_TypeError, c, "expected str, got " + type_name(o));
    }
    Py_ssize_t n = 0;
    const char* p = PyUnicode_AsUTF8AndSize(o, &n);  // cached in the str object: the view stays valid
    if (!p) return false;
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

}  // namespace pyx::detail
