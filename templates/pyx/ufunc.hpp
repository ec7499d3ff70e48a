// The ufunc runtime: inner loops that NumPy calls for PYX_UFUNC and
// PYX_GUFUNC exports (pyx/detail/ufunc_scalar.hpp, ufunc_gufunc.hpp), the
// helpers a scalar rule uses to report NumPy's floating-point errors
// (ufunc_base.hpp), and here their registration as numpy.ufunc objects.
// Included (before the user's source) only by modules that have ufuncs, so
// other modules do not pay for <numpy/ufuncobject.h>.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include "pyx/detail/ufunc_base.hpp"
#include "pyx/detail/ufunc_gufunc.hpp"
#include "pyx/detail/ufunc_scalar.hpp"

namespace pyx::ufunc {

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
    if constexpr (std::is_same_v<Layout, no_layout>)
      return &scalar_loop<Fn, Opts>;
    else
      return &gufunc_loop<Layout, Fn, Opts>;
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
    PyObject* u = PyUFunc_FromFuncAndDataAndSignatureAndIdentity(funcs, data, types, nloops, nin, nargs - nin, identity,
                                                                 name, kept, 0, signature, identity_value);
    Py_XDECREF(identity_value);
    if (!u) return -1;
    int rc = PyModule_AddObjectRef(module, name, u);
    Py_DECREF(u);
    return rc;
  }

 private:
  static constexpr int Layout_nin() {
    if constexpr (std::is_same_v<Layout, no_layout>)
      return first::nin;
    else
      return Layout::nin;
  }
};

// PYX_UFUNC_IDENTITY(expr): the value NumPy casts to each loop's type.
template <class T>
PyObject* identity_object(const T& v) {
  return detail::caster<std::remove_cvref_t<T>>::cast(v);
}

}  // namespace pyx::ufunc
