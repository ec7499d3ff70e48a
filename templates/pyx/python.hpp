// Calling back into Python from C++: pyx::import, attribute access, calls
// with positional and keyword arguments (any convertible C++ value),
// pyx::cast (C++ value -> object) and o.as<T>() (object -> C++ value, view or
// array, checked), and pyx::gil, the scope that holds the GIL inside a
// PYX_NOGIL function. Everything here needs the GIL: without it a
// pyx::object operation throws std::logic_error instead of corrupting state.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <string>
#include <utility>

#include "pyx/core.hpp"
#include "pyx/detail/cast_base.hpp"
#include "pyx/object.hpp"

namespace pyx {

// Holds the GIL for its scope (a no-op when the thread already holds it):
// { pyx::gil g; auto np = pyx::import("numpy"); ... } in a PYX_NOGIL function.
// Every pyx::object made in the scope must be destroyed in it.
using gil = detail::gil_acquire;

namespace detail {

PYX_COLD inline void no_gil() {
  throw std::logic_error("pyx::object used without the GIL (in a PYX_NOGIL function, hold a pyx::gil)");
}
inline void require_gil() {
  if (!PyGILState_Check()) [[unlikely]]
    no_gil();
}

template <class T>
PyObject* to_python(T&& v) {
  using D = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<D, object>) {
    return Py_XNewRef(v.ptr());
  } else if constexpr (std::is_convertible_v<const D&, const char*>) {
    return PyUnicode_FromString(v);
  } else {
    return caster<D>::cast(D(std::forward<T>(v)));
  }
}

}  // namespace detail

// A keyword argument: f(x, pyx::kw("axis", 0)).
template <class T>
struct kw_arg {
  const char* name;
  T value;
};
template <class T>
kw_arg<std::remove_cvref_t<T>> kw(const char* name, T&& value) {
  return {name, std::forward<T>(value)};
}

// A C++ value as a Python object (a new reference): pyx::cast(2.5), pyx::cast(v.copy()).
template <class T>
object cast(T&& v) {
  detail::require_gil();
  PyObject* o = detail::to_python(std::forward<T>(v));
  if (!o) throw error_already_set();
  return object::steal(o);
}

// import numpy as np  ->  auto np = pyx::import("numpy");
inline object import(const char* module) {
  detail::require_gil();
  PyObject* m = PyImport_ImportModule(module);
  if (!m) throw error_already_set();
  return object::steal(m);
}

namespace detail {

template <class T>
inline constexpr bool is_kw = false;
template <class T>
inline constexpr bool is_kw<kw_arg<T>> = true;

// o(args..., pyx::kw(...)...): positional values first, then keywords.
template <class... A>
object call(PyObject* f, A&&... args) {
  require_gil();
  constexpr std::size_t nkw = (0 + ... + (is_kw<std::remove_cvref_t<A>> ? 1 : 0));
  constexpr std::size_t n = sizeof...(A);
  PyObject* argv[n + 1] = {};
  PyObject* names = nkw ? PyTuple_New(nkw) : nullptr;
  bool ok = !nkw || names;
  std::size_t pos = 1, k = 0;
  std::size_t npos = n - nkw;
  auto put = [&](auto&& a) {
    using D = std::remove_cvref_t<decltype(a)>;
    if constexpr (is_kw<D>) {
      PyObject* key = PyUnicode_FromString(a.name);
      PyObject* val = ok ? to_python(a.value) : nullptr;
      ok = ok && key && val;
      if (names && key)
        PyTuple_SET_ITEM(names, k, key);
      else
        Py_XDECREF(key);
      argv[1 + npos + k++] = val;
    } else {
      PyObject* val = ok ? to_python(std::forward<decltype(a)>(a)) : nullptr;
      ok = ok && val;
      argv[pos++] = val;
    }
  };
  (put(std::forward<A>(args)), ...);
  PyObject* r = ok ? PyObject_Vectorcall(f, argv + 1, npos | PY_VECTORCALL_ARGUMENTS_OFFSET, names) : nullptr;
  for (std::size_t j = 1; j <= n; ++j) Py_XDECREF(argv[j]);
  Py_XDECREF(names);
  if (!r) throw error_already_set();
  return object::steal(r);
}

// The value of o as T, or error_already_set with TypeError/ValueError naming
// what was expected ("pyx::object::as<T>() argument 'object': expected ...").
template <class T>
T as(PyObject* o, const char* what) {
  require_gil();
  caster<std::remove_cvref_t<T>> c;
  if (!c.load(o, arg_ctx{"pyx::object::as<T>", what})) throw error_already_set();
  return std::move(c.value);
}

}  // namespace detail
}  // namespace pyx
