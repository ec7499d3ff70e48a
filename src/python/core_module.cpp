// cxximport._core: the thin CPython shell over the core library. It converts
// Python arguments to a BuildRequest, runs the pipeline with the GIL released,
// and turns failures into Python exceptions. No C++ exception crosses here.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>
#include <vector>

#include "build/process.hpp"
#include "build/toolchain.hpp"
#include "codegen/module_gen.hpp"
#include "codegen/stub_gen.hpp"
#include "core/batch.hpp"
#include "core/orchestrator.hpp"
#include "scan/directives.hpp"
#include "scan/scanner.hpp"
#include "util/file.hpp"

// src/python/cache_admin.cpp
extern PyMethodDef cxximport_cache_admin_methods[];

namespace {

using namespace cxximport;

PyObject* ScanError = nullptr;
PyObject* BuildError = nullptr;
PyObject* NotCachedError = nullptr;
PyObject* CacheError = nullptr;

// Reads an optional str option; false with TypeError naming the key.
bool opt_str(PyObject* opts, const char* key, std::string* out) {
  PyObject* v = PyDict_GetItemString(opts, key);  // borrowed
  if (!v || v == Py_None) return true;
  if (!PyUnicode_Check(v)) {
    PyErr_Format(PyExc_TypeError, "build option '%s' must be a str, not %s", key, Py_TYPE(v)->tp_name);
    return false;
  }
  const char* s = PyUnicode_AsUTF8(v);
  if (!s) return false;
  *out = s;
  return true;
}

bool opt_bool(PyObject* opts, const char* key, bool* out) {
  PyObject* v = PyDict_GetItemString(opts, key);
  if (!v || v == Py_None) return true;
  int t = PyObject_IsTrue(v);
  if (t < 0) return false;
  *out = t != 0;
  return true;
}

bool opt_number(PyObject* opts, const char* key, double* out) {
  PyObject* v = PyDict_GetItemString(opts, key);
  if (!v || v == Py_None) return true;
  double d = PyFloat_AsDouble(v);
  if (d == -1.0 && PyErr_Occurred()) {
    PyErr_Format(PyExc_TypeError, "build option '%s' must be a number", key);
    return false;
  }
  *out = d;
  return true;
}

bool opt_list(PyObject* opts, const char* key, std::vector<std::string>* out) {
  PyObject* v = PyDict_GetItemString(opts, key);
  if (!v || v == Py_None) return true;
  if (PyUnicode_Check(v)) {
    PyErr_Format(PyExc_TypeError, "build option '%s' must be a list of str, not a str", key);
    return false;
  }
  PyObject* seq = PySequence_Fast(v, "build option must be a list of str");
  if (!seq) return false;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(seq, i);
    const char* s = PyUnicode_Check(item) ? PyUnicode_AsUTF8(item) : nullptr;
    if (!s) {
      Py_DECREF(seq);
      PyErr_Format(PyExc_TypeError, "build option '%s' must be a list of str", key);
      return false;
    }
    out->push_back(s);
  }
  Py_DECREF(seq);
  return true;
}

bool parse_request(PyObject* opts, core::BuildRequest* r) {
  double jobs = 0, timeout = r->lock_timeout;
  bool vecmath = !r->options.no_vecmath;
  bool ok = opt_str(opts, "cache_dir", &r->cache_dir) && opt_str(opts, "cxx", &r->cxx) &&
            opt_str(opts, "launcher", &r->launcher) && opt_str(opts, "ninja", &r->ninja) &&
            opt_str(opts, "build_type", &r->build_type) && opt_str(opts, "templates_dir", &r->templates_dir) &&
            opt_str(opts, "python_include", &r->python_include) &&
            opt_str(opts, "numpy_include", &r->numpy_include) &&
            opt_str(opts, "numpy_version", &r->numpy_version) && opt_str(opts, "ext_suffix", &r->ext_suffix) &&
            opt_number(opts, "jobs", &jobs) && opt_number(opts, "lock_timeout", &timeout) &&
            opt_bool(opts, "no_build", &r->no_build) && opt_bool(opts, "force", &r->force) &&
            opt_bool(opts, "verbose", &r->verbose) && opt_bool(opts, "openmp", &r->options.openmp) &&
            opt_bool(opts, "boundscheck", &r->options.boundscheck) && opt_bool(opts, "vecmath", &vecmath) &&
            opt_str(opts, "arch", &r->options.arch) && opt_str(opts, "std", &r->options.std) &&
            opt_str(opts, "optimize", &r->options.optimize) && opt_list(opts, "cxxflags", &r->options.cxxflags) &&
            opt_list(opts, "ldflags", &r->options.ldflags) && opt_list(opts, "libraries", &r->options.libraries) &&
            opt_list(opts, "include_dirs", &r->options.include_dirs) &&
            opt_list(opts, "library_dirs", &r->options.library_dirs) &&
            opt_list(opts, "depends", &r->options.depends);
  if (!ok) return false;
  r->options.no_vecmath = !vecmath;
  r->jobs = static_cast<int>(jobs);
  r->lock_timeout = timeout;
  if (r->build_type != "release" && r->build_type != "debug") {
    PyErr_Format(PyExc_ValueError, "build option 'build_type' must be 'release' or 'debug', not '%s'",
                 r->build_type.c_str());
    return false;
  }
  if (!r->options.arch.empty() && !scan::valid_arch(r->options.arch)) {
    PyErr_Format(PyExc_ValueError, "build option 'arch' must be %s, not '%s'", scan::kArchChoices,
                 r->options.arch.c_str());
    return false;
  }
  for (const char* required : {"templates_dir", "python_include", "numpy_include", "ext_suffix"}) {
    if (!PyDict_GetItemString(opts, required)) {
      PyErr_Format(PyExc_ValueError, "build option '%s' is required", required);
      return false;
    }
  }
  return true;
}

