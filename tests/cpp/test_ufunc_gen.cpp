// PYX_UFUNC / PYX_GUFUNC: what the scanner reads from the marks, which
// mistakes it reports where, and what the generator writes (golden files
// tests/golden/ufuncs.*; regenerate with CXXIMPORT_UPDATE_GOLDEN=1).
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "check.hpp"
#include "codegen/module_gen.hpp"
#include "codegen/stub_gen.hpp"
#include "codegen/ufunc_gen.hpp"
#include "scan/scanner.hpp"

using namespace cxximport;
using scan::ExportKind;

namespace {

scan::ScanResult uf_scan(const std::string& src) {
  scan::ScanResult r;
  std::string err;
  bool ok = scan::scan_source(src, "m.cxxpyx", &r, &err);
  CHECK_EQ(err, std::string());
  CHECK(ok);
  return r;
}

std::string uf_err(const std::string& src) {
  scan::ScanResult r;
  std::string err;
  CHECK(!scan::scan_source(src, "m.cxxpyx", &r, &err));
  return err;
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void golden(const std::string& name, const std::string& actual) {
  std::string path = std::string(CXXIMPORT_SOURCE_DIR) + "/tests/golden/" + name;
  if (std::getenv("CXXIMPORT_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  if (slurp(path) != actual) {
    std::ofstream(path + ".actual", std::ios::binary) << actual;
    cxxtest::fail(__FILE__, __LINE__, "generated text differs from " + path + " (see " + path + ".actual)");
  }
}

}  // namespace

TEST(scan_ufunc_mark_before_or_after_template) {
  auto r = uf_scan(
      "PYX_UFUNC PYX_UFUNC_IDENTITY(-1)\ntemplate <pyx::fused<float, double> T>\nT f(T a, T b) { return a; }\n"
      "template <pyx::fused<int> T>\nPYX_UFUNC PYX_UFUNC_GIL T g(T a) { return a; }\n");
  CHECK_EQ(r.exports.size(), std::size_t{2});
  CHECK(r.exports[0].kind == ExportKind::ufunc);
  CHECK_EQ(r.exports[0].ufunc.identity, "-1");
  CHECK(!r.exports[0].ufunc.needs_gil);
  CHECK(r.exports[1].kind == ExportKind::ufunc);
  CHECK(r.exports[1].ufunc.needs_gil);
  CHECK_EQ(r.exports[1].fused.at(0).types.at(0), "int");
}

TEST(scan_gufunc_signature_is_parsed) {
  auto r = uf_scan(
      "PYX_GUFUNC(\"(n, d), (m,d) -> (n,m)\") PYX_UFUNC_PARALLEL\n"
      "void pd(pyx::view<const double, 2> a, pyx::view<const double, 2> b, pyx::view<double, 2> o) {}\n");
  const auto& e = r.exports.at(0);
  CHECK(e.kind == ExportKind::gufunc);
  CHECK_EQ(e.ufunc.signature, "(n,d),(m,d)->(n,m)");
  CHECK_EQ(e.ufunc.nin, 2);
  CHECK_EQ(e.ufunc.core.size(), std::size_t{3});
  CHECK(e.ufunc.core[1] == (std::vector<std::string>{"m", "d"}));
  CHECK(e.ufunc.parallel);
  CHECK_EQ(e.ufunc.parallel_threshold, "");
}

TEST(scan_ufunc_errors_name_file_line_and_what) {
  CHECK_EQ(uf_err("PYX_GUFUNC(\"(n)(n)->()\") double f(pyx::view<const double, 1> a);"),
           "m.cxxpyx:1:12: bad gufunc signature \"(n)(n)->()\": expected '->' at position 4 (NumPy's form is "
           "\"(n),(n)->()\": operands in parentheses, '->' before the outputs)");
  CHECK(has(uf_err("PYX_GUFUNC double f(double a);"), "1:1: PYX_GUFUNC needs its signature"));
  CHECK(has(uf_err("PYX_GUFUNC(n) double f(double a);"), "takes one plain string literal"));
  CHECK(has(uf_err("PYX_EXPORT PYX_UFUNC double f(double a);"),
            "1:1: PYX_EXPORT and PYX_UFUNC on 'f': a function is exported either as a Python function or as a ufunc"));
  CHECK(has(uf_err("\nPYX_UFUNC_GIL double f(double a);"),
            "2:1: PYX_UFUNC_* options need PYX_UFUNC or PYX_GUFUNC before the function"));
  CHECK(has(uf_err("PYX_UFUNC double f(double a = 1);"), "ufunc arguments cannot have defaults"));
  CHECK(has(uf_err("PYX_UFUNC void f(double a);"), "ufunc 'f' returns void"));
  CHECK(has(uf_err("PYX_UFUNC double f();"), "needs at least one input parameter"));
  CHECK(has(uf_err("PYX_UFUNC PYX_NOGIL double f(double a);"), "ufunc loops run without the GIL already"));
  CHECK(
      has(uf_err("PYX_UFUNC PYX_UFUNC_GIL PYX_UFUNC_PARALLEL double f(double a);"), "threads cannot all hold the GIL"));
  CHECK(has(uf_err("PYX_UFUNC PYX_UFUNC_PARALLEL_MIN(x) double f(double a);"), "takes an element count"));
  CHECK(has(uf_err("PYX_UFUNC PYX_GUFUNC(\"()->()\") double f(double a);"), "given twice"));
  CHECK(has(uf_err("double PYX_UFUNC f(double a);"), "PYX_UFUNC must begin a declaration"));
  CHECK(has(uf_err("PYX_GUFUNC(\"(n)->(n)\") double f(pyx::view<const double, 1> a);"),
            "output 1 of \"(n)->(n)\" has core dimensions, so it must be a parameter"));
  CHECK(has(uf_err("PYX_GUFUNC(\"(n),(n)->()\") double f(pyx::view<const double, 1> a);"),
            "has 1 parameters but its signature \"(n),(n)->()\" has 2 inputs"));
  CHECK(has(uf_err("PYX_GUFUNC(\"(n)->()\") void f(pyx::view<const double, 1> a);"),
            "must be returned, but it returns void"));
  CHECK(has(uf_err("PYX_GUFUNC(\"(n)->()\") double f(pyx::view<const double, 1> a, double& o);"),
            "every operand of \"(n)->()\" is a parameter: return void"));
}

TEST(ufunc_loop_signatures_follow_numpy_type_order) {
  auto r = uf_scan(
      "template <pyx::fused<double, std::complex<float>, int, bool, std::uint64_t> T>\n"
      "PYX_UFUNC std::tuple<T, bool> f(T a, const T& b) { return {a, true}; }\n"
      "PYX_GUFUNC(\"(n),()->()\") template <pyx::fused<float, my_t> T>\n"
      "T g(pyx::view<const T, 1> v, long s) { return 0; }\n");
  CHECK(codegen::ufunc_loop_signatures(r.exports[0]) ==
        (std::vector<std::string>{"?\?->?\?", "ii->i?", "LL->L?", "dd->d?", "FF->F?"}));
  CHECK_EQ(codegen::ufunc_nin(r.exports[0]), 2);
  CHECK_EQ(codegen::ufunc_nout(r.exports[0]), 2);
  CHECK(codegen::ufunc_loop_signatures(r.exports[1]) == (std::vector<std::string>{"fl->f", "{my_t}l->{my_t}"}));
}

TEST(codegen_ufunc_module_matches_golden) {
  std::string text = slurp(std::string(CXXIMPORT_SOURCE_DIR) + "/tests/golden/ufuncs.cxxpyx");
  scan::ScanResult scan;
  std::string err;
  CHECK(scan::scan_source(text, "/src/ufuncs.cxxpyx", &scan, &err));
  codegen::ModuleInput in{"ufuncs", "/src/ufuncs.cxxpyx", text, "1.2.3",
                          std::string(CXXIMPORT_SOURCE_DIR) + "/templates"};
  codegen::GeneratedModule gen;
  CHECK(codegen::generate_module(scan, in, &gen, &err));
  golden("ufuncs.module.cpp.ref", gen.module_cpp);
  golden("ufuncs.pyi.ref", codegen::generate_stub(scan, "ufuncs", "/src/ufuncs.cxxpyx"));
  CHECK(has(gen.module_cpp, "#include <pyx/ufunc.hpp>"));
  CHECK(has(gen.module_cpp, "  if (pyx_u_axpy(module) < 0) return -1;"));
  // The #line after the user's source still names the physical line.
  std::istringstream lines(gen.module_cpp);
  int n = 0;
  for (std::string l; std::getline(lines, l);) {
    ++n;
    if (l.rfind("#line ", 0) == 0 && has(l, "module.cpp"))
      CHECK_EQ(l, "#line " + std::to_string(n + 1) + " \"module.cpp\"");
    for (const auto& s : gen.spans)
      if (s.first_line == n) CHECK_EQ(l.rfind("// export " + s.export_name + " ", 0), std::size_t{0});
  }
  CHECK_EQ(gen.spans.size(), std::size_t{3});
}

TEST(codegen_modules_without_ufuncs_do_not_include_the_ufunc_runtime) {
  scan::ScanResult scan = uf_scan("PYX_EXPORT int one() { return 1; }\n");
  codegen::ModuleInput in{"m", "/src/m.cxxpyx", "PYX_EXPORT int one() { return 1; }\n", "1",
                          std::string(CXXIMPORT_SOURCE_DIR) + "/templates"};
  codegen::GeneratedModule gen;
  std::string err;
  CHECK(codegen::generate_module(scan, in, &gen, &err));
  CHECK(!has(gen.module_cpp, "ufunc"));
}
