// pyx::object: an owning, reference-counted handle to any Python object, the
// escape hatch for anything the typed conversions do not cover. Use it only
// with the GIL held (not in PYX_NOGIL functions).
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <utility>

#include "pyx/core.hpp"

namespace pyx {

class object {
 public:
  object() = default;
  static object borrow(PyObject* o) {
    Py_XINCREF(o);
    return object(o);
  }
  static object steal(PyObject* o) { return object(o); }
  object(const object& o) : p_(o.p_) { Py_XINCREF(p_); }
  object(object&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  object& operator=(object o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~object() { Py_XDECREF(p_); }

  PyObject* ptr() const { return p_; }
  PyObject* release() { return std::exchange(p_, nullptr); }
  explicit operator bool() const { return p_ != nullptr; }
  bool is_none() const { return p_ == Py_None; }

  // Attribute access and calls; a Python error becomes error_already_set.
  object attr(const char* name) const { return checked(PyObject_GetAttrString(p_, name)); }
  void set_attr(const char* name, const object& value) const {
    if (PyObject_SetAttrString(p_, name, value.ptr()) < 0) throw error_already_set();
  }
  // o(1.5, v.copy(), pyx::kw("axis", 0)): any C++ value a function could
  // return, pyx::object, strings; keywords with pyx::kw (pyx/python.hpp).
  template <class... A>
  object operator()(A&&... args) const;
  // The value as a C++ type, view or pyx::array, checked: o.as<double>(),
  // o.as<pyx::view<const double, 2>>() (borrows o's memory: keep o alive).
  template <class T>
  T as() const;
  std::string repr() const {
    object r = checked(PyObject_Repr(p_));
    const char* s = PyUnicode_AsUTF8(r.ptr());
    if (!s) throw error_already_set();
    return s;
  }

 private:
  explicit object(PyObject* p) : p_(p) {}
  static object checked(PyObject* r) {
    if (!r) throw error_already_set();
    return object(r);
  }
  PyObject* p_ = nullptr;
};

inline object none() { return object::borrow(Py_None); }

namespace detail {
template <class... A>
object call(PyObject* f, A&&... args);
template <class T>
T as(PyObject* o, const char* what);
}  // namespace detail

template <class... A>
object object::operator()(A&&... args) const {
  return detail::call(p_, std::forward<A>(args)...);
}
template <class T>
T object::as() const {
  return detail::as<T>(p_, "object");
}

}  // namespace pyx
