// Scanner tests for hostile and careless input (issue 14): nesting that
// must not recurse, '<' chains that must not go exponential, bytes that are
// not UTF-8, a byte order mark, reserved names and misread declarations.
#include <chrono>
#include <string>

#include "check.hpp"
#include "scan/pytype.hpp"
#include "scan/scanner.hpp"
#include "scan/tokens.hpp"

using namespace cxximport::scan;

namespace {

std::string scan_err(const std::string& src) {
  ScanResult r;
  std::string err;
  CHECK(!scan_source(src, "m.cxxpyx", &r, &err));
  return err;
}

ScanResult scan_ok(const std::string& src) {
  ScanResult r;
  std::string err;
  CHECK(scan_source(src, "m.cxxpyx", &r, &err));
  CHECK_EQ(err, std::string());
  return r;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST(scan_deep_nesting_is_an_error_not_a_stack_overflow) {
  for (const char* pair : {"()", "[]", "{}"}) {
    std::string src = "\nPYX_EXPORT int f(int x = " + repeat(std::string(1, pair[0]), 100000) + "1" +
                      repeat(std::string(1, pair[1]), 100000) + ") { return x; }\n";
    std::string err = scan_err(src);
    CHECK(starts_with(err, "m.cxxpyx:2:"));
    CHECK(contains(err, "nesting too deep"));
  }
  std::string types = "PYX_EXPORT int f(" + repeat("std::vector<", 100000) + "int" + repeat(">", 100000) + " x);\n";
  CHECK(contains(scan_err(types), "m.cxxpyx:1:") && contains(scan_err(types), "nesting too deep"));
  CHECK(contains(scan_err(repeat("namespace a {\n", 300)), "nesting too deep"));
  // Unclosed: unbalanced, found without recursion either.
  CHECK(contains(scan_err("PYX_EXPORT int f(int x = " + repeat("(", 100000) + ");\n"), "unbalanced"));
}

TEST(scan_nesting_at_the_limit_is_fine) {
  std::string nested = repeat("(", kMaxNesting - 1) + "1" + repeat(")", kMaxNesting - 1);
  ScanResult r = scan_ok("PYX_EXPORT int f(int x = " + nested + ");\n");
  CHECK_EQ(r.exports.at(0).params.at(0).default_value, nested);
}

TEST(scan_comparison_chains_take_linear_time) {
  std::string chain;
  for (int i = 0; i < 1000; ++i) chain += (i ? " && a" : "a") + std::to_string(i) + " < b" + std::to_string(i);
  auto start = std::chrono::steady_clock::now();
  ScanResult r = scan_ok("PYX_EXPORT int f(bool x = " + chain + ", int y = 1);\nbool k = " + chain + ";\n");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK_EQ(r.exports.at(0).params.size(), 2u);
  CHECK_EQ(r.exports.at(0).params.at(0).default_value, chain);
  CHECK(seconds < 5.0);  // was exponential: 2.4 s for 22 comparisons
}

TEST(scan_deep_types_annotate_without_recursing_forever) {
  std::string deep = repeat("std::optional<", 5000) + "int" + repeat(">", 5000);
  CHECK_EQ(python_annotation(deep), "typing.Any | None");  // past the depth limit: Any
  CHECK_EQ(python_default(repeat("T(", 100000) + "3" + repeat(")", 100000)), "3");
  CHECK_EQ(python_default("T(U(nullptr))"), "...");
}

TEST(scan_non_utf8_is_an_error_naming_the_line) {
  CHECK(starts_with(scan_err("int a;\n/// caf\xE9\nPYX_EXPORT int f();\n"),
                    "m.cxxpyx:2:1: byte 0xE9 in a /// docstring is not UTF-8"));
  CHECK(starts_with(scan_err("\nPYX_EXPORT int f\xE9();\n"), "m.cxxpyx:2:16: byte 0xE9"));
  CHECK(starts_with(scan_err("PYX_EXPORT int f(int x\xFF);\n"), "m.cxxpyx:1:22: byte 0xFF"));
  CHECK(contains(scan_err("PYX_EXPORT int f(const char* s = \"\xC3\");\n"), "not UTF-8"));
  // Elsewhere (comments, other code) bytes are the compiler's business.
  scan_ok("// caf\xE9\nint g() { return '\xE9'; }\nPYX_EXPORT int f();\n");
  ScanResult r = scan_ok("/// caf\xC3\xA9\nPYX_EXPORT int caf\xC3\xA9();\n");
  CHECK_EQ(r.exports.at(0).doc, "caf\xC3\xA9");
}

TEST(scan_byte_order_mark_is_skipped) {
  ScanResult r = scan_ok("\xEF\xBB\xBF// cxximport: openmp\nPYX_EXPORT int f();\n");
  CHECK(r.directives.openmp);
  CHECK_EQ(r.exports.at(0).loc.line, 2);
  CHECK_EQ(r.exports.at(0).loc.col, 16);
  r = scan_ok("// cxximport: openmp\r\n/// doc\r\nPYX_EXPORT int f(int x = 3) { return x; }\r\n");
  CHECK(r.directives.openmp);
  CHECK_EQ(r.exports.at(0).doc, "doc");
  CHECK_EQ(r.exports.at(0).params.at(0).default_value, "3");
}

TEST(scan_reserved_export_names_are_refused) {
  for (const char* name :
       {"__name__", "__getattr__", "__dict__", "__spec__", "__doc__", "__init__", "pyx_exec", "PyInit_m"}) {
    std::string err = scan_err("\nPYX_EXPORT int " + std::string(name) + "();\n");
    CHECK(starts_with(err, "m.cxxpyx:2:16: cannot export a function named '" + std::string(name) + "'"));
  }
  scan_ok("PYX_EXPORT int _private();\nPYX_EXPORT int __x();\nPYX_EXPORT int y__();\n");
}

TEST(scan_default_on_a_fused_parameter_is_accepted) {
  ScanResult r = scan_ok("template <pyx::fused<int, double> T = int>\nPYX_EXPORT T f(T x) { return x; }\n");
  CHECK_EQ(r.exports.at(0).fused.at(0).name, "T");
  CHECK_EQ(r.exports.at(0).fused.at(0).types.size(), 2u);
  r = scan_ok(
      "template <class T> concept num = pyx::fused<T, int, float>;\n"
      "template <num T = float, pyx::fused<long, short> U = long>\nPYX_EXPORT T g(T x, U y);\n");
  CHECK_EQ(r.exports.at(0).fused.size(), 2u);
  CHECK_EQ(r.exports.at(0).fused.at(1).name, "U");
  CHECK(contains(scan_err("template <class T = int>\nPYX_EXPORT T h(T x);\n"), "'T' that is not pyx::fused"));
}

TEST(scan_keyword_is_not_a_function_name) {
  CHECK(starts_with(scan_err("PYX_EXPORT inline (int x) { return x; }\n"), "m.cxxpyx:1:12: 'inline' is a C++ keyword"));
  CHECK(contains(scan_err("PYX_EXPORT int const (int x);\n"), "'const' is a C++ keyword"));
  CHECK(contains(scan_err("PYX_EXPORT static (int x);\n"), "'static' is a C++ keyword"));
}

TEST(scan_non_utf8_in_namespace_or_concept_of_an_export_is_an_error) {
  CHECK(contains(scan_err("namespace caf\xE9 {\nPYX_EXPORT int f();\n}\n"), "m.cxxpyx:2:1: byte 0xE9"));
  CHECK(contains(scan_err("template <class T> concept num = pyx::fused<T, int, lo\xA0ng>;\n"
                          "template <num T> PYX_EXPORT T f(T x);\n"),
                 "m.cxxpyx:2:18: byte 0xA0"));
}
