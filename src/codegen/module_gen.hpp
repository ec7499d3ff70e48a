// Generates module.cpp for one .cxxpyx: the user's source (with #line so
// diagnostics point into it) followed by one vectorcall wrapper per export,
// the method table and a multi-phase-init module definition.
#pragma once

#include <string>
#include <vector>

#include "scan/model.hpp"

namespace cxximport::codegen {

struct ModuleInput {
  std::string module_name;    // fully qualified: "pkg.kernels"
  std::string source_path;    // absolute path of the .cxxpyx
  std::string source_text;    // the exact bytes that were hashed
  std::string version;        // cxximport version
  std::string templates_dir;  // installed templates/
  // How the module's docstring names the source; empty: source_path. Wheels
  // pass a project-relative path so no build machine path is shipped.
  std::string display_path = {};
};

// Lines [first, last] of module.cpp that belong to one export's wrapper, so a
// compiler error there can name the exported signature that caused it.
struct WrapperSpan {
  int first_line = 0;
  int last_line = 0;
  std::string export_name;
  int source_line = 0;
};

struct GeneratedModule {
  std::string module_cpp;
  std::vector<WrapperSpan> spans;
};

bool generate_module(const scan::ScanResult& scan, const ModuleInput& in, GeneratedModule* out, std::string* err);

// Every combination of the fused parameters' types, first parameter outermost.
std::vector<std::vector<std::string>> fused_instantiations(const scan::Export& e);

// "name(a, b=3)\n--\n\n" + typed signatures + docstring: what __doc__ holds,
// so help() and inspect.signature() show the real signature.
std::string python_docstring(const scan::Export& e);

}  // namespace cxximport::codegen
