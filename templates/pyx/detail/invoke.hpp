// What a generated wrapper calls: argument binding (positional and keyword,
// CPython's messages), default values, fused-type dispatch, the call with or
// without the GIL, and C++ exceptions translated to Python exceptions.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <array>
#include <new>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "pyx/detail/bounds.hpp"
#include "pyx/detail/cast_array.hpp"
#include "pyx/detail/cast_base.hpp"

namespace pyx::detail {

struct signature {
  const char* name;
  const char* const* params;
  int nparams;
  int nrequired;  // parameters before the first default
};

// Fills slots[0..nparams) with borrowed references (NULL: use the default):
// keywords, defaults and every error message. Out of line: one copy per module.
PYX_NOINLINE inline bool bind_slow(const signature& s, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                                   PyObject** slots) {
  if (nargs > s.nparams) {
    PyErr_Format(PyExc_TypeError, "%s() takes %d positional argument%s but %zd %s given", s.name, s.nparams,
                 s.nparams == 1 ? "" : "s", nargs, nargs == 1 ? "was" : "were");
    return false;
  }
  for (int k = 0; k < s.nparams; ++k) slots[k] = k < nargs ? args[k] : nullptr;
  if (kwnames) {
    Py_ssize_t nkw = PyTuple_GET_SIZE(kwnames);
    for (Py_ssize_t j = 0; j < nkw; ++j) {
      PyObject* key = PyTuple_GET_ITEM(kwnames, j);
      int found = -1;
      for (int k = 0; k < s.nparams && found < 0; ++k)
        if (PyUnicode_CompareWithASCIIString(key, s.params[k]) == 0) found = k;
      if (found < 0) {
        PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", s.name, key);
        return false;
      }
      if (slots[found]) {
        PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", s.name, s.params[found]);
        return false;
      }
      slots[found] = args[nargs + j];
    }
  }
  for (int k = 0; k < s.nrequired; ++k) {
    if (!slots[k]) {
      PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s' (pos %d)", s.name, s.params[k], k + 1);
      return false;
    }
  }
  return true;
}

// The common call, every argument positional: copied inline, no call.
inline bool bind(const signature& s, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, PyObject** slots) {
  if (!kwnames && nargs == s.nparams) [[likely]] {
    for (int k = 0; k < s.nparams; ++k) slots[k] = args[k];
    return true;
  }
  return bind_slow(s, args, nargs, kwnames, slots);
}

// The arguments in parameter order, or NULL with an exception set. Every
// argument positional (the common call): the caller's own vector, not a copy.
// The copy that `bind` makes cost 6 ns of add(1, 2)'s 26 ns on an AMD EPYC
// (1.30x the raw C API; 1.02x without it; issue 15): GCC copies two slots
// with one 16-byte store and reads them back as 8-byte loads, and the CPU
// waits for the store instead of forwarding it. `storage` is filled only
// for keywords and defaults. Never NULL on success, even with no parameters.
inline PyObject* const* bind_args(const signature& s, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                                  PyObject** storage) {
  if (!kwnames && nargs == s.nparams && nargs > 0) [[likely]]
    return args;
  return bind_slow(s, args, nargs, kwnames, storage) ? storage : nullptr;
}

template <class F>
struct fn_traits;
template <class R, class... A>
struct fn_traits<R (*)(A...)> {
  using ret = R;
  using args = std::tuple<A...>;
  static constexpr std::size_t arity = sizeof...(A);
};
template <class R, class... A>
struct fn_traits<R (*)(A...) noexcept> : fn_traits<R (*)(A...)> {};

template <class F, std::size_t I>
using param_t = std::tuple_element_t<I, typename fn_traits<F>::args>;
// The type a default value of parameter I is built as.
template <class F, std::size_t I>
using value_t = std::remove_cvref_t<param_t<F, I>>;
template <class P>
using caster_for = caster<std::remove_cvref_t<P>>;

struct no_default {};

// By-value and rvalue parameters take the converted value by move.
template <class P, class V>
decltype(auto) pass(V& v) {
  if constexpr (std::is_lvalue_reference_v<P>)
    return (v);
  else
    return std::move(v);
}

PYX_COLD inline PyObject* translate_exception() {
  try {
    throw;
  } catch (const error_already_set&) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "unknown error");
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::out_of_range& e) {
    PyErr_SetString(PyExc_IndexError, e.what());
  } catch (const std::invalid_argument& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const std::domain_error& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const std::overflow_error& e) {
    PyErr_SetString(PyExc_OverflowError, e.what());
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  } catch (...) {
    PyErr_SetString(PyExc_RuntimeError, "unknown C++ exception");
  }
  return nullptr;
}

template <class C, class D>
bool load_arg(C& c, PyObject* slot, const D& def, const arg_ctx& ctx) {
  if (slot) return c.load(slot, ctx);
  if constexpr (!std::is_same_v<D, no_default>) c.value = def();
  return true;
}

