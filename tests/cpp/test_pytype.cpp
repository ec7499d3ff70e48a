// C++ type/default text -> Python annotation/default text. Names start with
// "scan_pytype_" so `cxximport_unittests scan` runs them with the scanner's.
#include "check.hpp"
#include "scan/pytype.hpp"

using cxximport::scan::python_annotation;
using cxximport::scan::python_default;

TEST(scan_pytype_bool_and_void) {
  CHECK_EQ(python_annotation("bool"), "bool");
  CHECK_EQ(python_annotation("void"), "None");
}

TEST(scan_pytype_every_integer_type_is_int) {
  for (const char* t : {"int",
                        "long",
                        "short",
                        "char",
                        "signed char",
                        "unsigned char",
                        "unsigned",
                        "long long",
                        "unsigned long long",
                        "long int",
                        "unsigned short int",
                        "size_t",
                        "std::size_t",
                        "Py_ssize_t",
                        "ssize_t",
                        "ptrdiff_t",
                        "std::ptrdiff_t",
                        "std::int8_t",
                        "std::uint8_t",
                        "std::int16_t",
                        "std::uint32_t",
                        "std::int64_t",
                        "uint64_t",
                        "int32_t",
                        "const int",
                        "const long long&",
                        "int const&"})
    CHECK_EQ(python_annotation(t), "int");
}

TEST(scan_pytype_floating_types_are_float) {
  CHECK_EQ(python_annotation("float"), "float");
  CHECK_EQ(python_annotation("double"), "float");
  CHECK_EQ(python_annotation("long double"), "float");
  CHECK_EQ(python_annotation("const double&"), "float");
}

TEST(scan_pytype_complex_and_strings) {
  CHECK_EQ(python_annotation("std::complex<double>"), "complex");
  CHECK_EQ(python_annotation("std::complex<float> const&"), "complex");
  CHECK_EQ(python_annotation("std::string"), "str");
  CHECK_EQ(python_annotation("std::string_view"), "str");
  CHECK_EQ(python_annotation("const std::string&"), "str");
  CHECK_EQ(python_annotation("std::string const&"), "str");
  CHECK_EQ(python_annotation("const char*"), "str");
  CHECK_EQ(python_annotation("char const *"), "str");
  CHECK_EQ(python_annotation("int*"), "typing.Any");
}

TEST(scan_pytype_optional_and_tuple_nest) {
  CHECK_EQ(python_annotation("std::optional<int>"), "int | None");
  CHECK_EQ(python_annotation("std::optional<std::string>"), "str | None");
  CHECK_EQ(python_annotation("std::tuple<int, double>"), "tuple[int, float]");
  CHECK_EQ(python_annotation("std::tuple<int, std::tuple<bool, std::string>>"), "tuple[int, tuple[bool, str]]");
  CHECK_EQ(python_annotation("std::tuple<std::optional<double>, pyx::array<double, 1>>"),
           "tuple[float | None, numpy.ndarray]");
}

TEST(scan_pytype_arrays_and_object) {
  CHECK_EQ(python_annotation("pyx::view<T, 1>"), "numpy.ndarray");
  CHECK_EQ(python_annotation("pyx::cview<const T, 2>"), "numpy.ndarray");
  CHECK_EQ(python_annotation("pyx::fview<double, 2>"), "numpy.ndarray");
  CHECK_EQ(python_annotation("pyx::array<T, 2>"), "numpy.ndarray");
  CHECK_EQ(python_annotation("pyx::growable<std::int64_t>"), "numpy.ndarray");
  CHECK_EQ(python_annotation("pyx::farray<double, 2>"), "numpy.ndarray");
  CHECK_EQ(python_annotation("pyx::anyview<const double>"), "numpy.ndarray");
  CHECK_EQ(python_annotation("pyx::object"), "object");
  CHECK_EQ(python_annotation("const pyx::object&"), "object");
}

TEST(scan_pytype_fused_parameter_gives_deduplicated_union) {
  CHECK_EQ(python_annotation("T", {"int", "double", "long long"}), "int | float");
  CHECK_EQ(python_annotation("const T&", {"float", "double"}), "float");
  CHECK_EQ(python_annotation("std::optional<T>", {"int", "std::complex<double>"}), "int | complex | None");
  CHECK_EQ(python_annotation("pyx::view<T, 1>", {"int"}), "numpy.ndarray");
}

