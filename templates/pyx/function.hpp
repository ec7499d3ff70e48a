// pyx::function<R(Args...)>: a Python callable as a parameter. Calling it
// takes the GIL (also from PYX_NOGIL functions; not from inside an OpenMP
// parallel region, where its exception could not propagate), converts the
// arguments as return values and the result as a parameter. A Python
// exception in the callable is thrown as pyx::error_already_set and comes out
// of the exported function as that same Python exception.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <string>
#include <utility>

#include "pyx/core.hpp"
#include "pyx/detail/cast_base.hpp"

namespace pyx {

namespace detail {
PYX_NOINLINE inline void release_callable(PyObject* f) {
  gil_acquire gil;
  Py_DECREF(f);
}

// TypeError "f() argument 'cb': the callable returned str, expected float".
PYX_COLD inline void bad_callable_result(PyObject* r, const char* func, const char* param, const std::string& want) {
  PyErr_Clear();
  PyErr_Format(PyExc_TypeError, "%s() argument '%s': the callable returned %s, expected %s", func, param,
               type_name(r).c_str(), want.c_str());
}

}  // namespace detail

template <class Sig>
class function;

template <class R, class... A>
class function<R(A...)> {
 public:
  function() = default;
  // Borrows nothing: takes a new reference (the GIL must be held).
  function(PyObject* callable, const char* func, const char* param)
      : f_(Py_NewRef(callable)), func_(func), param_(param) {}
  function(const function& o) : f_(o.f_), func_(o.func_), param_(o.param_) {
    if (f_) {
      detail::gil_acquire gil;
      Py_INCREF(f_);
    }
  }
  function(function&& o) noexcept : f_(std::exchange(o.f_, nullptr)), func_(o.func_), param_(o.param_) {}
  function& operator=(function o) noexcept {
    std::swap(f_, o.f_);
    func_ = o.func_;
    param_ = o.param_;
    return *this;
  }
  ~function() {
    if (f_) detail::release_callable(f_);
  }
  explicit operator bool() const { return f_ != nullptr; }
  PyObject* ptr() const { return f_; }

  R operator()(A... args) const {
    detail::gil_acquire gil;
    PyObject* argv[sizeof...(A) + 1] = {nullptr,
                                        detail::caster<std::remove_cvref_t<A>>::cast(std::remove_cvref_t<A>(args))...};
    bool ok = true;
    for (std::size_t k = 1; k <= sizeof...(A); ++k) ok &= argv[k] != nullptr;
    PyObject* r =
        ok ? PyObject_Vectorcall(f_, argv + 1, sizeof...(A) | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr) : nullptr;
    for (std::size_t k = 1; k <= sizeof...(A); ++k) Py_XDECREF(argv[k]);
    if (!r) throw error_already_set();
    if constexpr (std::is_void_v<R>) {
      Py_DECREF(r);
    } else {
      detail::caster<std::remove_cvref_t<R>> c;
      const bool loaded = c.load(r, detail::arg_ctx{func_, param_});
      if (!loaded) detail::bad_callable_result(r, func_, param_, detail::caster<std::remove_cvref_t<R>>::describe());
      Py_DECREF(r);
      if (!loaded) throw error_already_set();
      return std::move(c.value);
    }
  }

 private:
  PyObject* f_ = nullptr;
  const char* func_ = "function";
  const char* param_ = "callable";
};

namespace detail {

template <class R, class... A>
struct caster<function<R(A...)>> {
  static constexpr bool is_array = false;
  function<R(A...)> value;
  static std::string describe() { return "callable"; }
  static bool matches(PyObject* o, bool) { return PyCallable_Check(o); }
  bool load(PyObject* o, const arg_ctx& c) {
    if (!PyCallable_Check(o)) return type_error(c, "a callable", o);
    value = function<R(A...)>(o, c.func, c.param);
    return true;
  }
};

}  // namespace detail
}  // namespace pyx
