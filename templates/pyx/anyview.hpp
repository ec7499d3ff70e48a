// pyx::anyview<T>: a view whose rank is known only at run time (code like
// `for idx in np.ndindex(a.shape)` over arrays of any rank). Borrowed like
// the other views: valid for the call. ndim(), shape(i), stride(i) (bytes),
// element access by an index tuple, and two walks: indices() over every
// index tuple in C order (np.ndindex), elements() over every element in
// memory order (the order of the bytes, as numpy.ravel(order='K')).
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <string>

#include "pyx/core.hpp"
#include "pyx/detail/bounds.hpp"
#include "pyx/detail/cast_array.hpp"
#include "pyx/view.hpp"

namespace pyx {

// One index tuple of an anyview walk: idx[k], idx.size().
class index_tuple {
 public:
  index_tuple(const index_t* v, int n) : v_(v), n_(n) {}
  index_t operator[](int k) const { return v_[k]; }
  int size() const { return n_; }
  const index_t* begin() const { return v_; }
  const index_t* end() const { return v_ + n_; }

 private:
  const index_t* v_;
  int n_;
};

template <class T>
class anyview {
 public:
  using element_type = T;
  using value_type = std::remove_const_t<T>;

  anyview() = default;
  // shape and strides (bytes) are borrowed: they must outlive the view.
  anyview(T* data, int ndim, const index_t* shape, const index_t* strides, const char* name = nullptr)
      : data_(data), ndim_(ndim), shape_(shape), strides_(strides), name_(name) {}
  // Any typed view, as an any-rank one (the typed view must outlive it).
  template <class U, int N, layout L>
    requires(std::is_same_v<U, T> || std::is_same_v<const U, T>)
  anyview(const basic_view<U, N, L>& v)  // NOLINT(google-explicit-constructor)
      : anyview(v.data(), N, v.shape().data(), v.strides().data(), v.name()) {}

  int ndim() const { return ndim_; }
  index_t shape(int k) const { return shape_[k]; }
  index_t stride(int k) const { return strides_[k]; }  // bytes
  index_t size() const {
    index_t n = 1;
    for (int k = 0; k < ndim_; ++k) n *= shape_[k];
    return n;
  }
  bool empty() const { return size() == 0; }
  T* data() const { return data_; }
  const char* name() const { return name_; }

  // The element at an index tuple (checked with boundscheck; at() always).
  T& operator[](const index_tuple& idx) const {
    if constexpr (PYX_CHECKED_INDEXING) return at(idx);
    return *element(idx.begin());
  }
  T& at(const index_tuple& idx) const {
    bool ok = idx.size() == ndim_;
    for (int k = 0; ok && k < ndim_; ++k) ok = static_cast<std::size_t>(idx[k]) < static_cast<std::size_t>(shape_[k]);
    if (!ok) [[unlikely]] {
      detail::index_failure(idx.size() == ndim_
                                ? detail::oob_message(name_, idx.begin(), shape_, ndim_)
                                : "wrong number of indices for array '" + std::string(name_ ? name_ : "array") +
                                      "' with " + std::to_string(ndim_) + " dimensions",
                            detail::call_ref{});
      static thread_local value_type dummy{};
      return dummy;
    }
    return *element(idx.begin());
  }
  T* element(const index_t* idx) const {
    index_t off = 0;
    for (int k = 0; k < ndim_; ++k) off += idx[k] * strides_[k];
    return reinterpret_cast<T*>(reinterpret_cast<std::conditional_t<std::is_const_v<T>, const char, char>*>(data_) +
                                off);
  }

  // A walk over every index tuple, the last axis of `order` fastest; keeps
  // the element's byte offset as it goes.
  class walk {
   public:
    walk(const anyview& v, bool memory_order) : v_(v), n_(v.ndim_) {
      for (int k = 0; k < n_; ++k) order_[k] = k;
      if (memory_order) {  // outermost first: the largest |stride| (a stable insertion sort)
        for (int j = 1; j < n_; ++j)
          for (int i = j; i > 0 && abs_(v.strides_[order_[i]]) > abs_(v.strides_[order_[i - 1]]); --i)
            std::swap(order_[i], order_[i - 1]);
      }
      done_ = v.size() == 0;
    }
    bool done() const { return done_; }
    void next() {
      for (int j = n_ - 1; j >= 0; --j) {
        const int k = order_[j];
        offset_ += v_.strides_[k];
        if (++idx_[k] < v_.shape_[k]) return;
        offset_ -= idx_[k] * v_.strides_[k];
        idx_[k] = 0;
      }
      done_ = true;
    }
    index_tuple indices() const { return {idx_, n_}; }
    T& element() const {
      return *reinterpret_cast<T*>(
          reinterpret_cast<std::conditional_t<std::is_const_v<T>, const char, char>*>(v_.data_) + offset_);
    }

   private:
    static index_t abs_(index_t x) { return x < 0 ? -x : x; }
    const anyview& v_;
    int n_;
    int order_[NPY_MAXDIMS] = {};
    index_t idx_[NPY_MAXDIMS] = {};
    index_t offset_ = 0;
    bool done_ = false;
  };

  // for (const pyx::index_tuple& idx : v.indices()): C order, as np.ndindex.
  // for (T& x : v.elements()): memory order.
  template <bool Elements>
  class walk_range {
   public:
    struct sentinel {};
    class iterator {
     public:
      explicit iterator(const anyview& v) : w_(v, Elements) {}
      decltype(auto) operator*() const {
        if constexpr (Elements)
          return w_.element();
        else
          return w_.indices();
      }
      iterator& operator++() {
        w_.next();
        return *this;
      }
      bool operator!=(sentinel) const { return !w_.done(); }
      bool operator==(sentinel) const { return w_.done(); }

     private:
      walk w_;
    };
    explicit walk_range(const anyview& v) : v_(v) {}
    iterator begin() const { return iterator(v_); }
    sentinel end() const { return {}; }

   private:
    const anyview& v_;
  };
  walk_range<false> indices() const { return walk_range<false>(*this); }
  walk_range<true> elements() const { return walk_range<true>(*this); }

 private:
  T* data_ = nullptr;
  int ndim_ = 0;
  const index_t* shape_ = nullptr;
  const index_t* strides_ = nullptr;
  const char* name_ = nullptr;
};

namespace detail {

template <class T>
struct caster<anyview<T>> {
  static constexpr bool is_array = true;
  anyview<T> value;
  static std::string describe() { return describe_array(array_spec_v<T, -1, layout::strided>); }
  static bool matches(PyObject* o, bool) { return array_matches(o, dtype_v<T>); }
  bool load(PyObject* o, const arg_ctx& c) {
    PyArrayObject* a = check_array(o, c, array_spec_v<T, -1, layout::strided>);
    if (!a) return false;
    value = anyview<T>(static_cast<T*>(PyArray_DATA(a)), PyArray_NDIM(a), PyArray_DIMS(a), PyArray_STRIDES(a), c.param);
    return true;
  }
};

}  // namespace detail
}  // namespace pyx
