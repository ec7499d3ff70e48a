// The base of the pyx runtime: Python and NumPy headers, the export marks,
// the fused-type concept, index type, error types and GIL helpers.
// Every generated module compiles this: keep it lean.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifndef NPY_NO_DEPRECATED_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#endif
// One NumPy API table per module; only the generated module.cpp imports it,
// extra `sources` files that include pyx see it through this symbol.
#define PY_ARRAY_UNIQUE_SYMBOL cxximport_ARRAY_API
#ifndef PYX_MAIN_TU
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include <concepts>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

// Marks read by the cxximport scanner; they expand to nothing for the compiler.
#define PYX_EXPORT
#define PYX_NOGIL
// The ufunc marks (docs/language.md, "Ufuncs"); their runtime is pyx/ufunc.hpp.
#define PYX_UFUNC
#define PYX_GUFUNC(signature)
#define PYX_UFUNC_IDENTITY(...)
#define PYX_UFUNC_GIL
#define PYX_UFUNC_PARALLEL
#define PYX_UFUNC_PARALLEL_MIN(elements)
// Marks a getter (and its set_NAME setter) as a Python property (docs/language.md, "Classes").
#define PYX_PROPERTY
// Uses a class another .cxxpyx module exports as that module's Python type
// (docs/language.md, "Classes from another module"): PYX_IMPORT(geometry, geom::Vec);
#define PYX_IMPORT(module, ...) static_assert(sizeof(__VA_ARGS__) > 0, "PYX_IMPORT names a complete class")

// Error paths are out of line and optimised for size: every exported function
// instantiates the conversions, and only the fast path should be inlined.
#if defined(__GNUC__) || defined(__clang__)
#define PYX_COLD __attribute__((cold, noinline))
#define PYX_NOINLINE __attribute__((noinline))
#else
#define PYX_COLD
#define PYX_NOINLINE
#endif

#if defined(PYX_BOUNDSCHECK) && PYX_BOUNDSCHECK
#define PYX_CHECKED_INDEXING 1
#else
#define PYX_CHECKED_INDEXING 0
#endif

namespace pyx {

using index_t = Py_ssize_t;

// `template <pyx::fused<int, double> T>`: T is exactly one of the listed types.
template <class T, class... Ts>
concept fused = (std::same_as<T, Ts> || ...);

// A Python exception is already set; the wrapper returns NULL.
struct error_already_set : std::exception {
  const char* what() const noexcept override { return "Python error already set"; }
};

// Raised by checked indexing; becomes IndexError.
struct index_error : std::out_of_range {
  using std::out_of_range::out_of_range;
};

namespace detail {

template <class>
inline constexpr bool dependent_false = false;

// Holds the GIL for its lifetime, whether or not the thread had it.
class gil_acquire {
 public:
  gil_acquire() : held_(PyGILState_Check()) {
    if (!held_) state_ = PyGILState_Ensure();
  }
  ~gil_acquire() {
    if (!held_) PyGILState_Release(state_);
  }
  gil_acquire(const gil_acquire&) = delete;
  gil_acquire& operator=(const gil_acquire&) = delete;

 private:
  int held_;
  PyGILState_STATE state_{};
};

// Releases the GIL for its lifetime when `release` is true.
class gil_release {
 public:
  explicit gil_release(bool release) : ts_(release ? PyEval_SaveThread() : nullptr) {}
  ~gil_release() {
    if (ts_) PyEval_RestoreThread(ts_);
  }
  gil_release(const gil_release&) = delete;
  gil_release& operator=(const gil_release&) = delete;

 private:
  PyThreadState* ts_;
};

}  // namespace detail
}  // namespace pyx
