// Paths cross the _core shell as bytes, the way os.fsencode/os.fsdecode
// carry them: a directory name that is not UTF-8 reaches the core unchanged
// (str with surrogate escapes, bytes or os.PathLike in) and comes back as the
// same str. Shared by core_module.cpp and options.cpp.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>

namespace cxximport::python {

inline bool fs_bytes(PyObject* o, std::string* out) {
  PyObject* b = nullptr;
  if (!PyUnicode_FSConverter(o, &b)) return false;
  out->assign(PyBytes_AS_STRING(b), static_cast<std::size_t>(PyBytes_GET_SIZE(b)));
  Py_DECREF(b);
  return true;
}

inline PyObject* fs_str(const std::string& s) {
  return PyUnicode_DecodeFSDefaultAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
}

}  // namespace cxximport::python
