// Reads the Makefile-style depfiles the compiler writes with -MD: the list of
// every file a translation unit read.
#pragma once

#include <string>
#include <vector>

namespace cxximport::build {

// The prerequisites of all rules in text ("a.o: a.cpp b.h \\\n c.h").
// Handles line continuations and backslash-escaped spaces.
bool parse_depfile(const std::string& text, std::vector<std::string>* deps, std::string* err);

}  // namespace cxximport::build
