// Parses the two declarations the scanner cares about: an exported function
// (marks, template header, specifiers, return type, name, parameters) and a
// named fused concept. Works on the token stream; knows nothing of scopes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "scan/model.hpp"
#include "scan/tokens.hpp"

namespace cxximport::scan {

struct ScanError {
  int line = 0;
  int col = 0;
  std::string what;
};

// Concept name -> its fused type list, for `template <my_type T>`.
using Concepts = std::map<std::string, std::vector<std::string>>;

// PYX_EXPORT, PYX_NOGIL or one of the ufunc marks (scan/ufunc_marks.hpp):
// a token that starts an export.
bool is_export_mark(const Tokens& t, int i);

// The statement starts at token `begin`; the first mark is at `mark`. Fills
// every field of *ex except qualified_name and doc, and sets *end to the
// index of the ';' or '{' that ends the declaration.
bool parse_export(const Tokens& t, int begin, int mark, const Concepts& concepts, Export* ex, int* end, ScanError* err);

// At a `concept` token of a statement starting at `begin`: if the statement is
// `template <class X> concept NAME = pyx::fused<X, A, ...>;`, records NAME.
// Any other concept is ignored. Returns false only for an empty type list.
bool parse_fused_concept(const Tokens& t, int begin, int concept_at, Concepts* concepts, ScanError* err);

}  // namespace cxximport::scan
