// The module's CacheError, raised from the cache functions of _core
// (cache_admin.cpp, cache_entry.cpp); `self` is the module object.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>

namespace cxximport::python {

inline PyObject* cache_error(PyObject* self, const std::string& message) {
  PyObject* type = PyObject_GetAttrString(self, "CacheError");
  if (!type) return nullptr;
  PyErr_SetString(type, message.c_str());
  Py_DECREF(type);
  return nullptr;
}

}  // namespace cxximport::python
