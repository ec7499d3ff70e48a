// The ufunc runtime: inner loops that NumPy calls for PYX_UFUNC and
// PYX_GUFUNC exports, their registration as numpy.ufunc objects, and the
// helpers a scalar rule uses to report NumPy's floating-point errors.
// Included (before the user's source) only by modules that have ufuncs, so
// other modules do not pay for <numpy/ufuncobject.h>.
#pragma once

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

// ---- scalar ufuncs ----

template <auto Fn>
struct scalar_rule {
  using traits = detail::fn_traits<decltype(Fn)>;
  using R = std::remove_cvref_t<typename traits::ret>;
  static_assert(!std::is_void_v<R>, "cxximport: a PYX_UFUNC function must return its output(s)");
  using outs = typename outputs_of<R>::type;
  static constexpr bool is_tuple = outputs_of<R>::is_tuple;
  static constexpr int nin = static_cast<int>(traits::arity);
  static constexpr int nout = static_cast<int>(std::tuple_size_v<outs>);
  template <std::size_t I>
  using in_t = std::remove_cvref_t<std::tuple_element_t<I, typename traits::args>>;
  template <std::size_t O>
  using out_t = std::tuple_element_t<O, outs>;

  template <std::size_t... I, std::size_t... O>
  static constexpr auto codes(std::index_sequence<I...>, std::index_sequence<O...>) {
    return std::array<char, sizeof...(I) + sizeof...(O)>{static_cast<char>(typenum_v<in_t<I>>)...,
                                                         static_cast<char>(typenum_v<out_t<O>>)...};
  }
  static constexpr auto type_codes =
      codes(std::make_index_sequence<nin>{}, std::make_index_sequence<nout>{});
};

// Every operand contiguous: one plain loop over typed pointers, which the
// compiler vectorises (with a run-time overlap check, since NumPy may pass
// the same array as input and output).
// (Modules with ufuncs compile with -fno-math-errno, src/core/orchestrator.cpp:
// with errno, std::sqrt and friends are not vectorised.)
template <auto Fn, class S, std::size_t... I, std::size_t... O>
PYX_NOINLINE void contiguous_loop(char* const* p, npy_intp n, std::index_sequence<I...>,
                                  std::index_sequence<O...>) {
  const std::tuple<const typename S::template in_t<I>*...> in{
      reinterpret_cast<const typename S::template in_t<I>*>(p[I])...};
  const std::tuple<typename S::template out_t<O>*...> out{
      reinterpret_cast<typename S::template out_t<O>*>(p[S::nin + O])...};
  for (npy_intp i = 0; i < n; ++i) {  // vectorised: checked by tests/test_ufunc_loops.py
    if constexpr (S::is_tuple) {
      auto r = Fn(std::get<I>(in)[i]...);
      ((std::get<O>(out)[i] = std::get<O>(r)), ...);
    } else {
      std::get<0>(out)[i] = Fn(std::get<I>(in)[i]...);
    }
  }
}

// Element by element through byte strides: reductions (the output's stride
// is 0 and it is also input 0, so each step must see the previous result).
template <auto Fn, class S, std::size_t... I, std::size_t... O>
void element_loop(char* const* args, npy_intp n, const npy_intp* steps, std::index_sequence<I...>,
                  std::index_sequence<O...>) {
  for (npy_intp i = 0; i < n; ++i) {
    auto at = [&](int k) { return args[k] + i * steps[k]; };
    if constexpr (S::is_tuple) {
      auto r = Fn(*reinterpret_cast<const typename S::template in_t<I>*>(at(I))...);
      ((*reinterpret_cast<typename S::template out_t<O>*>(at(S::nin + O)) = std::get<O>(r)), ...);
    } else {
      *reinterpret_cast<typename S::template out_t<0>*>(at(S::nin)) =
          Fn(*reinterpret_cast<const typename S::template in_t<I>*>(at(I))...);
    }
  }
}

inline constexpr npy_intp block = 256;

// Scratch for one block, left uninitialised (it is written before it is read).
template <class T>
struct block_buffer {
  T v[block];
  block_buffer() {}  // NOLINT: no value-initialisation, on purpose
  T* data() { return v; }
  T& operator[](npy_intp i) { return v[i]; }
  void fill(const T& x) { std::fill(v, v + block, x); }
};

