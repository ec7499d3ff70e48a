// _core.option_table / module_flags / parse_size / parse_age / format_size:
// the things the Python package needs from the one owner of each
// (core/option_table, toolchain::module_flags, cache/units) instead of a copy.
#include "python/options.hpp"

#include <cstring>
#include <string>
#include <vector>

#include "cache/units.hpp"
#include "core/option_table.hpp"
#include "scan/directives.hpp"
#include "scan/scanner.hpp"
#include "toolchain/toolchain.hpp"
#include "python/fs_path.hpp"
#include "util/file.hpp"

namespace cxximport::python {

namespace {

PyObject* text(std::string_view s) {
  return PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "strict");
}

PyObject* str_list(const std::vector<std::string>& v) {
  PyObject* l = PyList_New(static_cast<Py_ssize_t>(v.size()));
  if (!l) return nullptr;
  for (std::size_t i = 0; i < v.size(); ++i) {
    PyObject* s = fs_str(v[i]);
    if (!s) {
      Py_DECREF(l);
      return nullptr;
    }
    PyList_SET_ITEM(l, static_cast<Py_ssize_t>(i), s);
  }
  return l;
}

std::vector<std::string>* list_field(scan::Directives* d, std::string_view name) {
  if (name == "cxxflags") return &d->cxxflags;
  if (name == "ldflags") return &d->ldflags;
  if (name == "libraries") return &d->libraries;
  if (name == "include_dirs") return &d->include_dirs;
  if (name == "library_dirs") return &d->library_dirs;
  if (name == "sources") return &d->sources;
  if (name == "depends") return &d->depends;
  return nullptr;
}

std::string* str_field(scan::Directives* d, std::string_view name) {
  if (name == "arch") return &d->arch;
  if (name == "std") return &d->std;
  if (name == "optimize") return &d->optimize;
  return nullptr;
}

bool read_list(PyObject* v, const char* key, std::vector<std::string>* out) {
  if (PyUnicode_Check(v)) {
    PyErr_Format(PyExc_TypeError, "build option '%s' must be a list of str, not a str", key);
    return false;
  }
  PyObject* seq = PySequence_Fast(v, "build option must be a list of str");
  if (!seq) return false;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(seq, i);
    std::string s;
    if (!PyUnicode_Check(item) || !fs_bytes(item, &s)) {
      Py_DECREF(seq);
      if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_TypeError))
        PyErr_Format(PyExc_TypeError, "build option '%s' must be a list of str", key);
      return false;
    }
    out->push_back(std::move(s));
  }
  Py_DECREF(seq);
  return true;
}

PyObject* option_dict(const core::OptionSpec& o) {
  PyObject* choices = PyTuple_New(0);
  if (!choices) return nullptr;
  for (std::size_t b = 0; b < o.choices.size();) {
    std::size_t e = o.choices.find(' ', b);
    if (e == std::string_view::npos) e = o.choices.size();
    PyObject* c = text(o.choices.substr(b, e - b));
    if (!c || _PyTuple_Resize(&choices, PyTuple_GET_SIZE(choices) + 1) < 0) {
      Py_XDECREF(c);
      Py_XDECREF(choices);
      return nullptr;
    }
    PyTuple_SET_ITEM(choices, PyTuple_GET_SIZE(choices) - 1, c);
    b = e + 1;
  }
  return Py_BuildValue("{s:N,s:N,s:N,s:N,s:N,s:O,s:O,s:O,s:N,s:N,s:N}", "name", text(o.name), "kind", text(o.kind),
                       "default", text(o.default_value), "default_doc", text(o.default_doc), "env", text(o.env),
                       "argument", (o.places & core::kArgument) ? Py_True : Py_False, "pyproject",
                       (o.places & core::kPyproject) ? Py_True : Py_False, "directive",
                       (o.places & core::kDirective) ? Py_True : Py_False, "choices", choices, "type_doc",
                       text(o.type_doc), "doc", text(o.doc));
}

PyObject* py_option_table(PyObject*, PyObject*) {
  auto table = core::option_table();
  PyObject* out = PyTuple_New(static_cast<Py_ssize_t>(table.size()));
  if (!out) return nullptr;
  for (std::size_t i = 0; i < table.size(); ++i) {
    PyObject* d = option_dict(table[i]);
    if (!d) {
      Py_DECREF(out);
      return nullptr;
    }
    PyTuple_SET_ITEM(out, static_cast<Py_ssize_t>(i), d);
  }
  return out;
}

