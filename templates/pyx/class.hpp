// Exported C++ classes as Python types: the instance layout, the caster that
// lets an exported type cross the boundary (by value, reference, pointer),
// method calls with `self`, constructor dispatch and the slot helpers the
// generated class code fills PyType_Spec slots with. Included only by
// modules that export a class.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <new>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "pyx/detail/invoke.hpp"

namespace pyx::detail {

// The Python object: header, weakref list, whether the C++ object is alive
// (constructed and not yet destroyed), then the C++ object itself.
template <class T>
struct instance {
  PyObject_HEAD PyObject* weaklist;
  bool ready;
  alignas(T) unsigned char storage[sizeof(T)];
  T* get() { return std::launder(reinterpret_cast<T*>(storage)); }
};

// Specialised by the generated code for every exported class.
template <class T>
struct class_info {
  static constexpr bool exported = false;
};

template <class T>
instance<T>* as_instance(PyObject* o) {
  return reinterpret_cast<instance<T>*>(o);
}

PYX_COLD inline void not_ready_error(PyObject* o) {
  PyErr_Format(PyExc_TypeError,
               "%s object is not initialized: its __init__ did not run (a subclass's "
               "__init__ must call super().__init__(...))",
               Py_TYPE(o)->tp_name);
}

// The C++ object of `self`, or NULL with TypeError when __init__ never ran.
template <class T>
T* self_ptr(PyObject* o) {
  auto* in = as_instance<T>(o);
  if (!in->ready) [[unlikely]] {
    not_ready_error(o);
    return nullptr;
  }
  return in->get();
}

// A new Python object of T's type holding `v` (moved); what returns by value build.
template <class T, class V>
PyObject* new_instance(V&& v) {
  PyTypeObject* tp = class_info<T>::type;
  PyObject* o = tp->tp_alloc(tp, 0);
  if (!o) return nullptr;
  try {
    ::new (as_instance<T>(o)->storage) T(std::forward<V>(v));
  } catch (...) {
    Py_DECREF(o);
    throw;
  }
  as_instance<T>(o)->ready = true;
  return o;
}

// What a parameter of an exported type binds: the instance inside the Python
// object (so `T&` mutates it), or a default value owned here.
template <class T>
struct class_ref {
  T* p = nullptr;
  std::optional<T> own;
  operator T&() { return *p; }
  class_ref& operator=(T&& v) {
    own.emplace(std::move(v));
    p = &*own;
    return *this;
  }
};

PYX_COLD inline bool class_type_error(const arg_ctx& c, const char* expected, PyObject* got) {
  return type_error(c, expected, got);
}

template <class T>
struct caster<T, std::enable_if_t<class_info<T>::exported>> {
  static constexpr bool is_array = false;
  class_ref<T> value;
  static std::string describe() { return class_info<T>::name; }
  static bool matches(PyObject* o, bool) {
    return PyObject_TypeCheck(o, class_info<T>::type) && as_instance<T>(o)->ready;
  }
  bool load(PyObject* o, const arg_ctx& c) {
    if (!PyObject_TypeCheck(o, class_info<T>::type)) return class_type_error(c, class_info<T>::name, o);
    value.p = self_ptr<T>(o);
    return value.p != nullptr;
  }
  static PyObject* cast(T&& v) { return new_instance<T>(std::move(v)); }
};

// `T*` (or `const T*`): an instance or None (nullptr).
template <class T>
struct caster<T*, std::enable_if_t<class_info<std::remove_const_t<T>>::exported>> {
  using U = std::remove_const_t<T>;
  static constexpr bool is_array = false;
  T* value = nullptr;
  static std::string describe() { return std::string(class_info<U>::name) + " | None"; }
  static bool matches(PyObject* o, bool strict) { return o == Py_None || caster<U>::matches(o, strict); }
  bool load(PyObject* o, const arg_ctx& c) {
    if (o == Py_None) {
      value = nullptr;
      return true;
    }
    if (!PyObject_TypeCheck(o, class_info<U>::type))
      return class_type_error(c, (std::string(class_info<U>::name) + " or None").c_str(), o);
    value = self_ptr<U>(o);
    return value != nullptr;
  }
  // A returned pointer is copied into a new object (the pointee's owner is C++).
  static PyObject* cast(T*&& v) {
    if (!v) Py_RETURN_NONE;
    return new_instance<U>(*v);
  }
};

// ---- methods: thunks taking (Self&, params...) ----

template <class Self, auto Fn, bool NoGil, class Defaults, std::size_t... I>
PyObject* invoke_method_impl(PyObject* self, const signature& s, PyObject* const* slots, const Defaults& defs,
                             std::index_sequence<I...>) {
  using F = decltype(Fn);
  using R = typename fn_traits<F>::ret;
  Self* obj = self_ptr<Self>(self);
  if (!obj) return nullptr;
  // This call's out-of-bounds record (OpenMP builds), before the views are made.
  call_scope scope;
  try {
    std::tuple<caster_for<param_t<F, I + 1>>...> cs;
    bool ok = (load_arg(std::get<I>(cs), slots[I], std::get<I>(defs), arg_ctx{s.name, s.params[I]}) && ...);
    if (!ok) return nullptr;
    PyObject* out;
    if constexpr (std::is_void_v<R>) {
      {
        gil_release g(NoGil);
        Fn(*obj, pass<param_t<F, I + 1>>(std::get<I>(cs).value)...);
      }
      out = Py_NewRef(Py_None);
    } else if constexpr (std::is_lvalue_reference_v<R> && std::is_same_v<std::remove_cvref_t<R>, Self>) {
      // `return *this;`: the same Python object, so calls chain.
      Self* r = [&]() -> Self* {
        gil_release g(NoGil);
        return const_cast<Self*>(&Fn(*obj, pass<param_t<F, I + 1>>(std::get<I>(cs).value)...));
      }();
      out = r == obj ? Py_NewRef(self) : new_instance<Self>(*r);
    } else {
      std::remove_cvref_t<R> r = [&]() -> std::remove_cvref_t<R> {
        gil_release g(NoGil);
        return Fn(*obj, pass<param_t<F, I + 1>>(std::get<I>(cs).value)...);
      }();
      out = caster<std::remove_cvref_t<R>>::cast(std::move(r));
    }
    if (scope.failed()) [[unlikely]] {
      Py_XDECREF(out);
      scope.raise();
      return nullptr;
    }
    return out;
  } catch (...) {
    scope.clear();
    return translate_exception();
  }
}

template <auto Fn>
inline constexpr std::size_t method_arity = fn_traits<decltype(Fn)>::arity - 1;

template <class Self, auto Fn, bool NoGil, class Defaults>
PyObject* invoke_method(PyObject* self, const signature& s, PyObject* const* slots, const Defaults& defs) {
  return invoke_method_impl<Self, Fn, NoGil>(self, s, slots, defs, std::make_index_sequence<method_arity<Fn>>{});
}

template <auto Fn, std::size_t... I>
bool matches_method_impl(PyObject* const* slots, bool strict, std::index_sequence<I...>) {
  using F = decltype(Fn);
  return ((!slots[I] || caster_for<param_t<F, I + 1>>::matches(slots[I], strict)) && ...);
}

template <auto Fn>
bool matches_method(PyObject* const* slots, bool strict) {
  return matches_method_impl<Fn>(slots, strict, std::make_index_sequence<method_arity<Fn>>{});
}

template <auto Fn, std::size_t... I>
constexpr std::array<describer, sizeof...(I) + 1> method_describers_impl(std::index_sequence<I...>) {
  using F = decltype(Fn);
  return {&caster_for<param_t<F, I + 1>>::describe..., nullptr};
}

template <auto Fn>
inline constexpr auto method_describers_v = method_describers_impl<Fn>(std::make_index_sequence<method_arity<Fn>>{});

// A fused method with no matching instantiation: the signatures list.
template <auto... Fns>
PYX_COLD PyObject* no_method_match(const signature& s, PyObject* const* slots) {
  try {
    const describer* sigs[] = {method_describers_v<Fns>.data()...};
    return no_match_error(s, slots, sigs, static_cast<int>(sizeof...(Fns)));
  } catch (...) {
    return translate_exception();
  }
}

// ---- construction ----

// One public constructor: its signature and the calls its generated code makes.
struct ctor_entry {
  signature sig;
  bool (*matches)(PyObject* const* slots, bool strict);
  PyObject* (*construct)(PyObject* self, PyObject* const* slots);  // new ref to None, or NULL
  const describer* describe;
};

// Turns (args, kwargs) into the vectorcall layout bind() takes.
struct call_args {
  PyObject* stack[32];
  PyObject* kwnames = nullptr;
  Py_ssize_t nargs = 0;
  ~call_args() { Py_XDECREF(kwnames); }
  bool load(PyObject* args, PyObject* kwargs, const char* name) {
    nargs = PyTuple_GET_SIZE(args);
    Py_ssize_t nkw = kwargs ? PyDict_GET_SIZE(kwargs) : 0;
    if (nargs + nkw > 32) {
      PyErr_Format(PyExc_TypeError, "%s() takes at most 32 arguments", name);
      return false;
    }
    for (Py_ssize_t k = 0; k < nargs; ++k) stack[k] = PyTuple_GET_ITEM(args, k);
    if (nkw) {
      kwnames = PyTuple_New(nkw);
      if (!kwnames) return false;
      Py_ssize_t pos = 0, j = 0;
      PyObject *key, *val;
      while (PyDict_Next(kwargs, &pos, &key, &val)) {
        PyTuple_SET_ITEM(kwnames, j, Py_NewRef(key));
        stack[nargs + j++] = val;
      }
    }
    return true;
  }
};

PYX_COLD inline int no_ctor_match(const char* cls, const ctor_entry* ctors, int n, PyObject* const* args,
                                  Py_ssize_t nargs, PyObject* kwnames) {
  std::string given;
  for (Py_ssize_t k = 0; k < nargs; ++k) given += (k ? ", " : "") + describe_object(args[k]);
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t j = 0; j < nkw; ++j) {
    const char* key = PyUnicode_AsUTF8(PyTuple_GET_ITEM(kwnames, j));
    given += (given.empty() ? "" : ", ") + std::string(key ? key : "?") + "=" + describe_object(args[nargs + j]);
  }
  std::string accepted;
  for (int c = 0; c < n; ++c) {
    accepted += "\n  " + std::string(cls) + "(";
    for (int k = 0; k < ctors[c].sig.nparams; ++k)
      accepted += (k ? ", " : "") + std::string(ctors[c].sig.params[k]) + ": " + ctors[c].describe[k]();
    accepted += ")";
  }
  PyErr_Clear();
  PyErr_Format(PyExc_TypeError, "%s(): no constructor matches the arguments (%s); accepted:%s", cls, given.c_str(),
               accepted.c_str());
  return -1;
}