// Strided or broadcast operands: blocks of `block` elements are gathered
// into contiguous buffers (a broadcast scalar is copied once), computed by
// the vectorised loop and scattered back.
template <auto Fn, class S, std::size_t... I, std::size_t... O>
void blocked_loop(char* const* args, npy_intp n, const npy_intp* steps, std::index_sequence<I...> is,
                  std::index_sequence<O...> os) {
  std::tuple<block_buffer<typename S::template in_t<I>>...> ibuf;
  std::tuple<block_buffer<typename S::template out_t<O>>...> obuf;
  char* p[S::nin + S::nout];
  auto fill_broadcast = [&](auto tag) {
    constexpr std::size_t k = decltype(tag)::value;
    using T = typename S::template in_t<k>;
    if (steps[k] == 0) {
      T v;
      std::memcpy(&v, args[k], sizeof(T));
      std::get<k>(ibuf).fill(v);
    }
  };
  (fill_broadcast(std::integral_constant<std::size_t, I>{}), ...);
  for (npy_intp i0 = 0; i0 < n; i0 += block) {
    const npy_intp m = std::min(block, n - i0);
    auto load = [&](auto tag) {
      constexpr std::size_t k = decltype(tag)::value;
      using T = typename S::template in_t<k>;
      if (steps[k] == static_cast<npy_intp>(sizeof(T))) {
        p[k] = args[k] + i0 * steps[k];
        return;
      }
      auto& b = std::get<k>(ibuf);
      p[k] = reinterpret_cast<char*>(b.data());
      if (steps[k] == 0) return;
      const char* src = args[k] + i0 * steps[k];
      for (npy_intp j = 0; j < m; ++j) std::memcpy(&b[j], src + j * steps[k], sizeof(T));
    };
    (load(std::integral_constant<std::size_t, I>{}), ...);
    auto place = [&](auto tag) {
      constexpr std::size_t k = decltype(tag)::value;
      using T = typename S::template out_t<k>;
      const std::size_t a = S::nin + k;
      p[a] = steps[a] == static_cast<npy_intp>(sizeof(T)) ? args[a] + i0 * steps[a]
                                                         : reinterpret_cast<char*>(std::get<k>(obuf).data());
    };
    (place(std::integral_constant<std::size_t, O>{}), ...);
    contiguous_loop<Fn, S>(p, m, is, os);
    auto store = [&](auto tag) {
      constexpr std::size_t k = decltype(tag)::value;
      using T = typename S::template out_t<k>;
      const std::size_t a = S::nin + k;
      if (steps[a] == static_cast<npy_intp>(sizeof(T))) return;
      char* dst = args[a] + i0 * steps[a];
      for (npy_intp j = 0; j < m; ++j) std::memcpy(dst + j * steps[a], &std::get<k>(obuf)[j], sizeof(T));
    };
    (store(std::integral_constant<std::size_t, O>{}), ...);
  }
}

template <auto Fn, class S, std::size_t... I, std::size_t... O>
void plain_range(char* const* args, npy_intp n, const npy_intp* steps, std::index_sequence<I...> is,
                 std::index_sequence<O...> os) {
  const bool contiguous = ((steps[I] == static_cast<npy_intp>(sizeof(typename S::template in_t<I>))) && ...) &&
                          ((steps[S::nin + O] == static_cast<npy_intp>(sizeof(typename S::template out_t<O>))) && ...);
  if (contiguous) [[likely]]
    contiguous_loop<Fn, S>(args, n, is, os);
  else if (n < 8 || ((steps[S::nin + O] == 0) || ...))  // short calls (ufunc.at) and reductions
    element_loop<Fn, S>(args, n, steps, is, os);
  else
    blocked_loop<Fn, S>(args, n, steps, is, os);
}

// ---- integer division by zero in the rule ----
//
// C++'s integer `/` and `%` trap on a zero divisor (SIGFPE), where NumPy
// gives 0 and the divide-by-zero flag. Loops of rules with integer operands
// run under a SIGFPE handler: a trap jumps back to the loop, which redoes
// that block element by element, each element 0 plus the flag if it traps.
// A trap outside such a loop goes to the handler installed before ours.
namespace fpe {

inline thread_local sigjmp_buf* armed = nullptr;
inline struct sigaction previous;

inline void on_sigfpe(int, siginfo_t*, void*) {
  if (sigjmp_buf* env = armed) {
    armed = nullptr;
    siglongjmp(*env, 1);
  }
  // Not ours: give the trap back to whoever handled it before (the default
  // action, faulthandler...); the instruction traps again on return.
  sigaction(SIGFPE, &previous, nullptr);
}

// Makes on_sigfpe the handler, keeping the one it replaces. Called before
// every loop that may trap (one sigaction call): another library, such as
// faulthandler.enable() after the import, may have replaced it since.
inline void install() {
  struct sigaction current {};
  if (sigaction(SIGFPE, nullptr, &current) != 0) return;
  if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == &on_sigfpe) return;
  struct sigaction sa {};
  sa.sa_sigaction = &on_sigfpe;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;  // left by siglongjmp: SIGFPE must not stay blocked
  sigemptyset(&sa.sa_mask);
  previous = current;
  sigaction(SIGFPE, &sa, nullptr);
}

