// Reductions and complex magnitudes that vectorise with the default flags
// (pyx/numeric.hpp has the general whole-view helpers; this header the
// vectorised float sum, dot and complex magnitudes)
// (docs/language.md, "Numerics defaults"):
//   pyx::sum(v), pyx::dot(a, b)   over any view or array, in the element type
//                                 (float in blocks whose sums add up in double);
//   pyx::abs_fast(z), pyx::norm_fast(z)  |z| and |z|^2 of a std::complex.
// A plain `s += x[i]` loop stays scalar: the compiler may not reorder float
// additions. These keep 16 partial sums (four AVX2 registers of doubles),
// which is the reordering NumPy's pairwise sum also makes.
// In a module built with the `openmp` directive, a contiguous sum or dot of
// at least 100 000 elements splits into one chunk per thread when a core is
// idle (pyx::parallel_worth), as NumPy's threaded BLAS dot does; the chunks'
// sums are added in thread order, so a thread count gives one result.
#pragma once

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "pyx/parallel_worth.hpp"
#include "pyx/view.hpp"

namespace pyx {

namespace detail::reduce {

constexpr index_t kLanes = 16;    // partial sums: enough to hide the add latency
constexpr index_t kBlock = 4096;  // float: elements summed in float before a double add

template <class T>
using sum_t = std::conditional_t<std::is_same_v<std::remove_const_t<T>, float>, double, std::remove_const_t<T>>;

// sum of f(i) for i in [0, n), f returning R.
template <class R, class F>
inline R lane_sum(index_t n, F f) {
  R acc[kLanes] = {};
  index_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    // (the j loop is unrolled into vector adds by SLP)
    for (index_t j = 0; j < kLanes; ++j) acc[j] += f(i + j);
  }
  R s = R();
  for (; i < n; ++i) s += f(i);
  for (index_t j = 0; j < kLanes; ++j) s += acc[j];
  return s;
}

template <class R, class T, class F>
inline auto blocked_sum(index_t n, F f) {
  using acc_t = std::remove_const_t<T>;
  if constexpr (std::is_same_v<acc_t, R>) {
    return lane_sum<R>(n, f);
  } else {
    R total = R();
    for (index_t b = 0; b < n; b += kBlock) {
      index_t m = n - b < kBlock ? n - b : kBlock;
      total += static_cast<R>(lane_sum<acc_t>(m, [&](index_t i) { return f(b + i); }));
    }
    return total;
  }
}

#ifdef _OPENMP
// blocked_sum over [0, n) in one chunk per thread of a new OpenMP region; the
// chunks' sums added in thread order.
template <class R, class T, class F>
inline R threaded_sum(index_t n, F f) {
  constexpr int kMaxThreads = 64;
  int want = omp_get_max_threads() < kMaxThreads ? omp_get_max_threads() : kMaxThreads;
  R parts[kMaxThreads] = {};
  int used = 1;
#pragma omp parallel num_threads(want)
  {
    index_t k = omp_get_num_threads(), t = omp_get_thread_num();
    index_t lo = n / k * t + (t < n % k ? t : n % k);
    index_t len = n / k + (t < n % k ? 1 : 0);
    parts[t] = static_cast<R>(blocked_sum<R, T>(len, [&](index_t i) { return f(lo + i); }));
    if (t == 0) used = static_cast<int>(k);
  }
  R total = R();
  for (int t = 0; t < used; ++t) total += parts[t];
  return total;
}
#endif

// blocked_sum over [0, n), threaded when that pays: the module has the
// `openmp` directive, n >= 100 000, not already in a region, a core is idle.
template <class R, class T, class F>
inline R flat_sum(index_t n, F f) {
#ifdef _OPENMP
  if (n >= 100000 && omp_get_level() == 0 && omp_get_max_threads() > 1 && parallel_worth(n))
    return threaded_sum<R, T>(n, f);
#endif
  return static_cast<R>(blocked_sum<R, T>(n, f));
}

template <class T, int N, layout L>
inline bool flat(const basic_view<T, N, L>& v) {
  if constexpr (L == layout::c || L == layout::f) return true;
  index_t expect = sizeof(T);
  for (int k = N - 1; k >= 0; --k) {
    if (v.shape(k) != 1 && v.strides()[k] != expect) return false;
    expect *= v.shape(k);
  }
  return true;
}

PYX_COLD inline void dot_length_mismatch(index_t n, index_t m) {
  throw std::invalid_argument("pyx::dot: the views have different lengths (" + std::to_string(n) + " and " +
                              std::to_string(m) + ")");
}

// Calls g(index_t n, const char* first, index_t stride) for every innermost row.
template <int K, class T, int N, layout L, class G>
inline void each_row(const basic_view<T, N, L>& v, const char* base, G& g) {
  if constexpr (K == N - 1) {
    g(v.shape(K), base, v.strides()[K]);
  } else {
    for (index_t i = 0; i < v.shape(K); ++i) each_row<K + 1>(v, base + i * v.strides()[K], g);
  }
}

}  // namespace detail::reduce

