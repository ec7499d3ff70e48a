// The coverage-guided fuzz target of the scanner (libFuzzer; built and run
// by fuzz_scan.sh). It scans the input as a .cxxpyx file and then feeds the
// result to what consumes a scan without compiling: the Python annotations
// and defaults and the .pyi stub. Besides ASan/UBSan reports it traps on a
// broken contract: an error not naming fuzz.cxxpyx:LINE:COL, or export text
// that is not UTF-8 (the Python shell would fail to decode it).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codegen/stub_gen.hpp"
#include "scan/pytype.hpp"
#include "scan/scanner.hpp"
#include "util/utf8.hpp"

namespace {

using namespace cxximport;

void require_utf8(const std::string& s) {
  if (invalid_utf8_at(s) != std::string::npos) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  scan::ScanResult r;
  std::string err;
  if (!scan::scan_source(text, "fuzz.cxxpyx", &r, &err)) {
    if (err.rfind("fuzz.cxxpyx:", 0) != 0 || !r.exports.empty()) __builtin_trap();
    return 0;
  }
  for (const scan::Export& e : r.exports) {
    for (const std::string* s : {&e.name, &e.qualified_name, &e.return_type, &e.doc}) require_utf8(*s);
    for (const scan::FusedParam& f : e.fused)
      for (const std::string& t : f.types) require_utf8(t);
    for (const scan::Param& p : e.params) {
      require_utf8(p.name);
      require_utf8(p.type);
      require_utf8(p.default_value);
      scan::python_annotation(p.type);
      scan::python_default(p.default_value);
    }
    scan::python_annotation(e.return_type);
  }
  codegen::generate_stub(r, "fuzz", "/fuzz.cxxpyx");
  return 0;
}