// Tries the constructors in declaration order: an exact match first, then
// one the conversions accept; one constructor gets its own precise errors.
template <class T>
int construct_vector(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                     const ctor_entry* ctors, int n) {
  auto* in = as_instance<T>(self);
  if (in->ready) {  // __init__ called again: the old object goes first
    in->ready = false;
    in->get()->~T();
  }
  PyObject* slots[32];
  if (n == 1) {
    if (!bind(ctors[0].sig, args, nargs, kwnames, slots)) return -1;
    PyObject* r = ctors[0].construct(self, slots);
    if (!r) return -1;
    Py_DECREF(r);
    return 0;
  }
  for (bool strict : {true, false}) {
    for (int c = 0; c < n; ++c) {
      if (!bind_slow(ctors[c].sig, args, nargs, kwnames, slots)) {
        PyErr_Clear();
        continue;
      }
      if (!ctors[c].matches(slots, strict)) continue;
      PyObject* r = ctors[c].construct(self, slots);
      if (!r) return -1;
      Py_DECREF(r);
      return 0;
    }
  }
  return no_ctor_match(class_info<T>::name, ctors, n, args, nargs, kwnames);
}

// tp_init: (args, kwargs) to the vectorcall layout.
template <class T>
int construct(PyObject* self, PyObject* args, PyObject* kwargs, const ctor_entry* ctors, int n) {
  call_args ca;
  if (!ca.load(args, kwargs, class_info<T>::name)) return -1;
  return construct_vector<T>(self, ca.stack, ca.nargs, ca.kwnames, ctors, n);
}

