// The module's CacheError, raised from the cache functions of _core
// (cache_admin.cpp, cache_entry.cpp); `self` is the module object.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>

namespace cxximport::python {

// reason: a word callers branch on (the exception's `reason` attribute;
// None when not given), so no caller tests the message's text.
inline PyObject* cache_error(PyObject* self, const std::string& message, const char* reason = nullptr) {
  PyObject* type = PyObject_GetAttrString(self, "CacheError");
  if (!type) return nullptr;
  PyObject* exc = PyObject_CallFunction(type, "s", message.c_str());
  Py_DECREF(type);
  if (!exc) return nullptr;
  PyObject* why = reason ? PyUnicode_FromString(reason) : Py_NewRef(Py_None);
  if (!why || PyObject_SetAttrString(exc, "reason", why) < 0) {
    Py_XDECREF(why);
    Py_DECREF(exc);
    return nullptr;
  }
  Py_DECREF(why);
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc)), exc);
  Py_DECREF(exc);
  return nullptr;
}

}  // namespace cxximport::python
