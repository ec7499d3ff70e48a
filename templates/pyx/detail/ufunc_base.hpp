// The base of the ufunc runtime (pyx/ufunc.hpp): NumPy's ufunc API, the
// helpers a scalar rule uses to report NumPy's floating-point errors, the
// loop options, and what every loop shares: the OpenMP split and the
// translation of C++ exceptions.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <algorithm>
#include <array>
#include <atomic>
#include <cfenv>
#include <csetjmp>
#include <csignal>
#include <cstring>
#include <exception>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "pyx/core.hpp"
#include "pyx/detail/invoke.hpp"
#include "pyx/dtype.hpp"
#include "pyx/view.hpp"

#define PY_UFUNC_UNIQUE_SYMBOL cxximport_UFUNC_API
#ifndef PYX_MAIN_TU
#define NO_IMPORT_UFUNC
#endif
#include <numpy/ufuncobject.h>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace pyx {

// NumPy reads the CPU's floating-point flags after a ufunc loop and warns,
// raises or ignores them as np.errstate says. These set one flag, as NumPy's
// npy_set_floatstatus_* do; float arithmetic sets them by itself.
inline void set_floatstatus_divbyzero() { std::feraiseexcept(FE_DIVBYZERO); }
inline void set_floatstatus_overflow() { std::feraiseexcept(FE_OVERFLOW); }
inline void set_floatstatus_underflow() { std::feraiseexcept(FE_UNDERFLOW); }
inline void set_floatstatus_invalid() { std::feraiseexcept(FE_INVALID); }

// Integer `a // b` as NumPy computes it: rounds toward minus infinity;
// b == 0 gives 0 and the divide-by-zero flag, MIN // -1 gives MIN and the
// overflow flag (C++'s `/` would trap on both).
template <std::integral T>
  requires(!std::is_same_v<T, bool>)
inline T floor_divide(T a, T b) {
  if (b == 0) [[unlikely]] {
    set_floatstatus_divbyzero();
    return 0;
  }
  if constexpr (std::is_signed_v<T>) {
    if (b == -1) [[unlikely]] {
      if (a == std::numeric_limits<T>::min()) set_floatstatus_overflow();
      return a == std::numeric_limits<T>::min() ? a : static_cast<T>(-a);
    }
    T q = static_cast<T>(a / b);
    if (a % b != 0 && ((a < 0) != (b < 0))) --q;
    return q;
  } else {
    return static_cast<T>(a / b);
  }
}

// Integer `a % b` as NumPy computes it: the sign of b; b == 0 gives 0 and
// the divide-by-zero flag.
template <std::integral T>
  requires(!std::is_same_v<T, bool>)
inline T remainder(T a, T b) {
  if (b == 0) [[unlikely]] {
    set_floatstatus_divbyzero();
    return 0;
  }
  if constexpr (std::is_signed_v<T>) {
    if (b == -1) return 0;
    T r = static_cast<T>(a % b);
    if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
    return r;
  } else {
    return static_cast<T>(a % b);
  }
}

namespace ufunc {

// The marks' options, as template arguments of every loop.
template <bool Gil, bool Parallel, long long Threshold>
struct options {
  static constexpr bool gil = Gil;
  static constexpr bool parallel = Parallel;
  static constexpr npy_intp threshold = Threshold;
};

// Below this many elements (outer iterations for a gufunc) a
// PYX_UFUNC_PARALLEL loop stays serial: starting the threads costs more than
// it saves (measured by benchmarks/bench_ufunc.py, docs/language.md).
inline constexpr long long default_parallel_threshold = 65536;

template <class T>
inline constexpr int typenum_v = detail::dtype_v<std::remove_cvref_t<T>>.typenum;

template <class R>
struct outputs_of {
  using type = std::tuple<R>;
  static constexpr bool is_tuple = false;
};
template <class... R>
struct outputs_of<std::tuple<R...>> {
  using type = std::tuple<R...>;
  static constexpr bool is_tuple = true;
};

// Runs body(begin, end) over [0, n): split across OpenMP threads when asked
// and n is large, else in this thread. Worker threads start with clean
// floating-point flags and hand theirs to this thread, where NumPy reads
// them; the first C++ exception of any thread is rethrown here.
template <class Opts, class Body>
void run_range(npy_intp n, bool may_split, Body&& body) {
#ifdef _OPENMP
  if constexpr (Opts::parallel) {
    if (may_split && n >= Opts::threshold && !omp_in_parallel() && omp_get_max_threads() > 1) {
      std::atomic<int> flags{0};
      std::exception_ptr first;
#pragma omp parallel
      {
        const npy_intp nt = omp_get_num_threads(), t = omp_get_thread_num();
        if (t != 0) std::feclearexcept(FE_ALL_EXCEPT);
        // Shares of whole cache lines when they are long (no false sharing of outputs).
        npy_intp chunk = (n + nt - 1) / nt;
        if (chunk > 4096) chunk = (chunk + 63) / 64 * 64;
        const npy_intp b = std::min(n, t * chunk), e = std::min(n, b + chunk);
        try {
          if (b < e) body(b, e);
        } catch (...) {
#pragma omp critical(pyx_ufunc_error)
          if (!first) first = std::current_exception();
        }
        flags.fetch_or(std::fetestexcept(FE_ALL_EXCEPT));
      }
      if (int f = flags.load()) std::feraiseexcept(f);
      if (first) std::rethrow_exception(first);
      return;
    }
  }
#endif
  (void)may_split;
  body(npy_intp{0}, n);
}

// C++ exceptions become the Python exception NumPy raises once the loop returns.
template <class Opts, class Run>
void guarded(Run&& run) {
  try {
    if constexpr (Opts::gil) {
      detail::gil_acquire g;
      run();
    } else {
      run();
    }
  } catch (...) {
    detail::gil_acquire g;
    detail::translate_exception();
  }
}
}  // namespace ufunc
}  // namespace pyx
