// _core.writable_cache_dir / driver_problem: the core's own decisions about
// the cache root and the compiler, for the Python code that must agree with an
// import without building (doctor, %%cxx).
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>

#include "cache/store.hpp"
#include "toolchain/toolchain.hpp"

#include "python/cache_error.hpp"

namespace {

using namespace cxximport;

// Where a build stores a new module: the root when it opens writable, else
// the private fallback (docs/cache.md, "Private fallback").
PyObject* py_writable_cache_dir(PyObject* self, PyObject* args) {
  const char* root = "";
  if (!PyArg_ParseTuple(args, "|s:writable_cache_dir", &root)) return nullptr;
  cache::Store store(*root ? root : cache::Store::default_root());
  std::string err, warning, fallback_err, why;
  bool ok;
  Py_BEGIN_ALLOW_THREADS ok = store.open(&err);
  if (!ok || store.read_only()) {
    why = ok ? "the cache directory " + store.root() + " is read-only" : err;
    ok = cache::Store::open_private_fallback(why, &store, &warning, &fallback_err);
  }
  Py_END_ALLOW_THREADS if (!ok) return python::cache_error(self,
                                                           why + "; and no private fallback cache: " + fallback_err);
  return Py_BuildValue("(ss)", store.root().c_str(), why.c_str());
}

PyObject* py_driver_problem(PyObject*, PyObject* args) {
  const char* cxx = "";
  const char* launcher = "";
  if (!PyArg_ParseTuple(args, "s|s:driver_problem", &cxx, &launcher)) return nullptr;
  std::string why = build::driver_problem(cxx, launcher);
  return PyUnicode_FromStringAndSize(why.data(), static_cast<Py_ssize_t>(why.size()));
}

}  // namespace

PyMethodDef cxximport_setup_check_methods[] = {
    {"writable_cache_dir", py_writable_cache_dir, METH_VARARGS,
     "writable_cache_dir(cache_dir='') -> (root, why)\n\nThe cache a build stores new modules in: cache_dir (default: "
     "the environment's), or the private fallback when it cannot be used; why says why (empty otherwise)."},
    {"driver_problem", py_driver_problem, METH_VARARGS,
     "driver_problem(cxx, launcher='') -> str\n\nWhy this compiler and launcher cannot build a module, with the fix "
     "(a C compiler driver, a launcher not installed); empty when they can."},
    {nullptr, nullptr, 0, nullptr}};
