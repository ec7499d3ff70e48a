// Generates the C++ of exported classes: per class a scope struct derived
// from the class (thunks for constructors, methods, operators and default
// values, so type names resolve as inside the class), the method/getset
// tables, the slots and a PyType_Spec; and the `.pyi` class stubs.
#pragma once

#include <string>

#include "scan/model.hpp"

namespace cxximport::codegen {

struct ClassCode {
  std::string definitions;  // goes after the user's source, before the function wrappers
  std::string exec;         // statements in the module's exec function (create and add the types)
};

ClassCode generate_classes(const scan::ScanResult& scan, const std::string& module_name,
                           const std::string& source_path);

// `class Name:` blocks for the .pyi stub.
std::string class_stubs(const scan::ScanResult& scan);

// The Python annotation of a C++ type, knowing the exported class names.
std::string class_aware_annotation(const scan::ScanResult& scan, const std::string& cpp_type,
                                   const std::vector<std::string>& fused_choices = {});

}  // namespace cxximport::codegen
