// Included by the generated module.cpp after the user's source: conversions
// for standard types the source included itself, so a module that does not
// use them does not pay for compiling their headers.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include "pyx/detail/cast_compound.hpp"

#if defined(_GLIBCXX_VECTOR) || defined(_LIBCPP_VECTOR)
namespace pyx::detail {

// std::vector<T>: from any sequence (a list, a tuple, a NumPy 1-D array...),
// each item converted as a T parameter ("f() argument 'xs[3]': ..."); returned
// as a list.
template <class T, class A>
struct caster<std::vector<T, A>> {
  static constexpr bool is_array = false;
  std::vector<T, A> value;
  static std::string describe() { return "list[" + caster<T>::describe() + "]"; }
  static bool matches(PyObject* o, bool) { return PySequence_Check(o) && !PyUnicode_Check(o) && !PyBytes_Check(o); }
  bool load(PyObject* o, const arg_ctx& c) {
    PyObject* seq = sequence_of(o, c, -1);
    if (!seq) return false;
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject** items = PySequence_Fast_ITEMS(seq);
    value.clear();
    value.reserve(static_cast<std::size_t>(n));
    bool ok = true;
    for (Py_ssize_t k = 0; ok && k < n; ++k) {
      caster<T> inner;
      ok = inner.load(items[k], item_ctx(c, k).ctx);
      if (ok) value.push_back(std::move(inner.value));
    }
    Py_DECREF(seq);
    return ok;
  }
  static PyObject* cast(std::vector<T, A>&& v) {
    PyObject* list = PyList_New(static_cast<Py_ssize_t>(v.size()));
    if (!list) return nullptr;
    for (std::size_t k = 0; k < v.size(); ++k) {
      PyObject* item = caster<T>::cast(std::move(v[k]));
      if (!item) {
        Py_DECREF(list);
        return nullptr;
      }
      PyList_SET_ITEM(list, static_cast<Py_ssize_t>(k), item);
    }
    return list;
  }
};

}  // namespace pyx::detail
#endif
