// cxximport._core: the thin CPython shell over the core library. It converts
// Python arguments to a BuildRequest, runs the pipeline with the GIL released,
// and turns failures into Python exceptions. No C++ exception crosses here.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>
#include <vector>

#include "toolchain/process.hpp"
#include "toolchain/toolchain.hpp"
#include "codegen/module_gen.hpp"
#include "codegen/module_name.hpp"
#include "codegen/stub_gen.hpp"
#include "codegen/ufunc_gen.hpp"
#include "core/batch.hpp"
#include "core/orchestrator.hpp"
#include "python/fs_path.hpp"
#include "python/options.hpp"
#include "scan/directives.hpp"
#include "scan/scanner.hpp"
#include "util/file.hpp"

// src/python/cache_admin.cpp
extern PyMethodDef cxximport_cache_admin_methods[];
// src/python/cache_entry.cpp
extern PyMethodDef cxximport_cache_entry_methods[];
// src/python/setup_checks.cpp
extern PyMethodDef cxximport_setup_check_methods[];

namespace {

using namespace cxximport;
using python::fs_bytes;
using python::fs_str;

PyObject* ScanError = nullptr;
PyObject* BuildError = nullptr;
PyObject* NotCachedError = nullptr;
PyObject* CacheError = nullptr;        // cxximport.errors.CacheError (public, raised as is)
PyObject* LockTimeoutError = nullptr;  // cxximport.errors.LockTimeoutError, a CacheError

// Paths: fs_bytes/fs_str (fs_path.hpp). Text for people (messages, logs) is
// decoded with replacement.

// For PyArg_Parse* "O&".
int path_arg(PyObject* o, void* out) { return fs_bytes(o, static_cast<std::string*>(out)) ? 1 : 0; }

PyObject* text_str(const std::string& s) {
  return PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
}

// Python's own rule (str.isidentifier) for each dotted part, before any
// work: a module named otherwise builds but can never be imported.
bool check_module_name(const char* module, const std::string& source) {
  std::string why, m = module;
  bool ok = codegen::check_module_name(m, &why);
  for (std::size_t start = 0; ok;) {
    std::size_t dot = m.find('.', start);
    std::string part = m.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    PyObject* u = PyUnicode_DecodeUTF8(part.data(), static_cast<Py_ssize_t>(part.size()), "strict");
    if (!u) return false;
    int ident = PyUnicode_IsIdentifier(u);
    Py_DECREF(u);
    if (ident < 0) return false;
    if (!ident) {
      ok = false;
      why = "'" + part + "' is not a Python identifier, so no import statement can name it; rename the file";
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (ok) return true;
  PyObject* msg = text_str("cxximport: cannot build a module named " + m + " from " + source + ": " + why);
  PyObject* name = text_str(m);
  PyObject* path = fs_str(source);
  if (msg && name && path) PyErr_SetImportError(msg, name, path);
  Py_XDECREF(msg);
  Py_XDECREF(name);
  Py_XDECREF(path);
  return false;
}

// Reads an optional str option; false with TypeError naming the key.
bool opt_str(PyObject* opts, const char* key, std::string* out) {
  PyObject* v = PyDict_GetItemString(opts, key);  // borrowed
  if (!v || v == Py_None) return true;
  if (!PyUnicode_Check(v)) {
    PyErr_Format(PyExc_TypeError, "build option '%s' must be a str, not %s", key, Py_TYPE(v)->tp_name);
    return false;
  }
  return fs_bytes(v, out);  // many options are paths
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

// The interpreter facts the loader adds to the user's options (_options.resolve).
constexpr const char* kInterpreterFacts[] = {"templates_dir", "python_include", "numpy_include",
                                             "numpy_version", "ext_suffix",     nullptr};

bool parse_request(PyObject* opts, core::BuildRequest* r) {
  double jobs = 0, timeout = r->lock_timeout;
  bool ok = python::check_option_names(opts, kInterpreterFacts) && opt_str(opts, "cache_dir", &r->cache_dir) &&
            opt_str(opts, "cxx", &r->cxx) && opt_str(opts, "launcher", &r->launcher) &&
            opt_str(opts, "ninja", &r->ninja) && opt_str(opts, "build_type", &r->build_type) &&
            opt_str(opts, "templates_dir", &r->templates_dir) && opt_str(opts, "max_size", &r->max_size) &&
            opt_str(opts, "python_include", &r->python_include) && opt_str(opts, "numpy_include", &r->numpy_include) &&
            opt_str(opts, "numpy_version", &r->numpy_version) && opt_str(opts, "ext_suffix", &r->ext_suffix) &&
            opt_number(opts, "jobs", &jobs) && opt_number(opts, "lock_timeout", &timeout) &&
            opt_bool(opts, "no_build", &r->no_build) && opt_bool(opts, "force", &r->force) &&
            opt_bool(opts, "verbose", &r->verbose) && python::read_directive_options(opts, &r->options);
  if (!ok) return false;
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
      // Messages name paths, which need not be UTF-8.
      PyObject* r = PyObject_CallFunction(callback_, "NN", text_str(kind), text_str(message));
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
    if (!type_)
      PyErr_Fetch(&type_, &value_, &tb_);
    else
      PyErr_Clear();
  }
  PyObject* callback_;
  bool cancelled_ = false;
  PyObject *type_ = nullptr, *value_ = nullptr, *tb_ = nullptr;
};

void set_attr_str(PyObject* o, const char* name, const std::string& v, bool path = false) {
  PyObject* s = path ? fs_str(v) : text_str(v);
  if (s) {
    PyObject_SetAttrString(o, name, s);
    Py_DECREF(s);
  }
  PyErr_Clear();
}

// A cache miss as data (cache/miss.hpp): {"kind", "path", "detail",
// "text", "changes": [(field, before, after)]}.
PyObject* miss_dict(const cache::Miss& m) {
  PyObject* changes = PyList_New(0);
  if (!changes) return nullptr;
  for (const auto& c : m.changes) {
    PyObject* t = Py_BuildValue("(NNN)", text_str(c.field), text_str(c.before), text_str(c.after));
    if (!t || PyList_Append(changes, t) < 0) {
      Py_XDECREF(t);
      Py_DECREF(changes);
      return nullptr;
    }
    Py_DECREF(t);
  }
  return Py_BuildValue("{s:s,s:N,s:N,s:N,s:N}", "kind", cache::miss_kind_name(m.kind), "path", fs_str(m.path), "detail",
                       text_str(m.detail), "text", text_str(cache::describe(m)), "changes", changes);
}

// Runs fn with the GIL released; a C++ exception escaping the core (a bug)
// is returned as text instead of crossing into the interpreter.
template <class F>
std::string without_gil(F&& fn) {
  std::string internal;
  Py_BEGIN_ALLOW_THREADS try { fn(); } catch (const std::exception& e) {
    internal = e.what();
  } catch (...) {
    internal = "unknown error";
  }
  Py_END_ALLOW_THREADS return internal;
}

// 0 (unknown) becomes None.
void set_attr_int(PyObject* o, const char* name, int v) {
  PyObject* value = v > 0 ? PyLong_FromLong(v) : Py_NewRef(Py_None);
  if (value) {
    PyObject_SetAttrString(o, name, value);
    Py_DECREF(value);
  }
  PyErr_Clear();
}

// wrappers.map as Python sees it: [(first_line, last_line, source_line,
// export_name, source)], module.cpp lines 1-based and inclusive.
PyObject* wrapper_spans(const std::vector<codegen::WrapperSpan>& spans, const std::string& source) {
  PyObject* list = PyList_New(0);
  for (const auto& s : spans) {
    if (!list) return nullptr;
    PyObject* t =
        Py_BuildValue("(iiiNN)", s.first_line, s.last_line, s.source_line, text_str(s.export_name), fs_str(source));
    if (!t || PyList_Append(list, t) < 0) Py_CLEAR(list);
    Py_XDECREF(t);
  }
  return list;
}

PyObject* raise_failure(const core::BuildFailure& f, const std::string& source) {
  PyObject* type = PyExc_ImportError;
  switch (f.kind) {
    case core::BuildFailure::Kind::Scan:
      type = ScanError;
      break;
    case core::BuildFailure::Kind::Compile:
      type = BuildError;
      break;
    case core::BuildFailure::Kind::NotCached:
      type = NotCachedError;
      break;
    case core::BuildFailure::Kind::Cache:
      type = CacheError;
      break;
    case core::BuildFailure::Kind::LockTimeout:
      type = LockTimeoutError;
      break;
    case core::BuildFailure::Kind::Input:
      type = PyExc_ImportError;
      break;
  }
  PyObject* msg = PyUnicode_DecodeUTF8(f.message.data(), static_cast<Py_ssize_t>(f.message.size()), "replace");
  if (!msg) return nullptr;
  PyObject* exc = PyObject_CallOneArg(type, msg);
  Py_DECREF(msg);
  if (!exc) return nullptr;
  set_attr_str(exc, "log", f.log);
  set_attr_str(exc, "command", f.command);
  set_attr_str(exc, "log_path", f.log_path, true);
  set_attr_str(exc, "source", source, true);
  if (f.kind == core::BuildFailure::Kind::NotCached) {
    if (PyObject* miss = miss_dict(f.miss)) {
      PyObject_SetAttrString(exc, "miss", miss);
      Py_DECREF(miss);
    }
    PyErr_Clear();
  }
  if (f.kind == core::BuildFailure::Kind::Scan) {
    set_attr_str(exc, "filename", f.filename, true);
    set_attr_int(exc, "lineno", f.line);
    set_attr_int(exc, "col", f.column);
  }
  if (f.kind == core::BuildFailure::Kind::Compile) {
    set_attr_str(exc, "module_cpp", f.module_cpp, true);
    PyObject* spans = wrapper_spans(f.spans, source);
    if (spans) {
      PyObject_SetAttrString(exc, "spans", spans);
      Py_DECREF(spans);
    }
    PyErr_Clear();
  }
  PyErr_SetObject(type, exc);
  Py_DECREF(exc);
  return nullptr;
}

PyObject* py_build(PyObject*, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"source", "module", "options", nullptr};
  std::string source;
  const char* module = nullptr;
  PyObject* opts = nullptr;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O&sO!:build", const_cast<char**>(kwlist), path_arg, &source, &module,
                                   &PyDict_Type, &opts))
    return nullptr;
  if (!check_module_name(module, source)) return nullptr;
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
  if (!ok) {
    // The key (when computed) lets the remote cache look the module up.
    raise_failure(failure, source);
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value) set_attr_str(value, "key", result.key);
    PyErr_Restore(type, value, tb);
    return nullptr;
  }
  return Py_BuildValue("{s:N,s:N,s:s,s:O,s:d,s:K,s:K}", "so_path", fs_str(result.so_path), "entry_dir",
                       fs_str(result.entry_dir), "key", result.key.c_str(), "built", result.built ? Py_True : Py_False,
                       "seconds", result.seconds, "so_dev", static_cast<unsigned long long>(result.so_dev), "so_ino",
                       static_cast<unsigned long long>(result.so_ino));
}

