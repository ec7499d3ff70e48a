// The options half of cxximport._core (src/python/options.cpp): the option
// table, the AOT flags, sizes and ages, and the table-driven reading of the
// directive-like options shared with build()'s request parsing.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "scan/model.hpp"

namespace cxximport::python {

// Reads every option the table marks as a directive (openmp, std, cxxflags,
// ...) from a build options dict into *out; false with TypeError naming the
// option.
bool read_directive_options(PyObject* opts, scan::Directives* out);

// TypeError unless every key of opts is an option of the table that may be an
// argument, or one of `extra` (the interpreter facts the loader adds).
bool check_option_names(PyObject* opts, const char* const* extra);

}  // namespace cxximport::python

extern PyMethodDef cxximport_options_methods[];
