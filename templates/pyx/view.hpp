// Non-owning views of NumPy arrays: pyx::view (any strides, negative
// included), pyx::cview (C-contiguous), pyx::fview (Fortran-contiguous).
// `v(i, j)` is unchecked (no negative indices) unless PYX_BOUNDSCHECK is on;
// `v.at(i, j)` is always checked. Views are trivially copyable so the
// compiler can keep their shape in registers and vectorise the loops.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <array>
#include <concepts>

#include "pyx/core.hpp"
#include "pyx/detail/bounds.hpp"
#include "pyx/detail/slicing.hpp"

namespace pyx {

namespace detail {
// Row-major (C) element offset of idx in an array of the given shape.
template <std::size_t N>
inline index_t c_offset(const index_t (&idx)[N], const std::array<index_t, N>& shape) {
  index_t off = idx[0];
  for (std::size_t k = 1; k < N; ++k) off = off * shape[k] + idx[k];
  return off;
}
}  // namespace detail

template <class T, int N, layout L>
class array;

template <class E, int N, layout L>
class basic_view {
  static_assert(N >= 1, "cxximport: a view needs at least one dimension");

 public:
  using element_type = E;
  using value_type = std::remove_const_t<E>;
  static constexpr int ndim = N;
  static constexpr layout kind = L;

  basic_view() = default;
  // strides in bytes, as NumPy gives them.
  basic_view(E* data, const index_t* shape, const index_t* strides, const char* name = nullptr,
             detail::call_ref call = {})
      : data_(data), name_(name), call_(call) {
    for (int k = 0; k < N; ++k) {
      shape_[k] = shape[k];
      strides_[k] = strides[k];
    }
  }

  // A contiguous view is also a strided one; a mutable view is also a read-only one.
  template <class U, layout M>
    requires(std::is_same_v<const U, E> || std::is_same_v<U, E>) &&
                (L == layout::strided || M == L || (L == layout::inner && M == layout::c)) &&
                (!std::is_same_v<U, E> || M != L)
  basic_view(const basic_view<U, N, M>& o)  // NOLINT(google-explicit-constructor)
      : data_(o.data()), shape_(o.shape()), strides_(o.strides()), name_(o.name()), call_(o.call()) {}

  template <std::integral... I>
    requires(sizeof...(I) == N)
  E& operator()(I... i) const {
    if constexpr (PYX_CHECKED_INDEXING) return at(i...);
    return *element(static_cast<index_t>(i)...);
  }

  template <std::integral... I>
    requires(sizeof...(I) == N)
  E& at(I... i) const {
    const index_t idx[N] = {static_cast<index_t>(i)...};
    if (!detail::in_bounds(idx, shape_)) [[unlikely]]
      return detail::out_of_bounds<E>(name_, idx, shape_, call_);
    return *element(static_cast<index_t>(i)...);
  }

  // Sub-views, as Cython memoryview slicing: v(pyx::slice(1, -1), pyx::all),
  // v(i, pyx::all) (an integer drops its dimension; negative counts from the
  // end), v(pyx::newaxis, pyx::all); missing trailing indices are `all`.
  template <class... A>
    requires(detail::is_subview_call<A...>)
  auto operator()(A... a) const {
    constexpr detail::sub_shape s = detail::shape_of<A...>();
    static_assert(s.consumed <= N, "cxximport: more indices than the view has dimensions");
    constexpr layout R = detail::sub_layout<L, N, A...>();
    constexpr int rank = s.rank + (N - s.consumed);
    std::array<index_t, rank> shape{}, strides{};
    index_t offset = 0;  // bytes
    int src = 0, dst = 0;
    bool bad = false;
    auto take = [&](auto arg) {
      using D = decltype(arg);
      if constexpr (std::is_same_v<D, newaxis_t>) {
        shape[dst] = 1;
        strides[dst++] = 0;
      } else if constexpr (std::is_integral_v<D>) {
        index_t i = static_cast<index_t>(arg);
        const index_t n = shape_[src];
        if (i < 0) i += n;
        if constexpr (PYX_CHECKED_INDEXING) {
          if (static_cast<std::size_t>(i) >= static_cast<std::size_t>(n)) [[unlikely]] {
            detail::index_failure(detail::sub_index_message(name_, src, static_cast<index_t>(arg), n), call_);
            bad = true;
            i = 0;
          }
        }
        offset += i * strides_[src++];
      } else if constexpr (std::is_same_v<D, all_t>) {
        shape[dst] = shape_[src];
        strides[dst++] = strides_[src++];
      } else {
        index_t start = arg.start, step = 1;
        if constexpr (std::is_same_v<D, step_slice>) {
          step = arg.step;
          if (step == 0) [[unlikely]]
            throw std::invalid_argument("slice step cannot be zero (dimension " + std::to_string(src) + ")");
        }
        const index_t len = detail::slice_length(shape_[src], start, arg.stop, step);
        if (len > 0) offset += start * strides_[src];
        shape[dst] = len;
        strides[dst++] = strides_[src++] * step;
      }
    };
    (take(a), ...);
    for (; src < N; ++src, ++dst) {
      shape[dst] = shape_[src];
      strides[dst] = strides_[src];
    }
    if (bad) shape.fill(0);
    using byte = std::conditional_t<std::is_const_v<E>, const char, char>;
    E* p = reinterpret_cast<E*>(reinterpret_cast<byte*>(data_) + offset);
    return basic_view<E, rank, R>(p, shape.data(), strides.data(), name_, call_);
  }

