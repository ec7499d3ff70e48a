// std::optional (None), std::tuple returns, pyx::object.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

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
    if (tuple)
      PyTuple_SET_ITEM(tuple, k, items[k]);
    else
      Py_XDECREF(items[k]);
  }
  return tuple;
}

// A list or tuple (any sequence: PySequence_Fast) of exactly n items, as a
// new reference; NULL with "f() argument 'p': expected a sequence of length
// n, got ..." otherwise.
PYX_NOINLINE inline PyObject* sequence_of(PyObject* o, const arg_ctx& c, Py_ssize_t n) {
  if (!PySequence_Check(o) || PyUnicode_Check(o) || PyBytes_Check(o) || PyDict_Check(o) || PyByteArray_Check(o)) {
    std::string expected = n < 0 ? "a sequence" : "a sequence of length " + std::to_string(n);
    type_error(c, expected.c_str(), o);
    return nullptr;
  }
  PyObject* seq = PySequence_Fast(o, "expected a sequence");
  if (!seq) return nullptr;
  if (n >= 0 && PySequence_Fast_GET_SIZE(seq) != n) {
    arg_error(PyExc_ValueError, c,
              "expected a sequence of length " + std::to_string(n) + ", got " + type_name(o) + " of length " +
                  std::to_string(PySequence_Fast_GET_SIZE(seq)));
    Py_DECREF(seq);
    return nullptr;
  }
  return seq;
}

// The context of item k of a sequence parameter: "mask[1]".
struct item_ctx {
  std::string name;
  arg_ctx ctx;
  item_ctx(const arg_ctx& c, Py_ssize_t k)
      : name(std::string(c.param) + "[" + std::to_string(k) + "]"), ctx{c.func, name.c_str()} {}
};

// Converts the items of a tuple-like value one by one.
template <class Tuple, class... T>
struct tuple_caster {
  static constexpr bool is_array = false;
  Tuple value{};
  static std::string describe() {
    std::string d = "tuple[";
    std::size_t k = 0;
    ((d += (k++ ? ", " : "") + caster<T>::describe()), ...);
    return d + "]";
  }
  static bool matches(PyObject* o, bool) { return PySequence_Check(o) && !PyUnicode_Check(o) && !PyBytes_Check(o); }
  bool load(PyObject* o, const arg_ctx& c) {
    PyObject* seq = sequence_of(o, c, sizeof...(T));
    if (!seq) return false;
    PyObject** items = PySequence_Fast_ITEMS(seq);
    bool ok = load_items(items, c, std::index_sequence_for<T...>{});
    Py_DECREF(seq);
    return ok;
  }
  template <std::size_t... I>
  bool load_items(PyObject** items, const arg_ctx& c, std::index_sequence<I...>) {
    return (load_item<I>(items[I], c) && ...);
  }
  template <std::size_t I>
  bool load_item(PyObject* item, const arg_ctx& c) {
    caster<std::tuple_element_t<I, std::tuple<T...>>> inner;
    if (!inner.load(item, item_ctx(c, I).ctx)) return false;
    std::get<I>(value) = std::move(inner.value);
    return true;
  }
  static PyObject* cast(Tuple&& v) {
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

// std::tuple and std::pair: from any sequence of the right length (a list,
// a tuple, a NumPy 1-D array...), returned as a tuple.
template <class... T>
struct caster<std::tuple<T...>> : tuple_caster<std::tuple<T...>, T...> {};
template <class A, class B>
struct caster<std::pair<A, B>> : tuple_caster<std::pair<A, B>, A, B> {};

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