// `Type(...)` through the type's vectorcall: no argument tuple, no dict.
// Subclasses (which may override __new__/__init__) take type's own path.
PYX_NOINLINE inline PyObject* call_type_slow(PyObject* type, PyObject* const* args, Py_ssize_t nargs,
                                             PyObject* kwnames) {
  PyObject* tuple = PyTuple_New(nargs);
  if (!tuple) return nullptr;
  for (Py_ssize_t k = 0; k < nargs; ++k) PyTuple_SET_ITEM(tuple, k, Py_NewRef(args[k]));
  PyObject* kwargs = nullptr;
  if (kwnames && PyTuple_GET_SIZE(kwnames)) {
    kwargs = PyDict_New();
    for (Py_ssize_t j = 0; kwargs && j < PyTuple_GET_SIZE(kwnames); ++j)
      if (PyDict_SetItem(kwargs, PyTuple_GET_ITEM(kwnames, j), args[nargs + j]) < 0) Py_CLEAR(kwargs);
    if (!kwargs) {
      Py_DECREF(tuple);
      return nullptr;
    }
  }
  PyObject* r = PyType_Type.tp_call(type, tuple, kwargs);
  Py_DECREF(tuple);
  Py_XDECREF(kwargs);
  return r;
}

template <class T>
PyObject* construct_call(PyObject* type, PyObject* const* args, std::size_t nargsf, PyObject* kwnames,
                         const ctor_entry* ctors, int n) {
  Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  auto* tp = reinterpret_cast<PyTypeObject*>(type);
  if (tp != class_info<T>::type) [[unlikely]]
    return call_type_slow(type, args, nargs, kwnames);
  PyObject* self = tp->tp_alloc(tp, 0);
  if (!self) return nullptr;
  // One constructor, every argument positional: the arguments are its slots
  // and the fresh instance holds no object yet (no bind, no reset).
  if (n == 1 && !kwnames && nargs == ctors[0].sig.nparams) [[likely]] {
    PyObject* r = ctors[0].construct(self, args);
    if (!r) {
      Py_DECREF(self);
      return nullptr;
    }
    Py_DECREF(r);
    return self;
  }
  if (construct_vector<T>(self, args, nargs, kwnames, ctors, n) < 0) {
    Py_DECREF(self);
    return nullptr;
  }
  return self;
}