/// The sum of all elements (0 for an empty view); float views add up in double.
/// Floating-point views only: integer sums are pyx/numeric.hpp's, in 64 bits
/// as NumPy's (this overload, more specialised, wins for float views).
template <class T, int N, layout L>
  requires std::is_floating_point_v<std::remove_const_t<T>>
inline auto sum(const basic_view<T, N, L>& v) {
  using R = detail::reduce::sum_t<T>;
  using E = std::remove_const_t<T>;
  if (detail::reduce::flat(v)) {
    const E* p = v.data();
    return static_cast<E>(detail::reduce::flat_sum<R, T>(v.size(), [p](index_t i) { return p[i]; }));
  }
  R total = R();
  auto row = [&](index_t n, const char* first, index_t stride) {
    total += detail::reduce::blocked_sum<R, T>(
        n, [first, stride](index_t i) { return *reinterpret_cast<const E*>(first + i * stride); });
  };
  detail::reduce::each_row<0>(v, reinterpret_cast<const char*>(v.data()), row);
  return static_cast<E>(total);
}

/// The dot product of two 1-D views of the same length (checked: throws
/// std::invalid_argument otherwise).
template <class T, layout L, class U, layout M>
inline auto dot(const basic_view<T, 1, L>& a, const basic_view<U, 1, M>& b) {
  using E = std::remove_const_t<T>;
  using R = detail::reduce::sum_t<T>;
  if (a.shape(0) != b.shape(0)) detail::reduce::dot_length_mismatch(a.shape(0), b.shape(0));
  const char* pa = reinterpret_cast<const char*>(a.data());
  const char* pb = reinterpret_cast<const char*>(b.data());
  index_t sa = a.strides()[0], sb = b.strides()[0];
  if (sa == sizeof(E) && sb == sizeof(E)) {
    const E* x = a.data();
    const E* y = b.data();
    return static_cast<E>(detail::reduce::flat_sum<R, T>(a.shape(0), [x, y](index_t i) { return x[i] * y[i]; }));
  }
  return static_cast<E>(detail::reduce::blocked_sum<R, T>(a.shape(0), [=](index_t i) {
    return *reinterpret_cast<const E*>(pa + i * sa) * *reinterpret_cast<const E*>(pb + i * sb);
  }));
}

/// |z|^2 = re^2 + im^2 of a complex number, vectorisable. std::norm computes
/// std::abs(z)^2 (a hypot call) unless -ffast-math. Error <= 1 ULP; overflows
/// to inf when |z| > ~1.3e154 (double) or ~1.8e19 (float).
template <class C>
inline auto norm_fast(const C& z) {
  return z.real() * z.real() + z.imag() * z.imag();
}

/// |z| of a complex number, vectorisable (std::abs calls the scalar hypot).
/// Scaled by the larger part, so no overflow or underflow where the result is
/// representable; error <= 2 ULP against hypot; inf when a part is inf, nan
/// when a part is nan and none is inf (as hypot).
template <class C>
inline auto abs_fast(const C& z) {
  using R = decltype(z.real() + z.imag());
  // Branch-free (selects only, the division always done) so loops vectorise.
  R x = std::fabs(z.real()), y = std::fabs(z.imag());
  R big = x > y ? x : y, small = x > y ? y : x;
  R r = small / (big > R(0) ? big : R(1));
  R out = big * std::sqrt(R(1) + r * r);
  const R inf = std::numeric_limits<R>::infinity();
  bool has_inf = (x == inf) | (y == inf);
  bool has_nan = (x != x) | (y != y);
  out = has_nan ? x + y : out;
  return has_inf ? inf : out;
}

}  // namespace pyx
