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
  static bool matches(PyObject* o) { return o == Py_None || caster<T>::matches(o); }
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

template <class... T>
struct caster<std::tuple<T...>> {
  static constexpr bool is_array = false;
  static std::string describe() { return "tuple"; }
  static PyObject* cast(std::tuple<T...>&& v) {
    return cast_impl(std::move(v), std::index_sequence_for<T...>{});
  }

 private:
  template <std::size_t... I>
  static PyObject* cast_impl(std::tuple<T...>&& v, std::index_sequence<I...>) {
    PyObject* items[] = {caster<std::remove_cvref_t<T>>::cast(std::move(std::get<I>(v)))...};
    bool ok = true;
    for (PyObject* it : items) ok &= (it != nullptr);
    PyObject* tuple = ok ? PyTuple_New(sizeof...(T)) : nullptr;
    for (std::size_t k = 0; k < sizeof...(T); ++k) {
      if (tuple) PyTuple_SET_ITEM(tuple, static_cast<Py_ssize_t>(k), items[k]);
      else Py_XDECREF(items[k]);
    }
    return tuple;
  }
};

template <>
struct caster<object> {
  static constexpr bool is_array = false;
  object value;
  static std::string describe() { return "object"; }
  static bool matches(PyObject*) { return true; }
  bool load(PyObject* o, const arg_ctx&) {
    value = object::borrow(o);
    return true;
  }
  static PyObject* cast(object&& v) {
    if (!v) {
      if (PyErr_Occurred()) return nullptr;
      Py_RETURN_NONE;
    }
    return v.release();
  }
};

}  // namespace pyx::detail
