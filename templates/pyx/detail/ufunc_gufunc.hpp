// The inner loop of PYX_GUFUNC: the rule called once per outer element
// with views on that element's core block.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include "pyx/detail/ufunc_base.hpp"

namespace pyx::ufunc {

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
      static_assert(Layout::ndims[K] == 0, "cxximport: an operand with core dimensions needs a pyx::view parameter");
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
    // This loop's own record (pyx/detail/bounds.hpp): a checked index out of
    // bounds inside a parallel region is recorded there, not thrown, by
    // whichever thread made the view; never shared with another call.
    detail::call_scope scope;
#ifdef _OPENMP
    detail::call_record* record = detail::current_call();
#endif
    run_range<Opts>(dims[0], true, [&](npy_intp b, npy_intp e) {
#ifdef _OPENMP
      // Worker threads make the core views: point them at this loop's record.
      struct adopt {
        detail::call_record* saved = detail::this_thread_calls.current;
        explicit adopt(detail::call_record* r) { detail::this_thread_calls.current = r; }
        ~adopt() { detail::this_thread_calls.current = saved; }
      } adopted{record};
#endif
      G::range(args, b, e, dims, steps, std::make_index_sequence<G::nparams>{}, std::make_index_sequence<G::nret>{});
    });
    if (scope.failed()) [[unlikely]] {
      detail::gil_acquire g;
      scope.raise();
    }
  });
}

}  // namespace pyx::ufunc
