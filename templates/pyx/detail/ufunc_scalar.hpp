// The inner loops of PYX_UFUNC: a vectorised contiguous path, a blocked
// path for strided and broadcast operands, element by element for
// reductions, and the SIGFPE guard of rules with integer operands.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include "pyx/detail/ufunc_base.hpp"

namespace pyx::ufunc {

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
  static constexpr auto type_codes = codes(std::make_index_sequence<nin>{}, std::make_index_sequence<nout>{});
};

// Every operand contiguous: one plain loop over typed pointers, which the
// compiler vectorises (with a run-time overlap check, since NumPy may pass
// the same array as input and output).
// (Modules with ufuncs compile with -fno-math-errno, src/core/orchestrator.cpp:
// with errno, std::sqrt and friends are not vectorised.)
template <auto Fn, class S, std::size_t... I, std::size_t... O>
PYX_NOINLINE void contiguous_loop(char* const* p, npy_intp n, std::index_sequence<I...>, std::index_sequence<O...>) {
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
  struct sigaction current{};
  if (sigaction(SIGFPE, nullptr, &current) != 0) return;
  if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == &on_sigfpe) return;
  struct sigaction sa{};
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
  constexpr bool traps =
      (traps_v<typename S::template in_t<I>> || ...) || (traps_v<typename S::template out_t<O>> || ...);
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

}  // namespace pyx::ufunc
