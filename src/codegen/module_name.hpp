// What a module may be called and what its init function is then named
// (PEP 489): the dotted parts must be identifiers, since the name is pasted
// into C++ and Python imports nothing else; a non-ASCII last part gets
// PyInitU_ + its punycode with '-' as '_'.
#pragma once

#include <string>

namespace cxximport::codegen {

// False with *why when a part of the dotted name is empty, starts with a
// digit, holds an ASCII character other than letters, digits and '_', or is
// not UTF-8. Non-ASCII letters are not classified here: the Python shell
// checks str.isidentifier() before calling the core.
bool check_module_name(const std::string& dotted, std::string* why);

// "compute" -> "PyInit_compute", "pkg.café" -> "PyInitU_caf_dma".
std::string init_function_name(const std::string& dotted);

// A name Python would accept, for the error message: "my-mod" -> "my_mod".
std::string suggest_module_name(const std::string& part);

}  // namespace cxximport::codegen
