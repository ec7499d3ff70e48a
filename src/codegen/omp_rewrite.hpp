// Makes C++ exceptions thrown inside OpenMP constructs reach Python: GCC
// terminates the process when an exception leaves a construct's structured
// block, so the generator wraps each block (and the body of each worksharing
// loop) in a try/catch that records the exception in the call's record, and
// rethrows it right after the outermost construct (templates/pyx/parallel.hpp
// holds the runtime half).
#pragma once

#include <string>

namespace cxximport::codegen {

// Rewrites the `#pragma omp` constructs of `source` (a source compiled with
// `openmp`) and returns the new text. Every line keeps its number: a pragma
// line becomes `_Pragma("omp ...")` on the same line (its continuation lines
// stay, empty), and the added code goes on the lines of the tokens it sits
// next to. Constructs it cannot read with certainty (a body split by `#if`,
// a non-literal collapse) are left as written. `_Pragma` in user macros is
// not rewritten; `simd`-only loops and the standalone directives are not
// touched.
std::string rewrite_openmp(const std::string& source);

}  // namespace cxximport::codegen
