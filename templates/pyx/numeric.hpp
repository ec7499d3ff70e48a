// Whole-view helpers for the NumPy one-liners that have no loop-free C++
// spelling: creation (arange, eye), fill, elementwise transform, and the
// reductions sum and mean (whole view, or along one axis). They take views
// and pyx::arrays of any rank; the loops they run are plain loops over
// indices, as one would write by hand.
//
//   pyx::arange<double>(n), pyx::arange<double>(start, stop, step)  np.arange
//   pyx::eye<double>(n)                                           np.eye(n)
//   pyx::fill(v, x)                                               v[...] = x
//   pyx::transform(out, f, a, b, ...)                              out[...] = f(a, b, ...) elementwise
//   pyx::sum(v), pyx::mean(v)                                      v.sum(), v.mean()
//   pyx::sum(v, axis), pyx::mean(v, axis)                          v.sum(axis=axis), v.mean(axis=axis)
//   pyx::sum(range)                                                sum(range) (an index_tuple, a std::vector...)
//
// Shapes that differ: std::invalid_argument (ValueError). Integer sums
// accumulate in 64 bits (as NumPy's sum of int32); mean is a double.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <array>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "pyx/array.hpp"
#include "pyx/core.hpp"
#include "pyx/view.hpp"

namespace pyx {

namespace detail {

template <class V>
concept ranked = requires(const V& v) {
  V::ndim;
  v.shape(0);
};

// Calls fn(idx) for every index tuple of shape, in C order.
template <int N, class Fn>
void for_each_index(const std::array<index_t, N>& shape, Fn&& fn) {
  for (int k = 0; k < N; ++k)
    if (shape[k] == 0) return;
  std::array<index_t, N> idx{};
  for (;;) {
    for (idx[N - 1] = 0; idx[N - 1] < shape[N - 1]; ++idx[N - 1]) fn(idx);
    int k = N - 2;
    while (k >= 0 && ++idx[k] == shape[k]) idx[k--] = 0;
    if (k < 0) return;
  }
}

template <class V, std::size_t... I>
decltype(auto) element_at(const V& v, const std::array<index_t, V::ndim>& idx, std::index_sequence<I...>) {
  return v(idx[I]...);
}
template <class V>
decltype(auto) element_at(const V& v, const std::array<index_t, V::ndim>& idx) {
  return element_at(v, idx, std::make_index_sequence<V::ndim>{});
}

template <class V>
std::array<index_t, V::ndim> shape_of(const V& v) {
  std::array<index_t, V::ndim> s{};
  for (int k = 0; k < V::ndim; ++k) s[k] = v.shape(k);
  return s;
}

template <class T>
using sum_t = std::conditional_t<std::is_integral_v<T> && !std::is_same_v<T, bool>,
                                 std::conditional_t<std::is_signed_v<T>, std::int64_t, std::uint64_t>, T>;

PYX_COLD inline void shape_mismatch(const char* what, int k, index_t got, index_t want) {
  throw std::invalid_argument(std::string("pyx::") + what + ": operand shapes differ in dimension " +
                              std::to_string(k) + " (" + std::to_string(got) + " vs " + std::to_string(want) + ")");
}

}  // namespace detail

// np.arange(n) / np.arange(start, stop, step) as a new 1-D array.
template <class T>
array<T, 1> arange(T start, T stop, T step = T(1)) {
  if (step == T(0)) throw std::invalid_argument("pyx::arange: step must not be zero");
  const double n = std::ceil((static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step));
  array<T, 1> out = empty<T>(static_cast<index_t>(n > 0 ? n : 0));
  for (index_t i = 0; i < out.shape(0); ++i) out(i) = static_cast<T>(start + static_cast<T>(i) * step);
  return out;
}
template <class T>
array<T, 1> arange(std::type_identity_t<T> stop) {
  return arange<T>(T(0), stop, T(1));
}

// np.eye(n): the n x n identity.
template <class T>
array<T, 2> eye(index_t n) {
  array<T, 2> out = zeros<T>(n, n);
  for (index_t i = 0; i < n; ++i) out(i, i) = T(1);
  return out;
}

// v[...] = value
template <detail::ranked V>
void fill(const V& v, const typename V::value_type& value) {
  detail::for_each_index<V::ndim>(detail::shape_of(v), [&](const auto& idx) { detail::element_at(v, idx) = value; });
}

// out[...] = f(in[...]...), elementwise over views (or arrays) of out's shape.
template <detail::ranked Out, class F, detail::ranked... In>
void transform(const Out& out, F&& f, const In&... in) {
  const auto shape = detail::shape_of(out);
  auto same = [&](const auto& v) {
    static_assert(std::remove_cvref_t<decltype(v)>::ndim == Out::ndim,
                  "cxximport: pyx::transform needs operands of the output's number of dimensions");
    for (int k = 0; k < Out::ndim; ++k)
      if (v.shape(k) != shape[k]) detail::shape_mismatch("transform", k, v.shape(k), shape[k]);
  };
  (same(in), ...);
  detail::for_each_index<Out::ndim>(
      shape, [&](const auto& idx) { detail::element_at(out, idx) = f(detail::element_at(in, idx)...); });
}

// v.sum(): every element (integers in 64 bits).
template <detail::ranked V>
auto sum(const V& v) {
  detail::sum_t<typename V::value_type> total{};
  detail::for_each_index<V::ndim>(detail::shape_of(v), [&](const auto& idx) { total += detail::element_at(v, idx); });
  return total;
}

// sum(range): the sum of any range of numbers (a pyx::index_tuple, a std::vector...).
template <class R>
  requires(!detail::ranked<R>) && requires(const R& r) { std::begin(r); }
auto sum(const R& r) {
  using T = std::remove_cvref_t<decltype(*std::begin(r))>;
  detail::sum_t<T> total{};
  for (const auto& x : r) total += x;
  return total;
}

// v.mean(): a double (NaN for an empty view, as NumPy).
template <detail::ranked V>
double mean(const V& v) {
  index_t n = 1;
  for (int k = 0; k < V::ndim; ++k) n *= v.shape(k);
  return static_cast<double>(sum(v)) / static_cast<double>(n);
}

// v.sum(axis=axis): a new array with one dimension less.
template <detail::ranked V>
  requires(V::ndim >= 2)
auto sum(const V& v, int axis) {
  constexpr int N = V::ndim;
  if (axis < 0) axis += N;
  if (axis < 0 || axis >= N)
    throw std::out_of_range("pyx::sum: axis " + std::to_string(axis) + " is out of bounds for " + std::to_string(N) +
                            " dimensions");
  std::array<index_t, N - 1> out_shape{};
  for (int k = 0, j = 0; k < N; ++k)
    if (k != axis) out_shape[j++] = v.shape(k);
  auto out = zeros<detail::sum_t<typename V::value_type>>(out_shape);
  detail::for_each_index<N>(detail::shape_of(v), [&](const std::array<index_t, N>& idx) {
    std::array<index_t, N - 1> o{};
    for (int k = 0, j = 0; k < N; ++k)
      if (k != axis) o[j++] = idx[k];
    detail::element_at(out, o) += detail::element_at(v, idx);
  });
  return out;
}

// v.mean(axis=axis): a new double array with one dimension less.
template <detail::ranked V>
  requires(V::ndim >= 2)
array<double, V::ndim - 1> mean(const V& v, int axis) {
  constexpr int N = V::ndim;
  auto s = sum(v, axis);
  const index_t n = v.shape(axis < 0 ? axis + N : axis);
  std::array<index_t, N - 1> shape{};
  for (int k = 0; k < N - 1; ++k) shape[k] = s.shape(k);
  auto out = empty<double>(shape);
  transform(out, [n](auto x) { return static_cast<double>(x) / static_cast<double>(n); }, s);
  return out;
}

}  // namespace pyx
