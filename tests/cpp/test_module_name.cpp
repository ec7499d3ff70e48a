// Module names (PEP 489 init functions) and the UTF-8/punycode helpers.
#include <string>

#include "check.hpp"
#include "codegen/module_name.hpp"
#include "util/utf8.hpp"

using namespace cxximport;

TEST(module_name_identifiers_pass_others_are_refused) {
  std::string why;
  CHECK(codegen::check_module_name("compute", &why));
  CHECK(codegen::check_module_name("pkg.sub._k2", &why));
  CHECK(codegen::check_module_name("caf\xC3\xA9", &why));
  CHECK(!codegen::check_module_name("my-mod", &why));
  CHECK(why.find("'my-mod' is not a Python identifier") != std::string::npos);
  CHECK(why.find("my_mod.cxxpyx") != std::string::npos);
  CHECK(!codegen::check_module_name("2fast", &why));
  CHECK(!codegen::check_module_name("pkg..m", &why));
  CHECK(!codegen::check_module_name("a b", &why));
  CHECK(!codegen::check_module_name("caf\xE9", &why));
}

TEST(module_init_function_follows_pep_489) {
  CHECK_EQ(codegen::init_function_name("compute"), "PyInit_compute");
  CHECK_EQ(codegen::init_function_name("pkg.kernels"), "PyInit_kernels");
  CHECK_EQ(codegen::init_function_name("pkg.caf\xC3\xA9"), "PyInitU_caf_dma");
}

TEST(utf8_punycode_matches_python) {
  // Values from Python: "...".encode("punycode").
  CHECK_EQ(punycode("caf\xC3\xA9"), "caf-dma");
  CHECK_EQ(punycode("\xC3\xA9t\xC3\xA9"), "t-9fab");
  CHECK_EQ(punycode("\xE6\x95\xB0\xE5\x80\xA4"), "swqz23c");
  CHECK_EQ(punycode("abc"), "abc-");
}

TEST(utf8_validation) {
  CHECK_EQ(invalid_utf8_at("plain caf\xC3\xA9 \xF0\x9F\x98\x80"), std::string::npos);
  CHECK_EQ(invalid_utf8_at("ab\xE9"), 2u);
  CHECK_EQ(invalid_utf8_at("\xC0\xAF"), 0u);          // overlong
  CHECK_EQ(invalid_utf8_at("\xED\xA0\x80"), 0u);      // surrogate
  CHECK_EQ(invalid_utf8_at("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  CHECK_EQ(replace_invalid_utf8("a\xE9z"), "a\xEF\xBF\xBDz");
}
