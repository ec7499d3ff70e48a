// The ufunc marks: PYX_UFUNC, PYX_GUFUNC("(n),(n)->()"), and the options that
// may follow either (PYX_UFUNC_IDENTITY(expr), PYX_UFUNC_GIL,
// PYX_UFUNC_PARALLEL, PYX_UFUNC_PARALLEL_MIN(n)). Parsed here so the export
// parser only learns that they are marks.
#pragma once

#include "scan/declaration.hpp"

namespace cxximport::scan {

bool is_ufunc_mark(const Tokens& t, int i);

// At a ufunc mark `i`: records it in *ex and sets *next to the token after it
// (after its parenthesised argument, if any).
bool parse_ufunc_mark(const Tokens& t, int i, Export* ex, int* next, ScanError* err);

// After the whole declaration is parsed: the combination of marks, the
// parameters and the gufunc signature agree. `mark` is where errors point.
bool check_ufunc(const Tokens& t, int mark, bool exported, Export* ex, ScanError* err);

// "(n,d),(m,d)->(n,m)" -> core dims per operand and the number of inputs;
// false with *what set when it is not NumPy's signature grammar.
bool parse_gufunc_signature(const std::string& sig, std::vector<std::vector<std::string>>* core, int* nin,
                            std::string* what);

}  // namespace cxximport::scan
