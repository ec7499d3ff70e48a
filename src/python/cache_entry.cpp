// _core.install_entry / export_entry / cache_count: what the remote cache
// (hook/cxximport/_remote/) needs from the store, so that the store's layout,
// checks and atomic publication stay in C++ (docs/cache.md, "Remote cache").
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>

#include "cache/stats.hpp"
#include "cache/store.hpp"
#include "util/hash.hpp"

#include "python/cache_error.hpp"

namespace {

using namespace cxximport;

using python::cache_error;

// The store a build would use: the root, else the private fallback (as the
// core's build does, so an installed entry is where the next lookup looks).
bool open_store(const std::string& root, cache::Store* store, std::string* err) {
  *store = cache::Store(root.empty() ? cache::Store::default_root() : root);
  if (store->open(err)) return true;
  std::string warning, err2;
  if (cache::Store::open_private_fallback(*err, store, &warning, &err2)) return true;
  *err += "; " + err2;
  return false;
}

PyObject* hit_dict(const cache::Hit& hit) {
  return Py_BuildValue("{s:s,s:s,s:s,s:O,s:d,s:s}", "so_path", hit.so_path.c_str(), "entry_dir", hit.entry_dir.c_str(),
                       "key", hit.manifest.key.c_str(), "built", Py_False, "seconds", 0.0, "module",
                       hit.manifest.module.c_str());
}

PyObject* py_install_entry(PyObject* self, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"cache_dir", "key", "files", nullptr};
  const char* root = nullptr;
  const char* key = nullptr;
  PyObject* files = nullptr;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "ssO!:install_entry", const_cast<char**>(kwlist), &root, &key,
                                   &PyDict_Type, &files))
    return nullptr;
  cache::Store::EntryFiles entry;
  PyObject *name, *content;
  Py_ssize_t pos = 0;
  while (PyDict_Next(files, &pos, &name, &content)) {
    const char* n = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : nullptr;
    Py_buffer view;
    if (!n || PyObject_GetBuffer(content, &view, PyBUF_SIMPLE) < 0) {
      PyErr_Clear();
      PyErr_SetString(PyExc_TypeError, "install_entry(): files must map str names to bytes");
      return nullptr;
    }
    entry.emplace_back(n, std::string(static_cast<const char*>(view.buf), static_cast<std::size_t>(view.len)));
    PyBuffer_Release(&view);
  }
  cache::Store store("");
  cache::Hit hit;
  std::string err;
  bool ok;
  bool other_headers = false;
  Py_BEGIN_ALLOW_THREADS ok = open_store(root, &store, &err) && store.install(key, entry, &hit, &err, &other_headers);
  Py_END_ALLOW_THREADS if (!ok) return cache_error(self, err, other_headers ? "other_headers" : "refused");
  return hit_dict(hit);
}

PyObject* py_export_entry(PyObject* self, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"cache_dir", "key", nullptr};
  const char* root = nullptr;
  const char* key = nullptr;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "ss:export_entry", const_cast<char**>(kwlist), &root, &key))
    return nullptr;
  cache::Store store("");
  cache::Store::EntryFiles files;
  std::string err;
  bool ok;
  Py_BEGIN_ALLOW_THREADS ok = open_store(root, &store, &err) && store.export_entry(key, &files, &err);
  Py_END_ALLOW_THREADS if (!ok) return cache_error(self, err);
  PyObject* out = PyDict_New();
  if (!out) return nullptr;
  for (const auto& [name, content] : files) {
    PyObject* b = PyBytes_FromStringAndSize(content.data(), static_cast<Py_ssize_t>(content.size()));
    if (!b || PyDict_SetItemString(out, name.c_str(), b) < 0) {
      Py_XDECREF(b);
      Py_DECREF(out);
      return nullptr;
    }
    Py_DECREF(b);
  }
  return out;
}

PyObject* py_cache_count(PyObject* self, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"cache_dir", "name", "delta", nullptr};
  const char* root = nullptr;
  const char* name = nullptr;
  unsigned long long delta = 1;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "ss|K:cache_count", const_cast<char**>(kwlist), &root, &name, &delta))
    return nullptr;
  cache::Store store("");
  std::string err;
  bool ok;
  Py_BEGIN_ALLOW_THREADS ok = open_store(root, &store, &err) && cache::add_counter(store.stats_path(), name, delta);
  Py_END_ALLOW_THREADS if (!ok) return cache_error(self, err.empty() ? "cannot update " + store.stats_path() : err);
  Py_RETURN_NONE;
}

// The XXH3-128 of a buffer: the integrity check of an unsigned remote blob,
// without importing OpenSSL's SHA-256 (_hashlib costs 3-10 ms per process).
PyObject* py_xxh3_128(PyObject*, PyObject* args) {
  Py_buffer view;
  if (!PyArg_ParseTuple(args, "y*:xxh3_128", &view)) return nullptr;
  std::string hex;
  Py_BEGIN_ALLOW_THREADS hex =
      hash_bytes(std::string_view(static_cast<const char*>(view.buf), static_cast<std::size_t>(view.len)));
  Py_END_ALLOW_THREADS PyBuffer_Release(&view);
  return PyUnicode_FromStringAndSize(hex.data(), static_cast<Py_ssize_t>(hex.size()));
}

}  // namespace

PyMethodDef cxximport_cache_entry_methods[] = {
    {"install_entry", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(py_install_entry)),
     METH_VARARGS | METH_KEYWORDS,
     "install_entry(cache_dir, key, files) -> dict\n\nChecks an entry built elsewhere (files: name -> bytes, with "
     "its manifest) and publishes it atomically; returns build()'s dict. Raises CacheError saying why not, "
     "with reason \"other_headers\" (built against headers this machine lacks) or \"refused\"."},
    {"export_entry", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(py_export_entry)),
     METH_VARARGS | METH_KEYWORDS,
     "export_entry(cache_dir, key) -> dict\n\nThe files (name -> bytes) of key's valid entry that install_entry "
     "takes: manifest, shared object, .pyi."},
    {"cache_count", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(py_cache_count)),
     METH_VARARGS | METH_KEYWORDS, "cache_count(cache_dir, name, delta=1): add to a counter of v1/stats."},
    {"xxh3_128", py_xxh3_128, METH_VARARGS,
     "xxh3_128(data) -> str\n\nThe XXH3-128 of a bytes-like object, as 32 hex digits."},
    {nullptr, nullptr, 0, nullptr}};
