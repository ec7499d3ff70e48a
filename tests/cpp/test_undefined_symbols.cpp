#include "toolchain/undefined_symbols.hpp"
#include "check.hpp"

TEST(undefined_symbols_skip_the_interpreters_and_demangle_the_rest) {
  std::string ldd =
      "\tlibc.so.6 => /lib/libc.so.6 (0x1)\n"
      "undefined symbol: PyObject_Repr\t(/x/m.so)\n"
      "undefined symbol: _Py_Dealloc\t(/x/m.so)\n"
      "undefined symbol: _Z6helperi\t(/x/m.so)\n"
      "undefined symbol: _Z6helperi\t(/x/m.so)\n"
      "undefined symbol: c_function\t(/x/m.so)\n";
  auto names = cxximport::build::foreign_undefined_symbols(ldd);
  CHECK_EQ(names.size(), std::size_t{2});
  CHECK_EQ(names[0], std::string("helper(int)"));
  CHECK_EQ(names[1], std::string("c_function"));
}