// The constructor call: placement-new into the instance, then it is ready.
template <class T, auto Fn, bool NoGil, class Defaults, std::size_t... I>
PyObject* construct_with_impl(PyObject* self, const signature& s, PyObject* const* slots, const Defaults& defs,
                              std::index_sequence<I...>) {
  using F = decltype(Fn);
  // This call's out-of-bounds record (OpenMP builds), before the views are made.
  call_scope scope;
  try {
    std::tuple<caster_for<param_t<F, I + 1>>...> cs;
    bool ok = (load_arg(std::get<I>(cs), slots[I], std::get<I>(defs), arg_ctx{s.name, s.params[I]}) && ...);
    if (!ok) return nullptr;
    Fn(static_cast<void*>(as_instance<T>(self)->storage), pass<param_t<F, I + 1>>(std::get<I>(cs).value)...);
    as_instance<T>(self)->ready = true;
    if (scope.failed()) [[unlikely]] {
      scope.raise();
      return nullptr;
    }
    return Py_NewRef(Py_None);
  } catch (...) {
    scope.clear();
    return translate_exception();
  }
}

template <class T, auto Fn, class Defaults>
PyObject* construct_with(PyObject* self, const signature& s, PyObject* const* slots, const Defaults& defs) {
  return construct_with_impl<T, Fn, false>(self, s, slots, defs, std::make_index_sequence<method_arity<Fn>>{});
}

