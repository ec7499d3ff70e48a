// The .pyi stub written beside every build, for IDEs and type checkers.
#pragma once

#include <string>

#include "scan/model.hpp"

namespace cxximport::codegen {

// A docstring as a Python string literal that survives any content (the
// stub's and the class blocks' docstrings).
std::string py_doc_literal(const std::string& doc);

std::string generate_stub(const scan::ScanResult& scan, const std::string& module_name, const std::string& source_path);

}  // namespace cxximport::codegen
