// The .pyi stub written beside every build, for IDEs and type checkers.
#pragma once

#include <string>

#include "scan/model.hpp"

namespace cxximport::codegen {

std::string generate_stub(const scan::ScanResult& scan, const std::string& module_name, const std::string& source_path);

}  // namespace cxximport::codegen