// The compiler may not move a division across these: C++ assumes it never traps.
inline void arm(sigjmp_buf* env) {
  armed = env;
  std::atomic_signal_fence(std::memory_order_seq_cst);
}
inline void disarm_now() {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  armed = nullptr;
}

struct disarm {
  ~disarm() { armed = nullptr; }
};

}  // namespace fpe

template <class T>
inline constexpr bool traps_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// Element by element, each under the handler: a trapping element is 0.
template <auto Fn, class S, std::size_t... I, std::size_t... O>
void trapping_elements(char* const* args, npy_intp n, const npy_intp* steps, std::index_sequence<I...> is,
                       std::index_sequence<O...> os) {
  sigjmp_buf env;
  fpe::disarm guard;
  for (npy_intp i = 0; i < n; ++i) {
    char* p[S::nin + S::nout];
    for (int k = 0; k < S::nin + S::nout; ++k) p[k] = args[k] + i * steps[k];
    if (sigsetjmp(env, 0) == 0) {
      fpe::arm(&env);
      element_loop<Fn, S>(p, 1, steps, is, os);
      fpe::disarm_now();
    } else {
      ((*reinterpret_cast<typename S::template out_t<O>*>(p[S::nin + O]) = typename S::template out_t<O>{}), ...);
      set_floatstatus_divbyzero();
    }
  }
}

template <auto Fn, class S, std::size_t... I, std::size_t... O>
void scalar_range(char* const* args, npy_intp n, const npy_intp* steps, std::index_sequence<I...> is,
                  std::index_sequence<O...> os) {
  constexpr bool traps = (traps_v<typename S::template in_t<I>> || ...) ||
                         (traps_v<typename S::template out_t<O>> || ...);
  if constexpr (!traps) {
    plain_range<Fn, S>(args, n, steps, is, os);
  } else {
    // In place or reducing, a block cannot be redone (its inputs changed).
    bool redo_safe = true;
    for (int o = S::nin; o < S::nin + S::nout; ++o)
      for (int k = 0; k < S::nin; ++k) redo_safe &= steps[o] != 0 && args[o] != args[k];
    if (!redo_safe) return trapping_elements<Fn, S>(args, n, steps, is, os);
    constexpr npy_intp chunk = 4096;
    sigjmp_buf env;
    fpe::disarm guard;
    for (npy_intp b = 0; b < n; b += chunk) {
      const npy_intp m = std::min(chunk, n - b);
      char* p[S::nin + S::nout];
      for (int k = 0; k < S::nin + S::nout; ++k) p[k] = args[k] + b * steps[k];
      if (sigsetjmp(env, 0) == 0) {
        fpe::arm(&env);
        plain_range<Fn, S>(p, m, steps, is, os);
        fpe::disarm_now();
      } else {
        trapping_elements<Fn, S>(p, m, steps, is, os);
      }
    }
  }
}

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

// NumPy's PyUFuncGenericFunction for one instantiation of a scalar rule.
template <auto Fn, class Opts>
void scalar_loop(char** args, const npy_intp* dims, const npy_intp* steps, void*) {
  using S = scalar_rule<Fn>;
  constexpr auto is = std::make_index_sequence<S::nin>{};
  constexpr auto os = std::make_index_sequence<S::nout>{};
  constexpr bool traps = []<std::size_t... I, std::size_t... O>(std::index_sequence<I...>, std::index_sequence<O...>) {
    return (traps_v<typename S::template in_t<I>> || ...) || (traps_v<typename S::template out_t<O>> || ...);
  }(is, os);
  if constexpr (traps) fpe::install();
  guarded<Opts>([&] {
    bool reduces = false;
    for (int k = S::nin; k < S::nin + S::nout; ++k) reduces |= steps[k] == 0;
    run_range<Opts>(dims[0], !reduces, [&](npy_intp b, npy_intp e) {
      char* p[S::nin + S::nout];
      for (int k = 0; k < S::nin + S::nout; ++k) p[k] = args[k] + b * steps[k];
      scalar_range<Fn, S>(p, e - b, steps, is, os);
    });
  });
}

