// Golden files pin the generated module.cpp and .pyi: a change in generated
// text must be deliberate. Regenerate with CXXIMPORT_UPDATE_GOLDEN=1.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "check.hpp"
#include "codegen/module_gen.hpp"
#include "codegen/stub_gen.hpp"
#include "codegen/writer.hpp"
#include "scan/scanner.hpp"

#ifndef CXXIMPORT_SOURCE_DIR
#error "CXXIMPORT_SOURCE_DIR must be defined by the build"
#endif

namespace {

using namespace cxximport;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void check_golden(const std::string& name, const std::string& actual) {
  std::string path = std::string(CXXIMPORT_SOURCE_DIR) + "/tests/golden/" + name;
  if (std::getenv("CXXIMPORT_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::string expected = slurp(path);
  if (expected != actual) {
    std::ofstream(path + ".actual", std::ios::binary) << actual;
    cxxtest::fail(__FILE__, __LINE__, "generated text differs from " + path + " (see " + path + ".actual)");
  }
}

bool generate(const std::string& text, codegen::GeneratedModule* gen, scan::ScanResult* scan) {
  std::string err;
  if (!scan::scan_source(text, "/src/compute.cxxpyx", scan, &err)) {
    cxxtest::fail(__FILE__, __LINE__, err);
    return false;
  }
  codegen::ModuleInput in{"pkg.compute", "/src/compute.cxxpyx", text, "1.2.3",
                          std::string(CXXIMPORT_SOURCE_DIR) + "/templates"};
  if (!codegen::generate_module(*scan, in, gen, &err)) {
    cxxtest::fail(__FILE__, __LINE__, err);
    return false;
  }
  return true;
}

}  // namespace

TEST(codegen_module_matches_golden) {
  std::string text = slurp(std::string(CXXIMPORT_SOURCE_DIR) + "/tests/golden/compute.cxxpyx");
  codegen::GeneratedModule gen;
  scan::ScanResult scan;
  if (!generate(text, &gen, &scan)) return;
  check_golden("compute.module.cpp.ref", gen.module_cpp);
  check_golden("compute.pyi.ref", codegen::generate_stub(scan, "pkg.compute", "/src/compute.cxxpyx"));
}

// Exported classes: the protocol table of docs/language.md, pinned.
TEST(codegen_classes_match_golden) {
  std::string text = slurp(std::string(CXXIMPORT_SOURCE_DIR) + "/tests/golden/protocols.cxxpyx");
  codegen::GeneratedModule gen;
  scan::ScanResult scan;
  if (!generate(text, &gen, &scan)) return;
  CHECK_EQ(scan.classes.size(), std::size_t{3});
  CHECK_EQ(scan.imports.size(), std::size_t{1});
  check_golden("protocols.module.cpp.ref", gen.module_cpp);
  check_golden("protocols.pyi.ref", codegen::generate_stub(scan, "pkg.compute", "/src/compute.cxxpyx"));
}

TEST(codegen_spans_point_at_each_wrapper_in_module_cpp) {
  std::string text = slurp(std::string(CXXIMPORT_SOURCE_DIR) + "/tests/golden/compute.cxxpyx");
  codegen::GeneratedModule gen;
  scan::ScanResult scan;
  if (!generate(text, &gen, &scan)) return;
  CHECK_EQ(gen.spans.size(), std::size_t{3});
  std::vector<std::string> lines;
  std::istringstream in(gen.module_cpp);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  for (const auto& s : gen.spans) {
    CHECK(s.first_line >= 1 && s.last_line <= static_cast<int>(lines.size()));
    // Each span starts at the wrapper's "// export NAME" comment.
    CHECK_EQ(lines[s.first_line - 1].rfind("// export " + s.export_name + " ", 0), std::size_t{0});
  }
  CHECK_EQ(gen.spans[0].source_line, 10);
}

TEST(codegen_line_marker_after_user_source_names_the_physical_line) {
  codegen::GeneratedModule gen;
  scan::ScanResult scan;
  if (!generate("PYX_EXPORT int one() { return 1; }\n", &gen, &scan)) return;
  std::istringstream in(gen.module_cpp);
  int n = 0;
  for (std::string l; std::getline(in, l);) {
    ++n;
    if (l.rfind("#line ", 0) == 0 && l.find("module.cpp") != std::string::npos) {
      CHECK_EQ(l, "#line " + std::to_string(n + 1) + " \"module.cpp\"");
    }
  }
}

TEST(fused_instantiations_are_the_product_first_parameter_outermost) {
  scan::Export e;
  e.fused = {{"T", {"int", "double"}}, {"U", {"float", "long", "char"}}};
  auto insts = codegen::fused_instantiations(e);
  CHECK_EQ(insts.size(), std::size_t{6});
  CHECK_EQ(insts[0][0] + "," + insts[0][1], std::string("int,float"));
  CHECK_EQ(insts[5][0] + "," + insts[5][1], std::string("double,char"));
}

TEST(docstring_starts_with_a_text_signature_inspect_can_parse) {
  scan::Export e;
  e.name = "f";
  e.return_type = "double";
  e.params = {{"double", "a", "", {}}, {"int", "b", "3", {}}, {"std::optional<int>", "c", "std::nullopt", {}}};
  e.doc = "Adds.";
  std::string d = codegen::python_docstring(e);
  CHECK_EQ(d.substr(0, d.find("\n--\n\n")), std::string("f(a, b=3, c=None)"));
  CHECK(d.find("f(a: float, b: int = 3, c: int | None = None) -> float") != std::string::npos);
  CHECK(d.find("Adds.") != std::string::npos);
}

TEST(string_literals_escape_quotes_backslashes_newlines_and_non_ascii) {
  CHECK_EQ(codegen::cpp_string_literal("a\"b\\c\nd"), std::string("\"a\\\"b\\\\c\\nd\""));
  CHECK_EQ(codegen::cpp_string_literal("?"
                                       "?="),
           std::string("\"\\?\\?=\""));
  CHECK_EQ(codegen::cpp_string_literal("\xc3\xa9"
                                       "1"),
           std::string("\"\\303\\2511\""));
}

TEST(render_template_refuses_missing_and_unused_values) {
  std::string out, err;
  CHECK(codegen::render_template("a @X@ b @@ c@", {{"X", "1"}}, &out, &err));
  CHECK_EQ(out, std::string("a 1 b @@ c@"));
  CHECK(!codegen::render_template("@X@ @Y@", {{"X", "1"}}, &out, &err));
  CHECK(err.find("@Y@") != std::string::npos);
  CHECK(!codegen::render_template("@X@", {{"X", "1"}, {"Z", "2"}}, &out, &err));
  CHECK(err.find("@Z@") != std::string::npos);
}
