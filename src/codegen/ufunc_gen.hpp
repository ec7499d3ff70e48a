// Code generation for PYX_UFUNC and PYX_GUFUNC exports: the registration
// block in module.cpp (templates/codegen/ufunc.cpp.in; the loops themselves
// are templates in pyx/ufunc.hpp) and the loop signatures NumPy will list,
// for stubs, `cxximport show` and docstrings.
#pragma once

#include <string>
#include <vector>

#include "scan/model.hpp"

namespace cxximport::codegen {

// The block for one ufunc export, defining `static int pyx_u_NAME(PyObject* module)`.
bool render_ufunc(const scan::Export& e, const std::string& tmpl, const std::string& source_loc, std::string* out,
                  std::string* err);

// "ff->f", "dd->d": one per fused instantiation, in the order NumPy will hold
// them (by type number). A type the generator cannot name statically (a
// typedef of the user's) shows as "{its C++ text}"; the loaded ufunc's
// `types` attribute is always exact.
std::vector<std::string> ufunc_loop_signatures(const scan::Export& e);

// Inputs and outputs of a ufunc export ("a, x, y" and the output count).
int ufunc_nin(const scan::Export& e);
int ufunc_nout(const scan::Export& e);

}  // namespace cxximport::codegen