// ---- generalized ufuncs ----

template <class P>
struct view_traits {
  static constexpr bool is_view = false;
};
template <class T, int N, layout L>
struct view_traits<basic_view<T, N, L>> {
  static constexpr bool is_view = true;
  using element = T;
  static constexpr int ndim = N;
  static constexpr layout kind = L;
};

// A pyx::cview / pyx::fview argument of a gufunc: the core block itself when
// it is contiguous in that order, else a contiguous copy (written back after
// the call for an output). Converts to the view the function takes.
template <class B, bool Output>
class contiguous_arg {
  using VT = view_traits<B>;
  using T = typename VT::element;
  using V = std::remove_const_t<T>;
  static constexpr int N = VT::ndim;

 public:
  contiguous_arg(char* ptr, const index_t* shape, const index_t* strides, const char* name) : base_(ptr) {
    index_t expect = sizeof(T), total = 1;
    bool contiguous = true;
    for (int j = 0; j < N; ++j) {
      const int k = VT::kind == layout::c ? N - 1 - j : j;
      shape_[k] = shape[k];
      strides_[k] = strides[k];
      contiguous &= shape[k] <= 1 || strides[k] == expect;
      expect *= shape[k];
      total *= shape[k];
    }
    if (contiguous) {
      view_ = B(reinterpret_cast<T*>(ptr), shape, strides, name);
      return;
    }
    copy_.resize(static_cast<std::size_t>(total));
    walk([](V& c, char* p) { std::memcpy(&c, p, sizeof(V)); });
    view_ = B(copy_.data(), shape, strides, name);
  }
  ~contiguous_arg() {
    if constexpr (Output)
      if (!copy_.empty()) walk([](V& c, char* p) { std::memcpy(p, &c, sizeof(V)); });
  }
  contiguous_arg(const contiguous_arg&) = delete;
  contiguous_arg& operator=(const contiguous_arg&) = delete;
  operator B() const { return view_; }  // NOLINT(google-explicit-constructor)

 private:
  // Visits the elements in the view's own order (row- or column-major).
  template <class F>
  void walk(F f) {
    index_t idx[N] = {};
    for (std::size_t n = 0; n < copy_.size(); ++n) {
      index_t off = 0;
      for (int k = 0; k < N; ++k) off += idx[k] * strides_[k];
      f(copy_[n], base_ + off);
      for (int j = 0; j < N; ++j) {
        const int k = VT::kind == layout::c ? N - 1 - j : j;
        if (++idx[k] < shape_[k]) break;
        idx[k] = 0;
      }
    }
  }

  char* base_;
  index_t shape_[N], strides_[N];
  std::vector<V> copy_;
  B view_;
};

// Layout is generated from the signature: nin, nout, ndims[op] (core
// dimensions of each operand), offsets[op] (where they start in dim_index
// and in the core strides), dim_index[] (which of NumPy's dims[1..] each
// one is) and names[op] (the parameters' names, for index errors).
template <class Layout, auto Fn>
struct gufunc_rule {
  using traits = detail::fn_traits<decltype(Fn)>;
  using R = std::remove_cvref_t<typename traits::ret>;
  static constexpr int nparams = static_cast<int>(traits::arity);
  static constexpr int nret = std::is_void_v<R> ? 0 : static_cast<int>(std::tuple_size_v<typename outputs_of<R>::type>);
  static constexpr int nops = Layout::nin + Layout::nout;
  static_assert(nparams + nret == nops,
                "cxximport: a PYX_GUFUNC function needs one parameter per operand of its signature, "
                "less the trailing '()' outputs it returns");
  template <std::size_t K>
  using param_t = std::tuple_element_t<K, typename traits::args>;
  template <std::size_t K>
  using bare_t = std::remove_cvref_t<param_t<K>>;
  template <std::size_t K>
  using ret_t = std::tuple_element_t<K, typename outputs_of<R>::type>;

