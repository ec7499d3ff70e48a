// std::optional (None), std::tuple returns, pyx::object.
#pragma once

#include <optional>
#include <tuple>
#include <utility>

#include "pyx/detail/cast_base.hpp"
#include "pyx/object.hpp"

namespace pyx::detail {

template <class T>
struct caster<std::optional<T>> {
  static constexpr bool is_array = caster<T>::is_array;
  std::optional<T> value;
  static std::string describe() { return caster<T>::describe() + " | None"; }
  static bool matches(PyObject* o, bool strict) { return o == Py_None || caster<T>::matches(o, strict); }
  bool load(PyObject* o, const arg_ctx& c) {
    if (o == Py_None) {
      value.reset();
      return true;
    }
    caster<T> inner;
    if (!inner.load(o, c)) return false;
    value.emplace(std::move(inner.value));
    return true;
  }
  static PyObject* cast(std::optional<T>&& v) {
    if (!v) Py_RETURN_NONE;
    return caster<T>::cast(std::move(*v));
  }
};

// Fills a new tuple; on a failed item, releases what was made and returns NULL.
PYX_NOINLINE inline PyObject* make_tuple(PyObject** items, Py_ssize_t n) {
  PyObject* tuple = nullptr;
  bool ok = true;
  for (Py_ssize_t k = 0; k < n; ++k) ok &= items[k] != nullptr;
  if (ok) tuple = PyTuple_New(n);
  for (Py_ssize_t k = 0; k < n; ++k) {
    if (tuple) PyTuple_SET_ITEM(tuple, k, items[k]);
    else Py_XDECREF(items[k]);
  }
  return tuple;
}

template <class... T>
struct caster<std::tuple<T...>> {
  static constexpr bool is_array = false;
  static std::string describe() { return "tuple"; }
  static PyObject* cast(std::tuple<T...>&& v) {
    if constexpr (sizeof...(T) == 0) {
      return PyTuple_New(0);
    } else {
      // Items are converted in order; after a failure (a Python error is set)
      // the rest are skipped and only destroyed.
      PyObject* items[sizeof...(T)] = {};
      bool ok = true;
      std::size_t k = 0;
      std::apply(
          [&](auto&... x) {
            ((items[k++] = ok ? caster<std::remove_cvref_t<decltype(x)>>::cast(std::move(x)) : nullptr,
              ok = ok && items[k - 1] != nullptr),
             ...);
          },
          v);
      return make_tuple(items, static_cast<Py_ssize_t>(sizeof...(T)));
    }
  }
};

template <>
struct caster<object> {
  static constexpr bool is_array = false;
  object value;
  static std::string describe() { return "object"; }
  static bool matches(PyObject*, bool) { return true; }
  bool load(PyObject* o, const arg_ctx&) {
    value = object::borrow(o);
    return true;
  }
  // An empty pyx::object is None (unless a Python error is set).
  static PyObject* cast(object&& v) {
    if (!v) {
      if (PyErr_Occurred()) return nullptr;
      Py_RETURN_NONE;
    }
    return v.release();
  }
};

}  // namespace pyx::detail