// Calls progress(kind, message) with the GIL; a KeyboardInterrupt stops the build.
class PyReporter : public core::Reporter {
 public:
  explicit PyReporter(PyObject* callback) : callback_(callback) {}
  void event(const std::string& kind, const std::string& message) override {
    PyGILState_STATE g = PyGILState_Ensure();
    if (PyErr_CheckSignals() < 0) {
      cancelled_ = true;
      stash();
    } else if (callback_) {
      PyObject* r = PyObject_CallFunction(callback_, "ss", kind.c_str(), message.c_str());
      if (!r) {
        if (PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)) {
          cancelled_ = true;
          stash();
        } else {
          PyErr_WriteUnraisable(callback_);
        }
      }
      Py_XDECREF(r);
    }
    PyGILState_Release(g);
  }
  bool cancelled() override { return cancelled_; }
  // Re-raises a stashed KeyboardInterrupt (GIL held).
  bool restore() {
    if (!type_) return false;
    PyErr_Restore(type_, value_, tb_);
    type_ = value_ = tb_ = nullptr;
    return true;
  }

 private:
  void stash() {
    if (!type_) PyErr_Fetch(&type_, &value_, &tb_);
    else PyErr_Clear();
  }
  PyObject* callback_;
  bool cancelled_ = false;
  PyObject *type_ = nullptr, *value_ = nullptr, *tb_ = nullptr;
};

void set_attr_str(PyObject* o, const char* name, const std::string& v) {
  PyObject* s = PyUnicode_DecodeUTF8(v.data(), static_cast<Py_ssize_t>(v.size()), "replace");
  if (s) {
    PyObject_SetAttrString(o, name, s);
    Py_DECREF(s);
  }
  PyErr_Clear();
}

// Runs fn with the GIL released; a C++ exception escaping the core (a bug)
// is returned as text instead of crossing into the interpreter.
template <class F>
std::string without_gil(F&& fn) {
  std::string internal;
  Py_BEGIN_ALLOW_THREADS
  try {
    fn();
  } catch (const std::exception& e) {
    internal = e.what();
  } catch (...) {
    internal = "unknown error";
  }
  Py_END_ALLOW_THREADS
  return internal;
}

PyObject* raise_failure(const core::BuildFailure& f, const std::string& source) {
  PyObject* type = PyExc_ImportError;
  switch (f.kind) {
    case core::BuildFailure::Kind::Scan: type = ScanError; break;
    case core::BuildFailure::Kind::Compile: type = BuildError; break;
    case core::BuildFailure::Kind::NotCached: type = NotCachedError; break;
    case core::BuildFailure::Kind::Cache: type = CacheError; break;
    case core::BuildFailure::Kind::Input: type = PyExc_ImportError; break;
  }
  PyObject* msg = PyUnicode_DecodeUTF8(f.message.data(), static_cast<Py_ssize_t>(f.message.size()), "replace");
  if (!msg) return nullptr;
  PyObject* exc = PyObject_CallOneArg(type, msg);
  Py_DECREF(msg);
  if (!exc) return nullptr;
  set_attr_str(exc, "log", f.log);
  set_attr_str(exc, "command", f.command);
  set_attr_str(exc, "log_path", f.log_path);
  set_attr_str(exc, "source", source);
  if (f.kind == core::BuildFailure::Kind::Scan) {
    set_attr_str(exc, "filename", f.filename);
    PyObject* line = PyLong_FromLong(f.line);
    if (line) {
      PyObject_SetAttrString(exc, "lineno", line);
      Py_DECREF(line);
    }
    PyErr_Clear();
  }
  PyErr_SetObject(type, exc);
  Py_DECREF(exc);
  return nullptr;
}