// ---- slots ----

template <class T>
PyObject* tp_new_instance(PyTypeObject* tp, PyObject*, PyObject*) {
  return tp->tp_alloc(tp, 0);  // zeroed: not ready, no weakrefs
}

template <class T>
PyObject* tp_new_refused(PyTypeObject* tp, PyObject*, PyObject*) {
  PyErr_Format(PyExc_TypeError,
               "cannot create '%s' instances: the C++ class has no public constructor "
               "(objects of it come only from C++ functions that return one)",
               tp->tp_name);
  return nullptr;
}

template <class T>
void tp_dealloc(PyObject* o) {
  PyTypeObject* tp = Py_TYPE(o);
  if (PyType_IS_GC(tp)) PyObject_GC_UnTrack(o);
  auto* in = as_instance<T>(o);
  if (in->weaklist) PyObject_ClearWeakRefs(o);
  if (in->ready) {  // the destructor runs exactly once
    in->ready = false;
    in->get()->~T();
  }
  tp->tp_free(o);
  Py_DECREF(tp);
}

// Elements of a begin()/end() range, converted into a list; its iterator.
template <class T>
PyObject* iterate(PyObject* o) {
  T* s = self_ptr<T>(o);
  if (!s) return nullptr;
  try {
    PyObject* list = PyList_New(0);
    if (!list) return nullptr;
    for (auto&& x : *s) {
      std::remove_cvref_t<decltype(x)> v = x;
      PyObject* item = caster<std::remove_cvref_t<decltype(x)>>::cast(std::move(v));
      if (!item || PyList_Append(list, item) < 0) {
        Py_XDECREF(item);
        Py_DECREF(list);
        return nullptr;
      }
      Py_DECREF(item);
    }
    PyObject* it = PyObject_GetIter(list);
    Py_DECREF(list);
    return it;
  } catch (...) {
    return translate_exception();
  }
}

// A `Py_ssize_t`-returning call (size(), hash()) made through a method wrapper.
PYX_NOINLINE inline Py_ssize_t as_ssize(PyObject* r) {
  if (!r) return -1;
  Py_ssize_t v = PyLong_AsSsize_t(r);
  Py_DECREF(r);
  return v;
}

PYX_NOINLINE inline Py_hash_t as_hash(PyObject* r) {
  if (!r) return -1;
  Py_hash_t v = PyObject_Hash(r);
  Py_DECREF(r);
  return v == -1 && !PyErr_Occurred() ? -2 : v;
}

// Attribute access: a copy converted, or for move-only handles to Python
// objects (pyx::array) a new reference to the same object.
template <class FT>
PyObject* field_get(const FT& f) {
  if constexpr (std::is_copy_constructible_v<FT>) {
    FT v = f;
    return caster<FT>::cast(std::move(v));
  } else {
    PyObject* p = f.ptr();
    return Py_NewRef(p ? p : Py_None);
  }
}

template <class FT>
void field_set(FT& dst, FT& src) {
  if constexpr (std::is_copy_assignable_v<FT>)
    dst = src;
  else
    dst = std::move(src);
}

PYX_COLD inline int cannot_delete(const char* cls, const char* attr) {
  PyErr_Format(PyExc_AttributeError, "cannot delete attribute '%s' of '%s' objects", attr, cls);
  return -1;
}

// PyType_FromSpec with the module as the type's __module__, added to the module.
PYX_NOINLINE inline PyTypeObject* add_type(PyObject* module, PyType_Spec* spec, PyTypeObject** slot) {
  PyObject* t = PyType_FromModuleAndSpec(module, spec, nullptr);
  if (!t) return nullptr;
  const char* dot = strrchr(spec->name, '.');
  if (PyModule_AddObjectRef(module, dot ? dot + 1 : spec->name, t) < 0) {
    Py_DECREF(t);
    return nullptr;
  }
  *slot = reinterpret_cast<PyTypeObject*>(t);  // the module keeps it alive
  Py_DECREF(t);
  return *slot;
}

