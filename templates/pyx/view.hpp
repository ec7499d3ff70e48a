// Non-owning views of NumPy arrays: pyx::view (any strides, negative
// included), pyx::cview (C-contiguous), pyx::fview (Fortran-contiguous).
// `v(i, j)` is unchecked (no negative indices) unless PYX_BOUNDSCHECK is on;
// `v.at(i, j)` is always checked. Views are trivially copyable so the
// compiler can keep their shape in registers and vectorise the loops.
#pragma once

#include <array>
#include <concepts>

#include "pyx/core.hpp"
#include "pyx/detail/bounds.hpp"

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

enum class layout { strided, c, f };

template <class T, int N, layout L>
class basic_view {
  static_assert(N >= 1, "cxximport: a view needs at least one dimension");

 public:
  using element_type = T;
  using value_type = std::remove_const_t<T>;
  static constexpr int ndim = N;
  static constexpr layout kind = L;

  basic_view() = default;
  // strides in bytes, as NumPy gives them.
  basic_view(T* data, const index_t* shape, const index_t* strides, const char* name = nullptr,
             detail::call_ref call = {})
      : data_(data), name_(name), call_(call) {
    for (int k = 0; k < N; ++k) {
      shape_[k] = shape[k];
      strides_[k] = strides[k];
    }
  }

  // A contiguous view is also a strided one; a mutable view is also a read-only one.
  template <class U, layout M>
    requires(std::is_same_v<const U, T> || std::is_same_v<U, T>) &&
            (L == layout::strided || M == L) && (!std::is_same_v<U, T> || M != L)
  basic_view(const basic_view<U, N, M>& o)  // NOLINT(google-explicit-constructor)
      : data_(o.data()), shape_(o.shape()), strides_(o.strides()), name_(o.name()), call_(o.call()) {}

  template <std::integral... I>
    requires(sizeof...(I) == N)
  T& operator()(I... i) const {
    if constexpr (PYX_CHECKED_INDEXING) return at(i...);
    return *element(static_cast<index_t>(i)...);
  }

  template <std::integral... I>
    requires(sizeof...(I) == N)
  T& at(I... i) const {
    const index_t idx[N] = {static_cast<index_t>(i)...};
    if (!detail::in_bounds(idx, shape_)) [[unlikely]]
      return detail::out_of_bounds<T>(name_, idx, shape_, call_);
    return *element(static_cast<index_t>(i)...);
  }

  const std::array<index_t, N>& shape() const { return shape_; }
  index_t shape(int k) const { return shape_[k]; }
  const std::array<index_t, N>& strides() const { return strides_; }  // bytes
  index_t size() const {
    index_t n = 1;
    for (int k = 0; k < N; ++k) n *= shape_[k];
    return n;
  }
  bool empty() const { return size() == 0; }
  T* data() const { return data_; }
  const char* name() const { return name_; }
  // The call this view belongs to (where an error in a parallel region is reported).
  detail::call_ref call() const { return call_; }

  // Range-for over a contiguous 1-D view.
  T* begin() const
    requires(N == 1 && L != layout::strided)
  {
    return data_;
  }
  T* end() const
    requires(N == 1 && L != layout::strided)
  {
    return data_ + shape_[0];
  }

 private:
  template <class... I>
  T* element(I... i) const {
    const index_t idx[N] = {i...};
    if constexpr (L == layout::c) {
      return data_ + detail::c_offset(idx, shape_);
    } else if constexpr (L == layout::f) {
      index_t off = idx[N - 1];
      for (int k = N - 2; k >= 0; --k) off = off * shape_[k] + idx[k];
      return data_ + off;
    } else {
      index_t off = 0;
      for (int k = 0; k < N; ++k) off += idx[k] * strides_[k];
      return reinterpret_cast<T*>(reinterpret_cast<std::conditional_t<std::is_const_v<T>, const char, char>*>(data_) + off);
    }
  }

  T* data_ = nullptr;
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

}  // namespace pyx