PyObject* py_build(PyObject*, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"source", "module", "options", nullptr};
  const char* source = nullptr;
  const char* module = nullptr;
  PyObject* opts = nullptr;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "ssO!:build", const_cast<char**>(kwlist), &source, &module,
                                   &PyDict_Type, &opts))
    return nullptr;
  core::BuildRequest req;
  req.source = source;
  req.module = module;
  if (!parse_request(opts, &req)) return nullptr;
  PyObject* progress = PyDict_GetItemString(opts, "progress");
  if (progress == Py_None) progress = nullptr;

  PyReporter reporter(progress);
  build::RealProcessRunner runner;
  core::BuildResult result;
  core::BuildFailure failure;
  bool ok = false;
  std::string internal = without_gil([&] { ok = core::build_module(req, runner, reporter, &result, &failure); });
  if (reporter.restore()) return nullptr;
  if (!internal.empty()) {
    PyErr_Format(PyExc_RuntimeError, "cxximport internal error while building %s: %s", module, internal.c_str());
    return nullptr;
  }
  if (!ok) return raise_failure(failure, source);
  return Py_BuildValue("{s:s,s:s,s:s,s:O,s:d}", "so_path", result.so_path.c_str(), "entry_dir",
                       result.entry_dir.c_str(), "key", result.key.c_str(), "built",
                       result.built ? Py_True : Py_False, "seconds", result.seconds);
}

// One result of build_many: the dict build() returns, or an "error" dict.
PyObject* outcome_dict(const core::BuildRequest& req, const core::BatchOutcome& o) {
  if (o.ok)
    return Py_BuildValue("{s:s,s:s,s:s,s:s,s:s,s:O,s:d}", "source", req.source.c_str(), "module",
                         req.module.c_str(), "so_path", o.result.so_path.c_str(), "entry_dir",
                         o.result.entry_dir.c_str(), "key", o.result.key.c_str(), "built",
                         o.result.built ? Py_True : Py_False, "seconds", o.result.seconds);
  const char* kind = "input";
  switch (o.failure.kind) {
    case core::BuildFailure::Kind::Scan: kind = "scan"; break;
    case core::BuildFailure::Kind::Compile: kind = "compile"; break;
    case core::BuildFailure::Kind::NotCached: kind = "not_cached"; break;
    case core::BuildFailure::Kind::Cache: kind = "cache"; break;
    case core::BuildFailure::Kind::Input: kind = "input"; break;
  }
  const auto& f = o.failure;
  auto str = [](const std::string& v) {
    return PyUnicode_DecodeUTF8(v.data(), static_cast<Py_ssize_t>(v.size()), "replace");
  };
  return Py_BuildValue("{s:s,s:s,s:s,s:N,s:N,s:N,s:N,s:N,s:i,s:s}", "source", req.source.c_str(), "module",
                       req.module.c_str(), "error", kind, "message", str(f.message), "log", str(f.log), "command",
                       str(f.command), "log_path", str(f.log_path), "filename", str(f.filename), "line", f.line,
                       "key", o.result.key.c_str());
}