  // Row i and column j of a 2-D view: v(i, pyx::all) and v(pyx::all, j).
  auto row(index_t i) const
    requires(N == 2)
  {
    return (*this)(i, all);
  }
  auto col(index_t j) const
    requires(N == 2)
  {
    return (*this)(all, j);
  }

  // The axes reversed (NumPy's `v.E`): a C-contiguous view becomes a
  // Fortran-contiguous one and the other way round.
  auto T() const {
    constexpr layout R = L == layout::c ? layout::f : L == layout::f ? layout::c : layout::strided;
    std::array<index_t, N> shape{}, strides{};
    for (int k = 0; k < N; ++k) {
      shape[k] = shape_[N - 1 - k];
      strides[k] = strides_[N - 1 - k];
    }
    return basic_view<E, N, R>(data_, shape.data(), strides.data(), name_, call_);
  }
  // The axes in the given order (NumPy's `v.transpose(1, 0, 2)`; negative
  // axes count from the end); not a permutation: std::invalid_argument.
  template <std::integral... I>
    requires(sizeof...(I) == N)
  basic_view<E, N, layout::strided> transpose(I... axes) const {
    const index_t order[N] = {static_cast<index_t>(axes)...};
    std::array<index_t, N> shape{}, strides{};
    bool seen[N] = {};
    for (int k = 0; k < N; ++k) {
      index_t a = order[k] < 0 ? order[k] + N : order[k];
      if (a < 0 || a >= N || seen[a])
        throw std::invalid_argument("transpose: the axes are not a permutation of the view's dimensions");
      seen[a] = true;
      shape[k] = shape_[a];
      strides[k] = strides_[a];
    }
    return basic_view<E, N, layout::strided>(data_, shape.data(), strides.data(), name_, call_);
  }

  // New C-ordered (copy) or Fortran-ordered (copy_fortran) arrays with the
  // view's elements (defined in pyx/array.hpp).
  array<std::remove_const_t<E>, N, layout::c> copy() const;
  array<std::remove_const_t<E>, N, layout::f> copy_fortran() const;

  const std::array<index_t, N>& shape() const { return shape_; }
  index_t shape(int k) const { return shape_[k]; }
  const std::array<index_t, N>& strides() const { return strides_; }  // bytes
  index_t size() const {
    index_t n = 1;
    for (int k = 0; k < N; ++k) n *= shape_[k];
    return n;
  }
  bool empty() const { return size() == 0; }
  E* data() const { return data_; }
  const char* name() const { return name_; }
  // The call this view belongs to (where an error in a parallel region is reported).
  detail::call_ref call() const { return call_; }

  // Range-for over a contiguous 1-D view.
  E* begin() const
    requires(N == 1 && L != layout::strided)
  {
    return data_;
  }
  E* end() const
    requires(N == 1 && L != layout::strided)
  {
    return data_ + shape_[0];
  }

 private:
  template <class... I>
  E* element(I... i) const {
    const index_t idx[N] = {i...};
    if constexpr (L == layout::c) {
      return data_ + detail::c_offset(idx, shape_);
    } else if constexpr (L == layout::f) {
      index_t off = idx[N - 1];
      for (int k = N - 2; k >= 0; --k) off = off * shape_[k] + idx[k];
      return data_ + off;
    } else if constexpr (L == layout::inner) {
      index_t off = 0;
      for (int k = 0; k < N - 1; ++k) off += idx[k] * strides_[k];
      return reinterpret_cast<E*>(reinterpret_cast<std::conditional_t<std::is_const_v<E>, const char, char>*>(data_) +
                                  off) +
             idx[N - 1];
    } else {
      index_t off = 0;
      for (int k = 0; k < N; ++k) off += idx[k] * strides_[k];
      return reinterpret_cast<E*>(reinterpret_cast<std::conditional_t<std::is_const_v<E>, const char, char>*>(data_) +
                                  off);
    }
  }

  E* data_ = nullptr;
  std::array<index_t, N> shape_{};
  std::array<index_t, N> strides_{};
  const char* name_ = nullptr;
  [[no_unique_address]] detail::call_ref call_{};
};

template <class T, int N>
using view = basic_view<T, N, layout::strided>;
template <class T, int N>
using cview = basic_view<T, N, layout::c>;
template <class T, int N>
using fview = basic_view<T, N, layout::f>;
// What slicing a C-contiguous view along its last dimension by a unit step
// gives: contiguous rows, any outer strides.
template <class T, int N>
using rview = basic_view<T, N, layout::inner>;

}  // namespace pyx