// module_flags(source, options) -> dict: the flags of a CMake target for
// source (toolchain::module_flags with for_cmake), options being the
// pyproject.toml layer; the file's directives are merged over them here.
PyObject* py_module_flags(PyObject*, PyObject* args) {
  std::string source;
  PyObject* opts = nullptr;
  PyObject* src = nullptr;
  if (!PyArg_ParseTuple(args, "OO!:module_flags", &src, &PyDict_Type, &opts) || !fs_bytes(src, &source)) return nullptr;
  build::FlagInput in;
  in.for_cmake = true;
  if (!read_directive_options(opts, &in.directives)) return nullptr;
  if (PyObject* bt = PyDict_GetItemString(opts, "build_type"); bt && bt != Py_None) {
    if (!PyUnicode_Check(bt) || !fs_bytes(bt, &in.build_type)) {
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "build option 'build_type' must be a str");
      return nullptr;
    }
  }
  std::string content, err;
  scan::ScanResult scanned;
  if (!read_file(source, &content, &err)) {
    PyErr_SetString(PyExc_OSError, err.c_str());
    return nullptr;
  }
  if (!scan::scan_source(content, source, &scanned, &err)) {
    PyErr_SetString(PyExc_ValueError, err.c_str());
    return nullptr;
  }
  in.source_dir = source.substr(0, source.rfind('/'));
  if (in.source_dir.empty()) in.source_dir = "/";
  in.directives = scan::merge_directives(in.directives, scanned.directives);
  build::Flags f = build::module_flags(in);
  auto absolute = [&](std::vector<std::string> v) {
    for (auto& p : v)
      if (p.empty() || p[0] != '/') p = in.source_dir + "/" + p;
    return v;
  };
  return Py_BuildValue("{s:N,s:N,s:O,s:N,s:N,s:N}", "cxxflags", str_list(f.cxxflags), "ldflags", str_list(f.ldflags),
                       "openmp", in.directives.openmp ? Py_True : Py_False, "include_dirs", str_list(f.include_dirs),
                       "sources", str_list(absolute(scanned.directives.sources)), "depends",
                       str_list(absolute(in.directives.depends)));
}

PyObject* py_parse_size(PyObject*, PyObject* arg) {
  Py_ssize_t n = 0;
  const char* s = PyUnicode_AsUTF8AndSize(arg, &n);
  if (!s) return nullptr;
  std::uint64_t bytes = 0;
  std::string err;
  if (!cache::parse_size(std::string_view(s, static_cast<std::size_t>(n)), &bytes, &err)) {
    PyErr_SetString(PyExc_ValueError, err.c_str());
    return nullptr;
  }
  return PyLong_FromUnsignedLongLong(bytes);
}

PyObject* py_parse_age(PyObject*, PyObject* arg) {
  Py_ssize_t n = 0;
  const char* s = PyUnicode_AsUTF8AndSize(arg, &n);
  if (!s) return nullptr;
  std::int64_t seconds = 0;
  std::string err;
  if (!cache::parse_age(std::string_view(s, static_cast<std::size_t>(n)), &seconds, &err)) {
    PyErr_SetString(PyExc_ValueError, err.c_str());
    return nullptr;
  }
  return PyLong_FromLongLong(seconds);
}

PyObject* py_format_size(PyObject*, PyObject* arg) {
  unsigned long long n = PyLong_AsUnsignedLongLong(arg);
  if (PyErr_Occurred()) return nullptr;
  std::string s = cache::format_size(n);
  return text(s);
}

}  // namespace

bool read_directive_options(PyObject* opts, scan::Directives* out) {
  for (const auto& o : core::option_table()) {
    if (!(o.places & core::kDirective) || !(o.places & core::kArgument)) continue;
    std::string key(o.name);
    PyObject* v = PyDict_GetItemString(opts, key.c_str());  // borrowed
    if (!v || v == Py_None) continue;
    if (o.kind == "bool") {
      int t = PyObject_IsTrue(v);
      if (t < 0) return false;
      if (o.name == "openmp") out->openmp = t;
      if (o.name == "boundscheck") out->boundscheck = t;
      if (o.name == "vecmath") out->no_vecmath = !t;
    } else if (std::string* field = str_field(out, o.name)) {
      if (!PyUnicode_Check(v)) {
        PyErr_Format(PyExc_TypeError, "build option '%s' must be a str, not %s", key.c_str(), Py_TYPE(v)->tp_name);
        return false;
      }
      if (!fs_bytes(v, field)) return false;
    } else if (std::vector<std::string>* list = list_field(out, o.name)) {
      if (!read_list(v, key.c_str(), list)) return false;
    } else {
      PyErr_Format(PyExc_SystemError, "option '%s' is a directive the extension cannot read", key.c_str());
      return false;
    }
  }
  return true;
}

bool check_option_names(PyObject* opts, const char* const* extra) {
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(opts, &pos, &key, &value)) {
    const char* name = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : nullptr;
    if (!name) {
      PyErr_Clear();
      PyErr_SetString(PyExc_TypeError, "build option names must be str");
      return false;
    }
    const core::OptionSpec* o = core::find_option(name);
    bool known = o && (o->places & core::kArgument);
    for (const char* const* e = extra; !known && *e; ++e) known = std::strcmp(*e, name) == 0;
    if (!known) {
      PyErr_Format(PyExc_TypeError, "unknown build option '%s' (not in src/core/option_table.cpp)", name);
      return false;
    }
  }
  return true;
}

}  // namespace cxximport::python

PyMethodDef cxximport_options_methods[] = {
    {"option_table", cxximport::python::py_option_table, METH_NOARGS,
     "option_table() -> tuple[dict]: every user option (name, kind, default, env, where it may be set, docs)."},
    {"module_flags", cxximport::python::py_module_flags, METH_VARARGS,
     "module_flags(source, options) -> dict: the compile and link flags of a CMake target for source "
     "(cxxflags, ldflags, openmp, include_dirs, sources, depends)."},
    {"parse_size", cxximport::python::py_parse_size, METH_O, "parse_size('500M') -> bytes (ValueError if invalid)."},
    {"parse_age", cxximport::python::py_parse_age, METH_O, "parse_age('30d') -> seconds (ValueError if invalid)."},
    {"format_size", cxximport::python::py_format_size, METH_O, "format_size(bytes) -> '1.5 MB'."},
    {nullptr, nullptr, 0, nullptr}};