PyObject* py_build_many(PyObject*, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"items", "options", nullptr};
  PyObject* items = nullptr;
  PyObject* opts = nullptr;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO!:build_many", const_cast<char**>(kwlist), &items, &PyDict_Type,
                                   &opts))
    return nullptr;
  PyObject* seq = PySequence_Fast(items, "build_many: items must be a list of (source, module[, options])");
  if (!seq) return nullptr;
  std::vector<core::BuildRequest> reqs;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(seq, i);
    const char *source = nullptr, *module = nullptr;
    PyObject* own = opts;
    if (!PyTuple_Check(item) || !PyArg_ParseTuple(item, "ss|O!:build_many item", &source, &module, &PyDict_Type, &own)) {
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "build_many: each item must be a tuple (source, module[, options])");
      Py_DECREF(seq);
      return nullptr;
    }
    core::BuildRequest req;
    req.source = source;
    req.module = module;
    if (!parse_request(own, &req)) {
      Py_DECREF(seq);
      return nullptr;
    }
    reqs.push_back(std::move(req));
  }
  Py_DECREF(seq);
  double jobs = 0;
  if (!opt_number(opts, "jobs", &jobs)) return nullptr;
  PyObject* progress = PyDict_GetItemString(opts, "progress");
  if (progress == Py_None) progress = nullptr;

  PyReporter reporter(progress);
  build::RealProcessRunner runner;
  std::vector<core::BatchOutcome> outcomes;
  std::string internal =
      without_gil([&] { outcomes = core::build_many(reqs, static_cast<int>(jobs), runner, reporter); });
  if (reporter.restore()) return nullptr;
  if (!internal.empty()) {
    PyErr_Format(PyExc_RuntimeError, "cxximport internal error in build_many: %s", internal.c_str());
    return nullptr;
  }
  PyObject* out = PyList_New(static_cast<Py_ssize_t>(outcomes.size()));
  if (!out) return nullptr;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    PyObject* d = outcome_dict(reqs[i], outcomes[i]);
    if (!d) {
      Py_DECREF(out);
      return nullptr;
    }
    PyList_SET_ITEM(out, static_cast<Py_ssize_t>(i), d);
  }
  return out;
}

PyObject* py_default_jobs(PyObject*, PyObject*) { return PyLong_FromLong(core::default_jobs()); }

PyObject* py_host_x86_level(PyObject*, PyObject*) { return PyLong_FromLong(build::host_x86_level()); }

// Reads and scans a source; on failure sets ScanError/ImportError.
bool scan_file(const char* source, std::string* text, scan::ScanResult* out) {
  std::string err;
  if (!read_file(source, text, &err)) {
    PyErr_SetString(PyExc_ImportError, err.c_str());
    return false;
  }
  if (!scan::scan_source(*text, source, out, &err)) {
    core::BuildFailure fl;
    fl.kind = core::BuildFailure::Kind::Scan;
    fl.message = err;
    fl.filename = source;
    return raise_failure(fl, source) != nullptr;
  }
  return true;
}

PyObject* str_list(const std::vector<std::string>& v) {
  PyObject* l = PyList_New(0);
  for (const auto& s : v) {
    PyObject* item = PyUnicode_FromString(s.c_str());
    if (!item || PyList_Append(l, item) < 0) {
      Py_XDECREF(item);
      Py_DECREF(l);
      return nullptr;
    }
    Py_DECREF(item);
  }
  return l;
}

PyObject* py_scan(PyObject*, PyObject* arg) {
  const char* source = PyUnicode_AsUTF8(arg);
  if (!source) return nullptr;
  std::string text;
  scan::ScanResult r;
  if (!scan_file(source, &text, &r)) return nullptr;
  PyObject* exports = PyList_New(0);
  for (const auto& e : r.exports) {
    PyObject* params = PyList_New(0);
    for (const auto& p : e.params) {
      PyObject* d = Py_BuildValue("{s:s,s:s,s:s}", "name", p.name.c_str(), "type", p.type.c_str(), "default",
                                  p.default_value.c_str());
      PyList_Append(params, d);
      Py_XDECREF(d);
    }
    PyObject* fused = PyList_New(0);
    for (const auto& f : e.fused) {
      PyObject* d = Py_BuildValue("{s:s,s:N}", "name", f.name.c_str(), "types", str_list(f.types));
      PyList_Append(fused, d);
      Py_XDECREF(d);
    }
    PyObject* d = Py_BuildValue("{s:s,s:s,s:s,s:s,s:O,s:i,s:N,s:N}", "name", e.name.c_str(), "qualified_name",
                                e.qualified_name.c_str(), "return_type", e.return_type.c_str(), "doc",
                                e.doc.c_str(), "nogil", e.nogil ? Py_True : Py_False, "line", e.loc.line,
                                "params", params, "fused", fused);
    PyList_Append(exports, d);
    Py_XDECREF(d);
  }
  const auto& dv = r.directives;
  PyObject* directives = Py_BuildValue(
      "{s:O,s:O,s:O,s:s,s:s,s:s,s:N,s:N,s:N,s:N,s:N,s:N,s:N}", "openmp", dv.openmp ? Py_True : Py_False, "boundscheck",
      dv.boundscheck ? Py_True : Py_False, "vecmath", dv.no_vecmath ? Py_False : Py_True, "arch", dv.arch.c_str(), "std", dv.std.c_str(), "optimize", dv.optimize.c_str(), "cxxflags",
      str_list(dv.cxxflags), "ldflags", str_list(dv.ldflags), "libraries", str_list(dv.libraries), "include_dirs",
      str_list(dv.include_dirs), "library_dirs", str_list(dv.library_dirs), "sources", str_list(dv.sources),
      "depends", str_list(dv.depends));
  return Py_BuildValue("{s:N,s:N}", "exports", exports, "directives", directives);
}