PYX_COLD inline int tp_init_refused(PyObject* self, PyObject*, PyObject*) {
  PyErr_Format(PyExc_TypeError,
               "cannot create '%s' instances: the C++ class has no public constructor "
               "(objects of it come only from C++ functions that return one, or from pickle)",
               Py_TYPE(self)->tp_name);
  return -1;
}

// ---- pickling through getstate()/setstate(...) ----

// __reduce__: rebuilt by copyreg.__newobj__(type) (an uninitialised object),
// then __setstate__(state); a state that is not a tuple is made a 1-tuple.
PYX_NOINLINE inline PyObject* reduce_with_state(PyObject* self, PyObject* state) {
  if (!state) return nullptr;
  if (!PyTuple_Check(state)) {
    PyObject* t = PyTuple_Pack(1, state);
    Py_DECREF(state);
    if (!t) return nullptr;
    state = t;
  }
  PyObject* copyreg = PyImport_ImportModule("copyreg");
  PyObject* newobj = copyreg ? PyObject_GetAttrString(copyreg, "__newobj__") : nullptr;
  Py_XDECREF(copyreg);
  if (!newobj) {
    Py_DECREF(state);
    return nullptr;
  }
  return Py_BuildValue("(N(O)N)", newobj, reinterpret_cast<PyObject*>(Py_TYPE(self)), state);
}

PYX_COLD inline bool state_not_tuple(PyObject* self, PyObject* state) {
  PyErr_Format(PyExc_TypeError, "%s.__setstate__(): the state must be a tuple (the arguments of setstate), got %s",
               Py_TYPE(self)->tp_name, Py_TYPE(state)->tp_name);
  return false;
}

inline bool state_is_tuple(PyObject* self, PyObject* state) {
  return PyTuple_Check(state) || state_not_tuple(self, state);
}

// A member setstate(...) needs a C++ object to call: an unpickled object has
// none yet, so the default constructor makes one.
template <class T>
bool ready_for_state(PyObject* self) {
  auto* in = as_instance<T>(self);
  if (in->ready) return true;
  if constexpr (std::is_default_constructible_v<T>) {
    try {
      ::new (in->storage) T();
    } catch (...) {
      translate_exception();
      return false;
    }
    in->ready = true;
    return true;
  } else {
    PyErr_Format(PyExc_TypeError,
                 "%s.__setstate__(): the object has no C++ value yet and the class has no public default "
                 "constructor: declare setstate as a static member function returning the class",
                 Py_TYPE(self)->tp_name);
    return false;
  }
}

// A static setstate(...) returned `made` (a new object of T's type): its C++
// value moves into self.
template <class T>
PyObject* adopt_state(PyObject* self, PyObject* made) {
  if (!made) return nullptr;
  auto* in = as_instance<T>(self);
  T* src = self_ptr<T>(made);
  if (!src) {
    Py_DECREF(made);
    return nullptr;
  }
  try {
    if (in->ready) {
      in->ready = false;
      in->get()->~T();
    }
    ::new (in->storage) T(std::move(*src));
    in->ready = true;
  } catch (...) {
    Py_DECREF(made);
    return translate_exception();
  }
  Py_DECREF(made);
  Py_RETURN_NONE;
}

// ---- classes shared between modules ----

// What a second module must agree on to create and read instances of a type
// the first module made: the instance size, the C++ alignment and this
// file's layout version (raise it when `instance` changes).
inline constexpr long kClassLayoutVersion = 1;

// The exporting side: `__pyx_classes__[cpp_name] = (type, size, align, version)`.
template <class T>
bool publish_class(PyObject* module, const char* cpp_name) {
  PyObject* md = PyModule_GetDict(module);
  PyObject* table = PyDict_GetItemString(md, "__pyx_classes__");
  if (!table) {
    table = PyDict_New();
    if (!table || PyDict_SetItemString(md, "__pyx_classes__", table) < 0) {
      Py_XDECREF(table);
      return false;
    }
    Py_DECREF(table);  // the module's dict keeps it
  }
  PyObject* entry = Py_BuildValue("(Onnl)", reinterpret_cast<PyObject*>(class_info<T>::type),
                                  static_cast<Py_ssize_t>(sizeof(instance<T>)), static_cast<Py_ssize_t>(alignof(T)),
                                  kClassLayoutVersion);
  if (!entry) return false;
  int rc = PyDict_SetItemString(table, cpp_name, entry);
  Py_DECREF(entry);
  return rc == 0;
}

