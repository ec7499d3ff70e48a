// Checked indexing support. An out-of-bounds index throws pyx::index_error,
// except inside an OpenMP parallel region, where a throw would terminate the
// process: there the first error is recorded, the access goes to a dummy
// element, and the wrapper raises IndexError once the call has returned.
// (Other threads started by user code must not index out of bounds: an
// exception escaping a std::thread terminates the process, as in any C++.)
#pragma once

#include <array>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "pyx/core.hpp"

namespace pyx::detail {

struct deferred_error {
  bool set = false;  // written under the critical section, read after the parallel region
  std::string message;
};

// Constant-initialised: no guard on the wrapper's fast path.
inline deferred_error deferred_oob;

// Raises the recorded out-of-bounds error as IndexError (the wrapper checks
// deferred_oob.set after every call).
PYX_COLD inline void raise_deferred_error() {
  auto& d = deferred_oob;
  PyErr_SetString(PyExc_IndexError, d.message.c_str());
  d.message.clear();
  d.set = false;
}

// "index (1, 7) is out of bounds for array 'v' with shape (2, 3)"
PYX_COLD inline std::string oob_message(const char* name, const index_t* idx, const index_t* shape, int n) {
  auto tuple = [n](const index_t* v) {
    std::string s = "(";
    for (int k = 0; k < n; ++k) {
      if (k) s += ", ";
      s += std::to_string(v[k]);
    }
    if (n == 1) s += ",";
    return s + ")";
  };
  return "index " + tuple(idx) + " is out of bounds for array '" + (name ? name : "array") + "' with shape " +
         tuple(shape);
}

// Throws index_error, or records the error when called in a parallel region.
// Returns normally only in the latter case: the caller then uses a dummy element.
PYX_COLD inline void out_of_bounds(const char* name, const index_t* idx, const index_t* shape, int n) {
  std::string msg = oob_message(name, idx, shape, n);
#ifdef _OPENMP
  if (omp_in_parallel()) {
#pragma omp critical(pyx_deferred_error)
    {
      auto& d = deferred_oob;
      if (!d.set) {
        d.message = std::move(msg);
        d.set = true;
      }
    }
    return;
  }
#endif
  throw index_error(msg);
}

template <class T, std::size_t N>
T& out_of_bounds(const char* name, const index_t (&idx)[N], const std::array<index_t, N>& shape) {
  out_of_bounds(name, idx, shape.data(), static_cast<int>(N));
  static thread_local std::remove_const_t<T> dummy{};
  return dummy;
}

template <std::size_t N>
inline bool in_bounds(const index_t (&idx)[N], const std::array<index_t, N>& shape) {
  bool ok = true;
  for (std::size_t k = 0; k < N; ++k) ok &= static_cast<std::size_t>(idx[k]) < static_cast<std::size_t>(shape[k]);
  return ok;
}

}  // namespace pyx::detail