PyObject* py_generate(PyObject*, PyObject* args) {
  const char *source, *module, *templates, *display = nullptr;
  if (!PyArg_ParseTuple(args, "sss|z:generate", &source, &module, &templates, &display)) return nullptr;
  std::string text;
  scan::ScanResult r;
  if (!scan_file(source, &text, &r)) return nullptr;
  codegen::ModuleInput in{module, source, text, CXXIMPORT_VERSION, templates, display ? display : ""};
  codegen::GeneratedModule gen;
  std::string err;
  if (!codegen::generate_module(r, in, &gen, &err)) {
    PyErr_SetString(PyExc_RuntimeError, err.c_str());
    return nullptr;
  }
  std::string pyi = codegen::generate_stub(r, module, display ? display : source);
  return Py_BuildValue("{s:s,s:s}", "module_cpp", gen.module_cpp.c_str(), "pyi", pyi.c_str());
}

PyObject* py_default_cache_dir(PyObject*, PyObject*) {
  return PyUnicode_FromString(core::default_cache_dir().c_str());
}

PyMethodDef methods[] = {
    {"build", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(py_build)), METH_VARARGS | METH_KEYWORDS,
     "build(source, module, options) -> dict\n\nBuild (or find in the cache) a .cxxpyx module. See docs/core_api.md."},
    {"build_many", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(py_build_many)),
     METH_VARARGS | METH_KEYWORDS,
     "build_many(items, options) -> list of dict\n\nBuild many modules in one ninja run; items are (source, module[, "
     "options]) tuples, options['jobs'] the parallelism (0: default_jobs()). Each result is build()'s dict or an "
     "'error' dict. See docs/building.md."},
    {"default_jobs", py_default_jobs, METH_NOARGS, "Parallel jobs from the CPU count and memory."},
    {"host_x86_level", py_host_x86_level, METH_NOARGS,
     "This CPU's x86-64 psABI level (1-4; 0 when it is not x86-64), as arch = auto reads it."},
    {"scan", py_scan, METH_O, "scan(source) -> dict\n\nThe exports and directives of a .cxxpyx file."},
    {"generate", py_generate, METH_VARARGS,
     "generate(source, module, templates_dir, display_path=None) -> dict\n\nThe generated module.cpp and "
     ".pyi texts; display_path (default: source) is how the docstring and stub name the source."},
    {"default_cache_dir", py_default_cache_dir, METH_NOARGS, "The cache root chosen by the environment."},
    {nullptr, nullptr, 0, nullptr}};

int exec_module(PyObject* m) {
  ScanError = PyErr_NewExceptionWithDoc("cxximport._core.ScanError", "A .cxxpyx file cannot be scanned.",
                                        PyExc_ValueError, nullptr);
  BuildError = PyErr_NewExceptionWithDoc("cxximport._core.BuildError", "Compiling or linking failed.",
                                         PyExc_ImportError, nullptr);
  NotCachedError = PyErr_NewExceptionWithDoc("cxximport._core.NotCachedError",
                                             "CXXIMPORT_NO_BUILD is set and the module is not cached.",
                                             PyExc_ImportError, nullptr);
  CacheError = PyErr_NewExceptionWithDoc("cxximport._core.CacheError", "The cache cannot be used.",
                                         PyExc_ImportError, nullptr);
  if (!ScanError || !BuildError || !NotCachedError || !CacheError) return -1;
  if (PyModule_AddObjectRef(m, "ScanError", ScanError) < 0 || PyModule_AddObjectRef(m, "BuildError", BuildError) < 0 ||
      PyModule_AddObjectRef(m, "NotCachedError", NotCachedError) < 0 ||
      PyModule_AddObjectRef(m, "CacheError", CacheError) < 0 ||
      PyModule_AddStringConstant(m, "version", CXXIMPORT_VERSION) < 0 ||
      PyModule_AddFunctions(m, cxximport_cache_admin_methods) < 0)
    return -1;
  return 0;
}

PyModuleDef_Slot slots[] = {{Py_mod_exec, reinterpret_cast<void*>(exec_module)}, {0, nullptr}};

PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "cxximport._core", "The C++ core of cxximport.", 0, methods, slots,
                          nullptr, nullptr, nullptr};

}  // namespace

PyMODINIT_FUNC PyInit__core(void) { return PyModuleDef_Init(&module_def); }
