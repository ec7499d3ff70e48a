// Parses an exported class: `PYX_EXPORT struct|class NAME { ... };` (maybe
// after a template header) and its public members, and the
// `PYX_EXPORT using Alias = Template<args>;` lines that instantiate a class
// template. Works on the token stream; the scanner supplies scopes and docs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "scan/declaration.hpp"
#include "scan/model.hpp"
#include "scan/tokens.hpp"

namespace cxximport::scan {

// `///` docs ending right above a line.
using DocsAbove = std::function<std::string(int line)>;

// Is the declaration whose marks start at `mark` a class (struct/class after
// the marks and an optional template header) or a `using` alias?
bool is_class_export(const Tokens& t, int mark);
bool is_alias_export(const Tokens& t, int mark);

// A class or class template. *tmpl_params gets the template parameter names
// ({} for a plain class). *end is the ';' after the closing brace.
bool parse_class(const Tokens& t, int mark, const Concepts& concepts, const DocsAbove& docs, ClassExport* out,
                 std::vector<std::string>* tmpl_params, int* end, ScanError* err);

// `PYX_EXPORT using NAME = TEMPLATE<ARGS>;`: *name, *tmpl (the template's
// unqualified name) and *args; *end is the ';'.
bool parse_class_alias(const Tokens& t, int mark, std::string* name, std::string* tmpl, std::vector<std::string>* args,
                       SourceLoc* loc, int* end, ScanError* err);

}  // namespace cxximport::scan