TEST(scan_pytype_unknown_type_is_any) {
  CHECK_EQ(python_annotation("T"), "typing.Any");
  CHECK_EQ(python_annotation("std::vector<int>"), "typing.Any");
  CHECK_EQ(python_annotation("MyStruct"), "typing.Any");
  CHECK_EQ(python_annotation(""), "typing.Any");
  CHECK_EQ(python_annotation("std::map<int"), "typing.Any");
}

TEST(scan_pytype_default_booleans_and_none) {
  CHECK_EQ(python_default("{1, 0, 1}"), "(1, 0, 1)");
  CHECK_EQ(python_default("{2.5}"), "2.5");
  CHECK_EQ(python_default("{\"a,b\", -1}"), "('a,b', -1)");
  CHECK_EQ(python_default("{1, x}"), "...");
  CHECK_EQ(python_default("std::pair<int, int>(3, 4)"), "(3, 4)");
  CHECK_EQ(python_default("std::tuple<int, double>{1, 2.0}"), "(1, 2.0)");
  CHECK_EQ(python_default("true"), "True");
  CHECK_EQ(python_default("false"), "False");
  CHECK_EQ(python_default("std::nullopt"), "None");
  CHECK_EQ(python_default("nullptr"), "None");
  CHECK_EQ(python_default("{}"), "...");
}

TEST(scan_pytype_default_numbers_become_python_literals) {
  CHECK_EQ(python_default("3"), "3");
  CHECK_EQ(python_default("-3"), "-3");
  CHECK_EQ(python_default("1'000u"), "1000");
  CHECK_EQ(python_default("10ull"), "10");
  CHECK_EQ(python_default("0x10"), "16");
  CHECK_EQ(python_default("0b101"), "5");
  CHECK_EQ(python_default("010"), "8");
  CHECK_EQ(python_default("0"), "0");
  CHECK_EQ(python_default("1.5f"), "1.5");
  CHECK_EQ(python_default("-0.25"), "-0.25");
  CHECK_EQ(python_default("2e3"), "2e3");
  CHECK_EQ(python_default("1e-3L"), "1e-3");
  CHECK_EQ(python_default("1."), "1.0");
  CHECK_EQ(python_default(".5"), "0.5");
  CHECK_EQ(python_default("99999999999999999999999"), "...");
}

TEST(scan_pytype_default_strings_use_python_repr) {
  CHECK_EQ(python_default("\"abc\""), "'abc'");
  CHECK_EQ(python_default("\"a,b\""), "'a,b'");
  CHECK_EQ(python_default("\"it's\""), "\"it's\"");
  CHECK_EQ(python_default("\"tab\\there\\n\""), "'tab\\there\\n'");
  CHECK_EQ(python_default("\"q\\\"\""), "'q\"'");
  CHECK_EQ(python_default("\"\\x41\\101\""), "'AA'");
  CHECK_EQ(python_default("u8\"x\""), "'x'");
  CHECK_EQ(python_default("R\"(a\\b)\""), "'a\\\\b'");
  CHECK_EQ(python_default("\"a\" \"b\""), "...");
}

TEST(scan_pytype_default_functional_casts_unwrap) {
  CHECK_EQ(python_default("T(3)"), "3");
  CHECK_EQ(python_default("double(2)"), "2");
  CHECK_EQ(python_default("int{4}"), "4");
  CHECK_EQ(python_default("U(1.5)"), "1.5");
  CHECK_EQ(python_default("std::string(\"x\")"), "'x'");
  CHECK_EQ(python_default("T()"), "...");
}

TEST(scan_pytype_default_expressions_are_ellipsis) {
  CHECK_EQ(python_default("a + b"), "...");
  CHECK_EQ(python_default("f(1, 2)"), "...");
  CHECK_EQ(python_default("std::vector<int>{1, 2}"), "(1, 2)");
  CHECK_EQ(python_default("'a'"), "...");
  CHECK_EQ(python_default(""), "...");
}
