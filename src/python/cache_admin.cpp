// _core.cache_list / cache_info / cache_clean / cache_prune: the Python face
// of cache/admin.hpp for `cxximport cache ...` (shapes in docs/core_api.md).
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <ctime>
#include <string>
#include <vector>

#include "cache/admin.hpp"

#include "python/cache_error.hpp"

namespace {

using namespace cxximport;

using python::cache_error;

const char* root_arg(PyObject* arg) {
  if (!PyUnicode_Check(arg)) {
    PyErr_Format(PyExc_TypeError, "cache_dir must be a str, not %s", Py_TYPE(arg)->tp_name);
    return nullptr;
  }
  return PyUnicode_AsUTF8(arg);
}

PyObject* entry_dict(const cache::EntryInfo& e) {
  // Sources and entries are paths, which need not be UTF-8 (as os.fsdecode does).
  auto path = [](const std::string& p) {
    return PyUnicode_DecodeFSDefaultAndSize(p.data(), static_cast<Py_ssize_t>(p.size()));
  };
  return Py_BuildValue("{s:s,s:N,s:s,s:s,s:N,s:K,s:L,s:L,s:s}", "module", e.module.c_str(), "source", path(e.source),
                       "key", e.key.c_str(), "variant", e.variant.c_str(), "entry_dir", path(e.entry_dir), "size",
                       static_cast<unsigned long long>(e.size_bytes), "created", static_cast<long long>(e.created),
                       "last_used", static_cast<long long>(e.last_used), "problem", e.problem.c_str());
}

PyObject* py_cache_list(PyObject* self, PyObject* arg) {
  const char* root = root_arg(arg);
  if (!root) return nullptr;
  std::vector<cache::EntryInfo> entries;
  std::string err;
  bool ok;
  Py_BEGIN_ALLOW_THREADS ok = cache::list_entries(root, &entries, &err);
  Py_END_ALLOW_THREADS if (!ok) return cache_error(self, err);
  PyObject* list = PyList_New(0);
  if (!list) return nullptr;
  for (const auto& e : entries) {
    PyObject* d = entry_dict(e);
    if (!d || PyList_Append(list, d) < 0) {
      Py_XDECREF(d);
      Py_DECREF(list);
      return nullptr;
    }
    Py_DECREF(d);
  }
  return list;
}

PyObject* py_cache_info(PyObject* self, PyObject* arg) {
  const char* root = root_arg(arg);
  if (!root) return nullptr;
  cache::CacheInfo info;
  std::string err;
  bool ok;
  Py_BEGIN_ALLOW_THREADS ok = cache::cache_info(root, &info, &err);
  Py_END_ALLOW_THREADS if (!ok) return cache_error(self, err);
  PyObject* counters = PyDict_New();
  if (!counters) return nullptr;
  for (const auto& [name, value] : info.counters) {
    PyObject* v = PyLong_FromUnsignedLongLong(value);
    if (!v || PyDict_SetItemString(counters, name.c_str(), v) < 0) {
      Py_XDECREF(v);
      Py_DECREF(counters);
      return nullptr;
    }
    Py_DECREF(v);
  }
  return Py_BuildValue(
      "{s:s,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:N}", "location", info.location.c_str(), "entries",
      static_cast<unsigned long long>(info.entries), "size", static_cast<unsigned long long>(info.total_bytes),
      "tmp_size", static_cast<unsigned long long>(info.tmp_bytes), "failed_logs",
      static_cast<unsigned long long>(info.failed_logs), "hit", static_cast<unsigned long long>(info.hits), "miss",
      static_cast<unsigned long long>(info.misses), "build", static_cast<unsigned long long>(info.builds),
      "build_failed", static_cast<unsigned long long>(info.build_failures), "counters", counters);
}

PyObject* py_cache_clean(PyObject* self, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"cache_dir", "module", nullptr};
  const char* root = nullptr;
  const char* module = nullptr;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s|z:cache_clean", const_cast<char**>(kwlist), &root, &module))
    return nullptr;
  std::string mod = module ? module : "";
  std::vector<cache::EntryInfo> before;
  std::uint64_t removed = 0, freed = 0;
  std::string err;
  bool ok;
  Py_BEGIN_ALLOW_THREADS ok = cache::list_entries(root, &before, &err) && cache::clean(root, mod, &removed, &err);
  Py_END_ALLOW_THREADS if (!ok) return cache_error(self, err);
  for (const auto& e : before)
    if (mod.empty() || e.module == mod) freed += e.size_bytes;
  return Py_BuildValue("{s:K,s:K}", "removed", static_cast<unsigned long long>(removed), "freed",
                       static_cast<unsigned long long>(freed));
}

PyObject* py_cache_prune(PyObject* self, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"cache_dir", "max_size", "older_than", nullptr};
  const char* root = nullptr;
  PyObject* max_size = Py_None;
  PyObject* older_than = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s|OO:cache_prune", const_cast<char**>(kwlist), &root, &max_size,
                                   &older_than))
    return nullptr;
  unsigned long long size = 0;
  long long age = 0;
  if (max_size != Py_None) {
    size = PyLong_AsUnsignedLongLong(max_size);
    if (PyErr_Occurred()) return nullptr;
  }
  if (older_than != Py_None) {
    age = PyLong_AsLongLong(older_than);
    if (PyErr_Occurred()) return nullptr;
    if (age <= 0) {
      PyErr_SetString(PyExc_ValueError, "cache_prune(): older_than must be a positive number of seconds");
      return nullptr;
    }
  }
  cache::PruneResult r;
  std::string err;
  bool ok;
  Py_BEGIN_ALLOW_THREADS ok = cache::prune(root, size, age, static_cast<std::int64_t>(std::time(nullptr)), &r, &err);
  Py_END_ALLOW_THREADS if (!ok) return cache_error(self, err);
  return Py_BuildValue("{s:K,s:K,s:K,s:K}", "removed", static_cast<unsigned long long>(r.removed_entries), "freed",
                       static_cast<unsigned long long>(r.removed_bytes), "kept",
                       static_cast<unsigned long long>(r.kept_entries), "kept_size",
                       static_cast<unsigned long long>(r.kept_bytes));
}

}  // namespace

PyMethodDef cxximport_cache_admin_methods[] = {
    {"cache_list", py_cache_list, METH_O, "cache_list(cache_dir) -> list[dict]: every entry of the cache."},
    {"cache_info", py_cache_info, METH_O, "cache_info(cache_dir) -> dict: location, sizes and counters."},
    {"cache_clean", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(py_cache_clean)),
     METH_VARARGS | METH_KEYWORDS, "cache_clean(cache_dir, module=None) -> dict: remove entries."},
    {"cache_prune", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(py_cache_prune)),
     METH_VARARGS | METH_KEYWORDS,
     "cache_prune(cache_dir, max_size=None, older_than=None) -> dict: remove least recently used entries."},
    {nullptr, nullptr, 0, nullptr}};
