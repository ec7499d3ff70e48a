// Scanner tests: what is found in a .cxxpyx file and which mistakes are
// reported where. Test names start with "scan_" so `cxximport_unittests scan`
// runs every scanner test.
#include <string>

#include "check.hpp"
#include "scan/scanner.hpp"

using namespace cxximport::scan;

namespace {

ScanResult scan_ok(const std::string& src) {
  ScanResult r;
  std::string err;
  bool ok = scan_source(src, "m.cxxpyx", &r, &err);
  CHECK_EQ(err, std::string());
  CHECK(ok);
  return r;
}

// The error message, which must name the file and position.
std::string scan_err(const std::string& src) {
  ScanResult r;
  std::string err;
  CHECK(!scan_source(src, "m.cxxpyx", &r, &err));
  CHECK(r.exports.empty());
  return err;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const char* kDesignExample = R"X(// cxximport: openmp
#include <algorithm>
#include <stdexcept>

template <class T>
T clip(T a, T lo, T hi) { return std::min(std::max(a, lo), hi); }

/// clip(array_1, 2, 10) * a + array_2 * b + c, for 2-D arrays of one dtype.
template <pyx::fused<int, double, long long> T>
PYX_EXPORT pyx::array<T, 2> compute(pyx::cview<const T, 2> array_1,
                                    pyx::cview<const T, 2> array_2, T a, T b, T c) {
    if (array_1.shape() != array_2.shape())
        throw std::invalid_argument("array_1 and array_2 must have the same shape");
    auto result = pyx::empty<T>(array_1.shape());
    #pragma omp parallel for
    for (Py_ssize_t x = 0; x < array_1.shape(0); ++x)
        for (Py_ssize_t y = 0; y < array_1.shape(1); ++y)
            result(x, y) = clip(array_1(x, y), T(2), T(10)) * a + array_2(x, y) * b + c;
    return result;
}
)X";

}  // namespace

TEST(scan_design_brief_example) {
  ScanResult r = scan_ok(kDesignExample);
  CHECK(r.directives.openmp);
  CHECK_EQ(r.exports.size(), 1u);
  const Export& e = r.exports.at(0);
  CHECK_EQ(e.name, "compute");
  CHECK_EQ(e.qualified_name, "compute");
  CHECK_EQ(e.return_type, "pyx::array<T, 2>");
  CHECK_EQ(e.doc, "clip(array_1, 2, 10) * a + array_2 * b + c, for 2-D arrays of one dtype.");
  CHECK(!e.nogil);
  CHECK_EQ(e.loc.line, 10);
  CHECK_EQ(e.loc.col, 29);
  CHECK_EQ(e.fused.size(), 1u);
  CHECK_EQ(e.fused.at(0).name, "T");
  CHECK(e.fused.at(0).types == (std::vector<std::string>{"int", "double", "long long"}));
  CHECK_EQ(e.params.size(), 5u);
  const char* names[] = {"array_1", "array_2", "a", "b", "c"};
  const char* types[] = {"pyx::cview<const T, 2>", "pyx::cview<const T, 2>", "T", "T", "T"};
  for (size_t i = 0; i < 5; ++i) {
    CHECK_EQ(e.params.at(i).name, names[i]);
    CHECK_EQ(e.params.at(i).type, types[i]);
    CHECK_EQ(e.params.at(i).default_value, "");
  }
  CHECK_EQ(e.params.at(1).loc.line, 11);
  CHECK_EQ(e.params.at(1).loc.col, 37);
}

TEST(scan_plain_function_with_defaults) {
  ScanResult r = scan_ok(
      "PYX_EXPORT inline std::tuple<int, double> g(const std::string& s,\n"
      "    std::optional<int> n = std::nullopt, int b = 3);\n");
  CHECK_EQ(r.exports.size(), 1u);
  const Export& g = r.exports.at(0);
  CHECK_EQ(g.name, "g");
  CHECK_EQ(g.return_type, "std::tuple<int, double>");
  CHECK(g.fused.empty());
  CHECK_EQ(g.params.size(), 3u);
  CHECK_EQ(g.params.at(0).type, "const std::string&");
  CHECK_EQ(g.params.at(1).type, "std::optional<int>");
  CHECK_EQ(g.params.at(1).default_value, "std::nullopt");
  CHECK_EQ(g.params.at(2).default_value, "3");
}

TEST(scan_mark_on_variable_is_an_error) {
  std::string err = scan_err("int a;\nPYX_EXPORT int x = 3;\n");
  CHECK(starts_with(err, "m.cxxpyx:2:1: "));
  CHECK(contains(err, "must be followed by a function declaration"));
}
