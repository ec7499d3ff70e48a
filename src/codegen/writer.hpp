// The one place generated text is produced: placeholder templates and C++
// string-literal escaping. Generated code is never built by ad-hoc appends of
// unescaped user text.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace cxximport::codegen {

// "..." C++ string literal with every byte that is not printable ASCII
// escaped, so any text (docstrings, paths) is safe inside generated code.
std::string cpp_string_literal(std::string_view text);

// Replaces @NAME@ placeholders (NAME: [A-Z0-9_]+) with values. A placeholder
// without a value, or a value never used, is an error: templates and the
// generator cannot drift apart silently.
bool render_template(std::string_view tmpl, const std::map<std::string, std::string>& values, std::string* out,
                     std::string* err);

// Reads templates/codegen/<name> from the installed templates directory.
bool load_template(const std::string& templates_dir, const std::string& name, std::string* out, std::string* err);

}  // namespace cxximport::codegen