PYX_COLD inline bool import_class_error(const char* importer, const char* module, const char* cpp_name,
                                        const char* where, const std::string& why) {
  PyObject *type = nullptr, *cause = nullptr, *tb = nullptr;
  PyErr_Fetch(&type, &cause, &tb);
  PyErr_NormalizeException(&type, &cause, &tb);
  if (cause && tb) PyException_SetTraceback(cause, tb);
  Py_XDECREF(type);
  Py_XDECREF(tb);
  std::string msg = std::string("module '") + importer + "' uses the C++ class " + cpp_name + " of module '" + module +
                    "' (PYX_IMPORT at " + where + "), but " + why;
  PyObject* name = PyUnicode_FromString(module);
  PyObject* text = PyUnicode_FromString(msg.c_str());
  PyObject* err = name && text ? PyObject_CallFunction(PyExc_ImportError, "O", text) : nullptr;
  if (err) {
    PyObject_SetAttrString(err, "name", name);
    if (cause) PyException_SetCause(err, cause), cause = nullptr;
    PyErr_SetObject(PyExc_ImportError, err);
    Py_DECREF(err);
  }
  Py_XDECREF(cause);
  Py_XDECREF(name);
  Py_XDECREF(text);
  return false;
}

// The importing side (at module exec): imports `module`, finds the type it
// published for `cpp_name` and checks the layout agrees with this build's.
template <class T>
bool import_class(const char* importer, const char* module, const char* cpp_name, const char* where) {
  PyObject* mod = PyImport_ImportModule(module);
  if (!mod) return import_class_error(importer, module, cpp_name, where, "importing it failed");
  PyObject* table = PyObject_GetAttrString(mod, "__pyx_classes__");
  Py_DECREF(mod);
  if (!table || !PyDict_Check(table)) {
    Py_XDECREF(table);
    PyErr_Clear();
    return import_class_error(importer, module, cpp_name, where, "it exports no C++ classes");
  }
  PyObject* entry = PyDict_GetItemString(table, cpp_name);
  if (!entry) {
    std::string names;
    Py_ssize_t pos = 0;
    PyObject *key, *val;
    while (PyDict_Next(table, &pos, &key, &val)) {
      const char* k = PyUnicode_AsUTF8(key);
      names += (names.empty() ? "" : ", ") + std::string(k ? k : "?");
    }
    Py_DECREF(table);
    PyErr_Clear();
    return import_class_error(importer, module, cpp_name, where,
                              "it does not export that class (it exports: " + names + ")");
  }
  PyObject* type = nullptr;
  Py_ssize_t size = 0, align = 0;
  long version = 0;
  bool ok = PyArg_ParseTuple(entry, "O!nnl", &PyType_Type, &type, &size, &align, &version);
  if (!ok || size != static_cast<Py_ssize_t>(sizeof(instance<T>)) || align != static_cast<Py_ssize_t>(alignof(T)) ||
      version != kClassLayoutVersion) {
    Py_DECREF(table);
    PyErr_Clear();
    return import_class_error(importer, module, cpp_name, where,
                              "the two builds disagree on its layout (size " + std::to_string(size) + " there, " +
                                  std::to_string(sizeof(instance<T>)) +
                                  " here): build both from the same header with the same flags");
  }
  // Kept for the life of the process: this module's code creates instances of it.
  class_info<T>::type = reinterpret_cast<PyTypeObject*>(Py_NewRef(type));
  class_info<T>::name = class_info<T>::type->tp_name;
  Py_DECREF(table);
  return true;
}

}  // namespace pyx::detail
