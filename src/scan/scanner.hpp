// Scans a .cxxpyx source without compiling it: finds PYX_EXPORT functions and
// the directive block. Comments, string/char/raw-string literals and
// preprocessor lines are skipped, so a PYX_EXPORT inside them is not an export.
#pragma once

#include <string>
#include <string_view>

#include "scan/model.hpp"

namespace cxximport::scan {

// On failure returns false and sets *err to "file.cxxpyx:LINE:COL: what is wrong".
bool scan_source(std::string_view text, const std::string& filename, ScanResult* out, std::string* err);

}  // namespace cxximport::scan