  template <std::size_t K>
  static constexpr int operand_typenum() {
    if constexpr (static_cast<int>(K) >= nparams) {
      return typenum_v<ret_t<K - nparams>>;
    } else if constexpr (view_traits<bare_t<K>>::is_view) {
      return typenum_v<std::remove_const_t<typename view_traits<bare_t<K>>::element>>;
    } else {
      return typenum_v<bare_t<K>>;
    }
  }
  template <std::size_t... K>
  static constexpr auto codes(std::index_sequence<K...>) {
    return std::array<char, sizeof...(K)>{static_cast<char>(operand_typenum<K>())...};
  }
  static constexpr auto type_codes = codes(std::make_index_sequence<nops>{});

  // The argument for parameter K at outer iteration i.
  template <std::size_t K>
  static decltype(auto) arg(char* const* args, npy_intp i, const npy_intp* dims, const npy_intp* steps) {
    using P = param_t<K>;
    using B = bare_t<K>;
    constexpr bool input = static_cast<int>(K) < Layout::nin;
    char* ptr = args[K] + i * steps[K];
    if constexpr (view_traits<B>::is_view) {
      using VT = view_traits<B>;
      static_assert(VT::ndim == Layout::ndims[K],
                    "cxximport: a gufunc view's rank must be its operand's number of core dimensions");
      static_assert(!input || std::is_const_v<typename VT::element>,
                    "cxximport: gufunc inputs are read-only: use pyx::view<const T, N>");
      static_assert(input || !std::is_const_v<typename VT::element>,
                    "cxximport: gufunc outputs are written: use pyx::view<T, N> (not const)");
      index_t shape[VT::ndim], strides[VT::ndim];
      for (int j = 0; j < VT::ndim; ++j) {
        shape[j] = dims[1 + Layout::dim_index[Layout::offsets[K] + j]];
        strides[j] = steps[nops + Layout::offsets[K] + j];
      }
      if constexpr (VT::kind == layout::strided)
        return B(reinterpret_cast<typename VT::element*>(ptr), shape, strides, Layout::names[K]);
      else
        return contiguous_arg<B, !input>(ptr, shape, strides, Layout::names[K]);
    } else {
      static_assert(Layout::ndims[K] == 0,
                    "cxximport: an operand with core dimensions needs a pyx::view parameter");
      if constexpr (input) {
        static_assert(!std::is_lvalue_reference_v<P> || std::is_const_v<std::remove_reference_t<P>>,
                      "cxximport: a gufunc's scalar input is taken by value or const reference");
        B v;
        std::memcpy(&v, ptr, sizeof(B));
        return v;
      } else {
        static_assert(std::is_lvalue_reference_v<P> && !std::is_const_v<std::remove_reference_t<P>>,
                      "cxximport: a gufunc's '()' output parameter is a reference (T&), or return it");
        return *reinterpret_cast<B*>(ptr);
      }
    }
  }

  template <std::size_t... K, std::size_t... Q>
  static void range(char* const* args, npy_intp b, npy_intp e, const npy_intp* dims, const npy_intp* steps,
                    std::index_sequence<K...>, std::index_sequence<Q...>) {
    for (npy_intp i = b; i < e; ++i) {
      if constexpr (nret == 0) {
        Fn(arg<K>(args, i, dims, steps)...);
      } else if constexpr (outputs_of<R>::is_tuple) {
        auto r = Fn(arg<K>(args, i, dims, steps)...);
        ((*reinterpret_cast<ret_t<Q>*>(args[nparams + Q] + i * steps[nparams + Q]) = std::get<Q>(r)), ...);
      } else {
        *reinterpret_cast<R*>(args[nparams] + i * steps[nparams]) = Fn(arg<K>(args, i, dims, steps)...);
      }
    }
  }
};

template <class Layout, auto Fn, class Opts>
void gufunc_loop(char** args, const npy_intp* dims, const npy_intp* steps, void*) {
  using G = gufunc_rule<Layout, Fn>;
  guarded<Opts>([&] {
    run_range<Opts>(dims[0], true, [&](npy_intp b, npy_intp e) {
      G::range(args, b, e, dims, steps, std::make_index_sequence<G::nparams>{},
               std::make_index_sequence<G::nret>{});
    });
    // A checked index out of bounds inside the parallel region was recorded, not thrown.
    if (detail::deferred_oob.set) [[unlikely]] {
      detail::gil_acquire g;
      detail::raise_deferred_error();
    }
  });
}

