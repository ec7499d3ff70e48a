// C++ type and default-argument text -> Python annotation and default text,
// for signatures in docstrings and for .pyi stubs. Best effort by design:
// anything not understood becomes `typing.Any` or `...`, never an error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cxximport::scan {

// "std::optional<int>" -> "int | None"; "pyx::cview<const T, 2>" ->
// "numpy.ndarray". If `cpp_type` names a fused template parameter, pass that
// parameter's type list as `fused_choices` to get their deduplicated union
// ("int | float"). Unknown types give "typing.Any".
std::string python_annotation(std::string_view cpp_type, const std::vector<std::string>& fused_choices = {});

// "true" -> "True", "1'000u" -> "1000", "\"abc\"" -> "'abc'", "T(3)" -> "3",
// "std::nullopt" -> "None"; anything else -> "...".
std::string python_default(std::string_view cpp_default);

}  // namespace cxximport::scan
