// The directive block: `// cxximport: key` and `// cxximport: key = value`
// lines in the comment block at the top of a .cxxpyx file, in the spirit of
// Cython's `# distutils:` lines. Reads the lexer's comments, so a
// "// cxximport:" inside a string literal is never a directive.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scan/lexer.hpp"
#include "scan/model.hpp"

namespace cxximport::scan {

// The top block is every comment before the first token (a preprocessor line
// counts as a token). A directive comment anywhere after it is an error, as is
// an unknown key or a malformed value. Errors read "filename:LINE:COL: ...".
bool parse_directives(const Lexed& lexed, const std::string& filename, Directives* out, std::string* err);

// Options (install(), pyproject.toml) first, then the file's own directives:
// lists concatenate, booleans OR, the file's arch/std/optimize win.
Directives merge_directives(const Directives& options, const Directives& file);

// Shell-like word splitting for list values: whitespace separates words,
// single and double quotes group (and are removed), backslash escapes the
// next character outside single quotes. Returns false on an unclosed quote.
bool split_words(std::string_view value, std::vector<std::string>* words);

// `arch`: "auto" (the default), "native", "portable", or a value for -march
// (x86-64-v2, skylake, armv8.2-a...). Letters, digits and -_.+ only, so it
// can never smuggle in another flag.
inline constexpr const char* kArchChoices = "auto, native, portable, or an -march value such as x86-64-v2";
bool valid_arch(std::string_view value);

}  // namespace cxximport::scan