// Converts the arguments, calls Fn and converts the result.
template <auto Fn, bool NoGil, class Defaults, std::size_t... I>
PyObject* invoke_impl(const signature& s, PyObject* const* slots, const Defaults& defs, std::index_sequence<I...>) {
  using F = decltype(Fn);
  using R = typename fn_traits<F>::ret;
  // This call's out-of-bounds record (OpenMP builds), before the views are made.
  call_scope scope;
  try {
    std::tuple<caster_for<param_t<F, I>>...> cs;
    bool ok = (load_arg(std::get<I>(cs), slots[I], std::get<I>(defs), arg_ctx{s.name, s.params[I]}) && ...);
    if (!ok) return nullptr;
    PyObject* out;
    if constexpr (std::is_void_v<R>) {
      {
        gil_release g(NoGil);
        Fn(pass<param_t<F, I>>(std::get<I>(cs).value)...);
      }
      out = Py_NewRef(Py_None);
    } else {
      std::remove_cvref_t<R> r = [&]() -> std::remove_cvref_t<R> {
        gil_release g(NoGil);
        return Fn(pass<param_t<F, I>>(std::get<I>(cs).value)...);
      }();
      if constexpr (requires { caster<std::remove_cvref_t<R>>::returns_view; }) {
        returning = {slots, s.nparams};
        out = caster<std::remove_cvref_t<R>>::cast(std::move(r));
        returning = {};
      } else {
        out = caster<std::remove_cvref_t<R>>::cast(std::move(r));
      }
    }
    if (scope.failed()) [[unlikely]] {
      Py_XDECREF(out);
      scope.raise();
      return nullptr;
    }
    return out;
  } catch (...) {
    // An out-of-bounds access recorded before the throw is superseded by it.
    scope.clear();
    return translate_exception();
  }
}

template <auto Fn, bool NoGil, class Defaults>
PyObject* invoke(const signature& s, PyObject* const* slots, const Defaults& defs) {
  constexpr std::size_t n = fn_traits<decltype(Fn)>::arity;
  static_assert(std::tuple_size_v<Defaults> == n, "cxximport: defaults do not match parameters");
  return invoke_impl<Fn, NoGil>(s, slots, defs, std::make_index_sequence<n>{});
}

// Fused dispatch: does instantiation Fn accept these arguments? Array
// parameters must match the dtype exactly (kind and item size). With `strict`
// scalars must have this type's own Python type (int for integers, and the
// value must fit; float for floating point...); otherwise any value the
// conversion would accept will do (an int for a double).
template <auto Fn, std::size_t... I>
bool matches_impl(PyObject* const* slots, bool strict, std::index_sequence<I...>) {
  using F = decltype(Fn);
  return ((!slots[I] || caster_for<param_t<F, I>>::matches(slots[I], strict)) && ...);
}

template <auto Fn>
bool matches(PyObject* const* slots, bool strict) {
  constexpr std::size_t n = fn_traits<decltype(Fn)>::arity;
  return matches_impl<Fn>(slots, strict, std::make_index_sequence<n>{});
}

// Each parameter's describe(), for the no-match message.
using describer = std::string (*)();

template <auto Fn, std::size_t... I>
constexpr std::array<describer, sizeof...(I)> describers_impl(std::index_sequence<I...>) {
  using F = decltype(Fn);
  return {&caster_for<param_t<F, I>>::describe...};
}

template <auto Fn>
inline constexpr auto describers_v = describers_impl<Fn>(std::make_index_sequence<fn_traits<decltype(Fn)>::arity>{});

// TypeError: "f(): no signature matches the arguments (x: str); accepted:
// f(x: int) ..." with one line per instantiation.
PYX_COLD inline PyObject* no_match_error(const signature& s, PyObject* const* slots, const describer* const* sigs,
                                         int nsigs) {
  std::string given, accepted;
  for (int k = 0; k < s.nparams; ++k) {
    if (!slots[k]) continue;
    if (!given.empty()) given += ", ";
    given += std::string(s.params[k]) + ": " + describe_object(slots[k]);
  }
  for (int j = 0; j < nsigs; ++j) {
    accepted += "\n  " + std::string(s.name) + "(";
    for (int k = 0; k < s.nparams; ++k) accepted += (k ? ", " : "") + std::string(s.params[k]) + ": " + sigs[j][k]();
    accepted += ")";
  }
  PyErr_Format(PyExc_TypeError, "%s(): no signature matches the arguments (%s); accepted:%s", s.name, given.c_str(),
               accepted.c_str());
  return nullptr;
}

// When the arrays match an instantiation but a scalar does not: that
// instantiation's own conversion error names the parameter. False when no
// instantiation has array arguments that all match.
template <auto Fn, std::size_t... I>
bool load_error_impl(const signature& s, PyObject* const* slots, std::index_sequence<I...>) {
  using F = decltype(Fn);
  bool any_array = false, arrays_ok = true;
  auto check = [&](auto tag, PyObject* o) {
    using C = typename decltype(tag)::type;
    if (C::is_array && o && o != Py_None) {
      any_array = true;
      arrays_ok &= C::matches(o, true);
    }
  };
  (check(std::type_identity<caster_for<param_t<F, I>>>{}, slots[I]), ...);
  if (!any_array || !arrays_ok) return false;
  std::tuple<caster_for<param_t<F, I>>...> cs;
  bool ok = ((!slots[I] || std::get<I>(cs).load(slots[I], arg_ctx{s.name, s.params[I]})) && ...);
  return !ok;
}

template <auto Fn>
bool load_error(const signature& s, PyObject* const* slots) {
  return load_error_impl<Fn>(s, slots, std::make_index_sequence<fn_traits<decltype(Fn)>::arity>{});
}

// The error when no instantiation matches: a conversion error naming the
// parameter when the arrays pick an instantiation, else the list of signatures.
template <auto... Fns>
PYX_COLD PyObject* no_match(const signature& s, PyObject* const* slots) {
  try {
    if ((load_error<Fns>(s, slots) || ...)) return nullptr;
    const describer* sigs[] = {describers_v<Fns>.data()...};
    return no_match_error(s, slots, sigs, static_cast<int>(sizeof...(Fns)));
  } catch (...) {
    return translate_exception();
  }
}

}  // namespace pyx::detail