// ---- registration ----

struct no_layout {};

template <class Layout, auto Fn>
struct rule_of {
  using type = gufunc_rule<Layout, Fn>;
};
template <auto Fn>
struct rule_of<no_layout, Fn> {
  using type = scalar_rule<Fn>;
};

template <auto F, auto...>
inline constexpr auto first_of = F;

// "ff->f (float32, float32 -> float32)" for one loop.
PYX_COLD inline std::string loop_text(const char* codes, int nin, int nargs) {
  std::string chars, names;
  for (int k = 0; k < nargs; ++k) {
    PyArray_Descr* d = PyArray_DescrFromType(codes[k]);
    if (k == nin) {
      chars += "->";
      names += " ->";
    } else if (k) {
      names += ",";
    }
    chars += d ? d->type : '?';
    PyObject* s = d ? PyObject_Str(reinterpret_cast<PyObject*>(d)) : nullptr;
    const char* u = s ? PyUnicode_AsUTF8(s) : nullptr;
    names += std::string(" ") + (u ? u : "?");
    Py_XDECREF(s);
    Py_XDECREF(d);
  }
  PyErr_Clear();
  return chars + " (" + names.substr(1) + ")";
}

// Creates the numpy.ufunc for the instantiations Fns and adds it to the
// module. Loops are ordered by type number, as NumPy orders its own, so its
// type resolution picks the first loop the inputs cast to safely.
template <class Layout, class Opts, auto... Fns>
struct definition {
  static constexpr int nloops = sizeof...(Fns);
  using first = typename rule_of<Layout, first_of<Fns...>>::type;
  static constexpr int nargs = static_cast<int>(first::type_codes.size());
  static_assert(((static_cast<int>(rule_of<Layout, Fns>::type::type_codes.size()) == nargs) && ...),
                "cxximport: every fused instantiation of a ufunc needs the same number of inputs and outputs");

  template <auto Fn>
  static constexpr PyUFuncGenericFunction loop() {
    if constexpr (std::is_same_v<Layout, no_layout>) return &scalar_loop<Fn, Opts>;
    else return &gufunc_loop<Layout, Fn, Opts>;
  }

  static inline PyUFuncGenericFunction funcs[nloops];
  static inline char types[nloops * nargs];
  static inline void* data[nloops];

  static int add(PyObject* module, const char* name, const char* doc, int identity, PyObject* identity_value,
                 const char* signature) {
    if (identity == PyUFunc_IdentityValue && !identity_value) return -1;
    const PyUFuncGenericFunction fs[] = {loop<Fns>()...};
    const std::array<char, nargs> codes[] = {rule_of<Layout, Fns>::type::type_codes...};
    int order[nloops];
    for (int k = 0; k < nloops; ++k) order[k] = k;
    std::stable_sort(order, order + nloops, [&](int a, int b) {
      return std::lexicographical_compare(codes[a].begin(), codes[a].end(), codes[b].begin(), codes[b].end());
    });
    const int nin = Layout_nin();
    std::string text = doc;
    text += text.empty() ? "Loops:" : "\n\nLoops:";
    for (int k = 0; k < nloops; ++k) {
      funcs[k] = fs[order[k]];
      std::memcpy(types + k * nargs, codes[order[k]].data(), nargs);
      data[k] = nullptr;
      text += "\n  " + loop_text(codes[order[k]].data(), nin, nargs);
    }
    // NumPy keeps the pointer for the ufunc's lifetime, which is the process's.
    char* kept = new char[text.size() + 1];
    std::memcpy(kept, text.c_str(), text.size() + 1);
    PyObject* u = PyUFunc_FromFuncAndDataAndSignatureAndIdentity(
        funcs, data, types, nloops, nin, nargs - nin, identity, name, kept, 0, signature, identity_value);
    Py_XDECREF(identity_value);
    if (!u) return -1;
    int rc = PyModule_AddObjectRef(module, name, u);
    Py_DECREF(u);
    return rc;
  }

 private:
  static constexpr int Layout_nin() {
    if constexpr (std::is_same_v<Layout, no_layout>) return first::nin;
    else return Layout::nin;
  }
};

// PYX_UFUNC_IDENTITY(expr): the value NumPy casts to each loop's type.
template <class T>
PyObject* identity_object(const T& v) {
  return detail::caster<std::remove_cvref_t<T>>::cast(v);
}

}  // namespace ufunc
}  // namespace pyx
