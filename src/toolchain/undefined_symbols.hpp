// A module that links but leaves a symbol undefined (a declared, never
// defined function) would only fail when Python loads it, after it was
// published. The loader's own relocation report (`ldd -r`) finds such
// symbols at build time; the interpreter's (Py*, _Py*) are expected.
#pragma once

#include <string>
#include <vector>

#include "toolchain/process.hpp"

namespace cxximport::build {

// The symbols of `ldd -r` output that the interpreter will not provide,
// demangled ("helper(int)").
std::vector<std::string> foreign_undefined_symbols(const std::string& ldd_output);

// Runs `ldd -r so_path`; true with *names filled (empty when all is well, or
// when ldd is not available: the check is best effort).
bool check_undefined_symbols(ProcessRunner& runner, const std::string& so_path, std::vector<std::string>* names);

}  // namespace cxximport::build