// One result of build_many: the dict build() returns, or an "error" dict.
PyObject* outcome_dict(const core::BuildRequest& req, const core::BatchOutcome& o) {
  if (o.ok)
    return Py_BuildValue(
        "{s:N,s:s,s:N,s:N,s:s,s:O,s:d,s:K,s:K}", "source", fs_str(req.source), "module", req.module.c_str(), "so_path",
        fs_str(o.result.so_path), "entry_dir", fs_str(o.result.entry_dir), "key", o.result.key.c_str(), "built",
        o.result.built ? Py_True : Py_False, "seconds", o.result.seconds, "so_dev",
        static_cast<unsigned long long>(o.result.so_dev), "so_ino", static_cast<unsigned long long>(o.result.so_ino));
  const char* kind = "input";
  switch (o.failure.kind) {
    case core::BuildFailure::Kind::Scan:
      kind = "scan";
      break;
    case core::BuildFailure::Kind::Compile:
      kind = "compile";
      break;
    case core::BuildFailure::Kind::NotCached:
      kind = "not_cached";
      break;
    case core::BuildFailure::Kind::Cache:
      kind = "cache";
      break;
    case core::BuildFailure::Kind::LockTimeout:
      kind = "lock_timeout";
      break;
    case core::BuildFailure::Kind::Input:
      kind = "input";
      break;
  }
  const auto& f = o.failure;
  PyObject* miss = f.kind == core::BuildFailure::Kind::NotCached ? miss_dict(f.miss) : Py_NewRef(Py_None);
  if (!miss) return nullptr;
  return Py_BuildValue("{s:N,s:s,s:s,s:N,s:N,s:N,s:N,s:N,s:i,s:i,s:s,s:N,s:N,s:N}", "source", fs_str(req.source),
                       "module", req.module.c_str(), "error", kind, "message", text_str(f.message), "log",
                       text_str(f.log), "command", text_str(f.command), "log_path", fs_str(f.log_path), "filename",
                       fs_str(f.filename), "line", f.line, "column", f.column, "key", o.result.key.c_str(),
                       "module_cpp", fs_str(f.module_cpp), "spans", wrapper_spans(f.spans, req.source), "miss", miss);
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
    std::string source;
    const char* module = nullptr;
    PyObject* own = opts;
    if (!PyTuple_Check(item) ||
        !PyArg_ParseTuple(item, "O&s|O!:build_many item", path_arg, &source, &module, &PyDict_Type, &own)) {
      if (!PyErr_Occurred())
        PyErr_SetString(PyExc_TypeError, "build_many: each item must be a tuple (source, module[, options])");
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
bool scan_file(const std::string& source, std::string* text, scan::ScanResult* out) {
  std::string err;
  if (!read_file(source, text, &err)) {
    PyObject* msg = text_str(err);
    PyObject* path = fs_str(source);
    if (msg && path) PyErr_SetImportError(msg, nullptr, path);
    Py_XDECREF(msg);
    Py_XDECREF(path);
    return false;
  }
  if (!scan::scan_source(*text, source, out, &err)) {
    core::BuildFailure fl;
    fl.kind = core::BuildFailure::Kind::Scan;
    fl.message = err;
    fl.filename = source;
    core::scan_error_location(err, source, &fl.line, &fl.column);
    return raise_failure(fl, source) != nullptr;
  }
  return true;
}

// Builds a list of converted strings; nullptr (exception set) if any fails.
PyObject* str_list(const std::vector<std::string>& v, PyObject* (*convert)(const std::string&)) {
  PyObject* l = PyList_New(0);
  if (!l) return nullptr;
  for (const auto& s : v) {
    PyObject* item = convert(s);
    if (!item || PyList_Append(l, item) < 0) {
      Py_XDECREF(item);
      Py_DECREF(l);
      return nullptr;
    }
    Py_DECREF(item);
  }
  return l;
}

// Appends item (a new reference, maybe nullptr) to list; false with the
// exception set, never a result with an error pending.
bool append_new(PyObject* list, PyObject* item) {
  if (!item) return false;
  int rc = PyList_Append(list, item);
  Py_DECREF(item);
  return rc == 0;
}

// The scanner guarantees UTF-8 in everything it returns about exports; a
// decode error here would still be raised, not left pending.
PyObject* utf8_str(const std::string& s) {
  return PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "strict");
}

PyObject* export_dict(const scan::Export& e) {
  PyObject* params = PyList_New(0);
  if (!params) return nullptr;
  for (const auto& p : e.params) {
    if (!append_new(params, Py_BuildValue("{s:N,s:N,s:N}", "name", utf8_str(p.name), "type", utf8_str(p.type),
                                          "default", utf8_str(p.default_value)))) {
      Py_DECREF(params);
      return nullptr;
    }
  }
  PyObject* fused = PyList_New(0);
  if (!fused) {
    Py_DECREF(params);
    return nullptr;
  }
  for (const auto& f : e.fused) {
    if (!append_new(fused,
                    Py_BuildValue("{s:N,s:N}", "name", utf8_str(f.name), "types", str_list(f.types, utf8_str)))) {
      Py_DECREF(params);
      Py_DECREF(fused);
      return nullptr;
    }
  }
  PyObject* d =
      Py_BuildValue("{s:N,s:N,s:N,s:N,s:O,s:i,s:N,s:N}", "name", utf8_str(e.name), "qualified_name",
                    utf8_str(e.qualified_name), "return_type", utf8_str(e.return_type), "doc", utf8_str(e.doc), "nogil",
                    e.nogil ? Py_True : Py_False, "line", e.loc.line, "params", params, "fused", fused);
  if (!d) return nullptr;
  PyObject* extra =
      e.kind == scan::ExportKind::function
          ? Py_BuildValue("{s:s}", "kind", "function")
          : Py_BuildValue("{s:s,s:N,s:N,s:i,s:i,s:N,s:O,s:O}", "kind",
                          e.kind == scan::ExportKind::ufunc ? "ufunc" : "gufunc", "signature",
                          utf8_str(e.ufunc.signature), "loops", str_list(codegen::ufunc_loop_signatures(e), utf8_str),
                          "nin", codegen::ufunc_nin(e), "nout", codegen::ufunc_nout(e), "identity",
                          utf8_str(e.ufunc.identity), "needs_gil", e.ufunc.needs_gil ? Py_True : Py_False, "parallel",
                          e.ufunc.parallel ? Py_True : Py_False);
  if (!extra || PyDict_Update(d, extra) < 0) Py_CLEAR(d);
  Py_XDECREF(extra);
  return d;
}

PyObject* py_scan(PyObject*, PyObject* arg) {
  std::string source;
  if (!fs_bytes(arg, &source)) return nullptr;
  std::string text;
  scan::ScanResult r;
  if (!scan_file(source, &text, &r)) return nullptr;
  PyObject* exports = PyList_New(0);
  if (!exports) return nullptr;
  for (const auto& e : r.exports) {
    if (!append_new(exports, export_dict(e))) {
      Py_DECREF(exports);
      return nullptr;
    }
  }
  // Directive values are flags and paths: decoded as paths are.
  const auto& dv = r.directives;
  PyObject* directives = Py_BuildValue(
      "{s:O,s:O,s:O,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N}", "openmp", dv.openmp ? Py_True : Py_False, "boundscheck",
      dv.boundscheck ? Py_True : Py_False, "vecmath", dv.no_vecmath ? Py_False : Py_True, "arch", fs_str(dv.arch),
      "std", fs_str(dv.std), "optimize", fs_str(dv.optimize), "cxxflags", str_list(dv.cxxflags, fs_str), "ldflags",
      str_list(dv.ldflags, fs_str), "libraries", str_list(dv.libraries, fs_str), "include_dirs",
      str_list(dv.include_dirs, fs_str), "library_dirs", str_list(dv.library_dirs, fs_str), "sources",
      str_list(dv.sources, fs_str), "depends", str_list(dv.depends, fs_str));
  if (!directives) {
    Py_DECREF(exports);
    return nullptr;
  }
  // Exported classes: names of their members, for tools and tests.
  PyObject* classes = PyList_New(0);
  if (!classes) {
    Py_DECREF(exports);
    Py_DECREF(directives);
    return nullptr;
  }
  for (const auto& c : r.classes) {
    auto names = [](const std::vector<scan::Export>& v) {
      std::vector<std::string> n;
      for (const auto& e : v) n.push_back(e.name);
      return n;
    };
    std::vector<std::string> fields, properties, operators;
    for (const auto& f : c.fields) fields.push_back(f.name);
    for (const auto& p : c.properties) properties.push_back(p.name);
    for (const auto& op : c.operators) operators.push_back(op.symbol);
    PyObject* d =
        Py_BuildValue("{s:N,s:N,s:N,s:i,s:i,s:N,s:N,s:N,s:N,s:N}", "name", utf8_str(c.name), "qualified_name",
                      utf8_str(c.qualified_name), "doc", utf8_str(c.doc), "line", c.loc.line, "constructors",
                      static_cast<int>(c.ctors.size()), "methods", str_list(names(c.methods), utf8_str), "statics",
                      str_list(names(c.statics), utf8_str), "fields", str_list(fields, utf8_str), "properties",
                      str_list(properties, utf8_str), "operators", str_list(operators, utf8_str));
    if (!append_new(classes, d)) {
      Py_DECREF(exports);
      Py_DECREF(directives);
      Py_DECREF(classes);
      return nullptr;
    }
  }
  return Py_BuildValue("{s:N,s:N,s:N}", "exports", exports, "directives", directives, "classes", classes);
}

PyObject* py_generate(PyObject*, PyObject* args) {
  std::string source, templates;
  const char* module = nullptr;
  const char* display = nullptr;
  if (!PyArg_ParseTuple(args, "O&sO&|z:generate", path_arg, &source, &module, path_arg, &templates, &display))
    return nullptr;
  if (!check_module_name(module, source)) return nullptr;
  std::string text;
  scan::ScanResult r;
  if (!scan_file(source, &text, &r)) return nullptr;
  codegen::ModuleInput in{module, source, text, CXXIMPORT_VERSION, templates, display ? display : ""};
  codegen::GeneratedModule gen;
  std::string err;
  if (!codegen::generate_module(r, in, &gen, &err)) {
    PyObject* msg = text_str(err);
    if (msg) {
      PyErr_SetObject(PyExc_RuntimeError, msg);
      Py_DECREF(msg);
    }
    return nullptr;
  }
  std::string pyi = codegen::generate_stub(r, module, display ? std::string(display) : source);
  // Both texts hold the source path, which need not be UTF-8.
  return Py_BuildValue("{s:N,s:N}", "module_cpp", fs_str(gen.module_cpp), "pyi", fs_str(pyi));
}

PyObject* py_default_cache_dir(PyObject*, PyObject*) { return fs_str(core::default_cache_dir()); }

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
  NotCachedError =
      PyErr_NewExceptionWithDoc("cxximport._core.NotCachedError",
                                "CXXIMPORT_NO_BUILD is set and the module is not cached.", PyExc_ImportError, nullptr);
  // The public cache errors are cxximport.errors' own classes, so the one
  // module of public exceptions is the one place they are defined.
  PyObject* errors = PyImport_ImportModule("cxximport.errors");
  if (!errors) return -1;
  CacheError = PyObject_GetAttrString(errors, "CacheError");
  LockTimeoutError = PyObject_GetAttrString(errors, "LockTimeoutError");
  Py_DECREF(errors);
  if (!ScanError || !BuildError || !NotCachedError || !CacheError || !LockTimeoutError) return -1;
  if (PyModule_AddObjectRef(m, "ScanError", ScanError) < 0 || PyModule_AddObjectRef(m, "BuildError", BuildError) < 0 ||
      PyModule_AddObjectRef(m, "NotCachedError", NotCachedError) < 0 ||
      PyModule_AddObjectRef(m, "CacheError", CacheError) < 0 ||
      PyModule_AddObjectRef(m, "LockTimeoutError", LockTimeoutError) < 0 ||
      PyModule_AddStringConstant(m, "version", CXXIMPORT_VERSION) < 0 ||
      PyModule_AddFunctions(m, cxximport_cache_admin_methods) < 0 ||
      PyModule_AddFunctions(m, cxximport_cache_entry_methods) < 0 ||
      PyModule_AddFunctions(m, cxximport_setup_check_methods) < 0 ||
      PyModule_AddFunctions(m, cxximport_options_methods) < 0)
    return -1;
  return 0;
}

PyModuleDef_Slot slots[] = {{Py_mod_exec, reinterpret_cast<void*>(exec_module)}, {0, nullptr}};

PyModuleDef module_def = {PyModuleDef_HEAD_INIT,
                          "cxximport._core",
                          "The C++ core of cxximport.",
                          0,
                          methods,
                          slots,
                          nullptr,
                          nullptr,
                          nullptr};

}  // namespace

PyMODINIT_FUNC PyInit__core(void) { return PyModuleDef_Init(&module_def); }
