// The index kinds of sub-views (`v(pyx::slice(1, -1), pyx::all)`) and what a
// sub-view's type is, decided at compile time from the kinds alone: the rank
// (an integer drops a dimension, pyx::newaxis adds one) and the layout (a
// C-contiguous view stays C-contiguous only when the result certainly is).
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <concepts>
#include <string>
#include <type_traits>

#include "pyx/core.hpp"

namespace pyx {

// strided: any strides; c, f: C- or Fortran-contiguous; inner: rows of the
// last dimension are contiguous, the outer strides are any (a C-contiguous
// view sliced as `v(pyx::slice(1, -1), pyx::slice(1, -1))`).
enum class layout { strided, c, f, inner };

// An omitted slice bound, as in Python's `a[1:]` or `a[::2]`: pyx::_.
struct omitted_t {
  explicit constexpr omitted_t(int) {}
};
inline constexpr omitted_t _{0};

// Every index of a dimension, Python's `:`.
struct all_t {
  explicit constexpr all_t(int) {}
};
inline constexpr all_t all{0};

// A new dimension of extent 1, NumPy's `np.newaxis`.
struct newaxis_t {
  explicit constexpr newaxis_t(int) {}
};
inline constexpr newaxis_t newaxis{0};

namespace detail {
// Marks an omitted bound inside a slice (never a valid index).
inline constexpr index_t omitted_bound = PY_SSIZE_T_MIN;

struct slice_bound {
  index_t value;
  template <std::integral I>
  constexpr slice_bound(I i) : value(static_cast<index_t>(i)) {}  // NOLINT
  constexpr slice_bound(omitted_t) : value(omitted_bound) {}      // NOLINT
};
}  // namespace detail

// `start:stop` (step 1: a C-contiguous view can stay contiguous).
struct unit_slice {
  index_t start, stop;
};
// `start:stop:step`, the step known only at run time.
struct step_slice {
  index_t start, stop, step;
};

// pyx::slice(1, -1) is `1:-1`; pyx::slice(pyx::_, pyx::_, -1) is `::-1`.
constexpr unit_slice slice(detail::slice_bound start, detail::slice_bound stop) { return {start.value, stop.value}; }
constexpr step_slice slice(detail::slice_bound start, detail::slice_bound stop, index_t step) {
  return {start.value, stop.value, step};
}
// pyx::range(a, b) and pyx::range(a, b, step) are the same as pyx::slice.
constexpr unit_slice range(detail::slice_bound start, detail::slice_bound stop) { return slice(start, stop); }
constexpr step_slice range(detail::slice_bound start, detail::slice_bound stop, index_t step) {
  return slice(start, stop, step);
}

namespace detail {

enum class ix { integer, all, unit, step, newaxis };

template <class A>
constexpr ix kind_of() {
  using D = std::remove_cvref_t<A>;
  if constexpr (std::is_integral_v<D>)
    return ix::integer;
  else if constexpr (std::is_same_v<D, all_t>)
    return ix::all;
  else if constexpr (std::is_same_v<D, unit_slice>)
    return ix::unit;
  else if constexpr (std::is_same_v<D, step_slice>)
    return ix::step;
  else if constexpr (std::is_same_v<D, newaxis_t>)
    return ix::newaxis;
  else
    static_assert(dependent_false<D>,
                  "cxximport: a sub-view index is an integer, pyx::slice(...), pyx::all or pyx::newaxis");
}

template <class A>
concept sub_index =
    std::is_integral_v<std::remove_cvref_t<A>> || std::is_same_v<std::remove_cvref_t<A>, all_t> ||
    std::is_same_v<std::remove_cvref_t<A>, unit_slice> || std::is_same_v<std::remove_cvref_t<A>, step_slice> ||
    std::is_same_v<std::remove_cvref_t<A>, newaxis_t>;

// At least one argument is not an integer: a sub-view, not an element.
template <class... A>
inline constexpr bool is_subview_call = (sub_index<A> && ...) && !(std::is_integral_v<std::remove_cvref_t<A>> && ...);

struct sub_shape {
  int consumed = 0;  // dimensions of the source the arguments name
  int rank = 0;      // dimensions of the result
};

template <class... A>
constexpr sub_shape shape_of() {
  sub_shape s;
  for (ix k : {kind_of<A>()...}) {
    if (k != ix::newaxis) ++s.consumed;
    if (k != ix::integer) ++s.rank;
  }
  return s;
}

// The kinds of all N source dimensions: the arguments, then `all` for the rest.
template <int N, class... A>
constexpr bool stays_contiguous(bool fortran) {
  ix kinds[sizeof...(A) + N] = {kind_of<A>()...};
  int n = 0;
  for (ix k : {kind_of<A>()...})
    if (k != ix::newaxis) kinds[n++] = k;
  for (int d = shape_of<A...>().consumed; d < N; ++d) kinds[n++] = ix::all;
  // C: integers, then at most one unit slice, then only `all`. F: the mirror.
  int stage = 0;  // 0: integers, 1: after the first non-integer (only `all` may follow)
  for (int j = 0; j < n; ++j) {
    ix k = kinds[fortran ? n - 1 - j : j];
    if (k == ix::step) return false;
    if (stage == 0) {
      if (k != ix::integer) stage = 1;
    } else if (k != ix::all) {
      return false;
    }
  }
  return true;
}

// The last dimension of the result is the source's last, with unit step.
template <int N, class... A>
constexpr bool keeps_inner() {
  constexpr ix kinds[] = {kind_of<A>()...};
  if (shape_of<A...>().consumed < N) return true;  // the last dimension is an implicit `all`
  ix last = kinds[sizeof...(A) - 1];
  return last == ix::all || last == ix::unit;
}

template <layout L, int N, class... A>
constexpr layout sub_layout() {
  if constexpr (L == layout::c && stays_contiguous<N, A...>(false))
    return layout::c;
  else if constexpr (L == layout::f && stays_contiguous<N, A...>(true))
    return layout::f;
  else if constexpr ((L == layout::c || L == layout::inner) && keeps_inner<N, A...>())
    return layout::inner;
  else
    return layout::strided;
}

// Python's slice.indices(): clamps start and stop into the extent; the
// number of elements taken.
inline index_t slice_length(index_t extent, index_t& start, index_t stop, index_t step) {
  if (step > 0) {
    start = start == omitted_bound ? 0
            : start < 0            ? (start + extent < 0 ? 0 : start + extent)
                                   : (start > extent ? extent : start);
    stop = stop == omitted_bound ? extent
           : stop < 0            ? (stop + extent < 0 ? 0 : stop + extent)
                                 : (stop > extent ? extent : stop);
    return stop > start ? (stop - start + step - 1) / step : 0;
  }
  start = start == omitted_bound ? extent - 1
          : start < 0            ? (start + extent < 0 ? -1 : start + extent)
                                 : (start >= extent ? extent - 1 : start);
  stop = stop == omitted_bound ? -1
         : stop < 0            ? (stop + extent < 0 ? -1 : stop + extent)
                               : (stop >= extent ? extent - 1 : stop);
  return start > stop ? (start - stop - step - 1) / (-step) : 0;
}

// "index 5 is out of bounds for dimension 1 of array 'v' with extent 3"
PYX_COLD inline std::string sub_index_message(const char* name, int dim, index_t index, index_t extent) {
  return "index " + std::to_string(index) + " is out of bounds for dimension " + std::to_string(dim) + " of array '" +
         (name ? name : "array") + "' with extent " + std::to_string(extent);
}

}  // namespace detail
}  // namespace pyx
