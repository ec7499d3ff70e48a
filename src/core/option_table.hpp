// The one table of user options: names, kinds, defaults, environment
// variables, where each may be set (arguments, pyproject.toml, a file's
// directives) and the line docs/configuration.md shows. The Python package
// reads it through `_core.option_table()` (hook/cxximport/_option_table.py);
// tests/test_options_table.py fails when the two sides, the scanner's
// directive keys, the defaults of BuildRequest or the docs disagree.
#pragma once

#include <span>
#include <string_view>

namespace cxximport::core {

// Where an option may be given (a bit set).
enum OptionPlace : unsigned {
  kArgument = 1,   // install(), build(), load(), the command line
  kPyproject = 2,  // [tool.cxximport]
  kDirective = 4,  // `// cxximport: key = value` in the file
};

struct OptionSpec {
  std::string_view name;
  // bool, int, float (seconds), str, path, flags (list; a str is split like a
  // shell), paths (list; a str is one path), words (list; a str is one word),
  // callable, size (bytes or "500M"; parsed by cache/units.hpp)
  std::string_view kind;
  std::string_view default_value;  // as a value the option takes; "" when computed or none
  std::string_view default_doc;    // the default as the docs say it
  std::string_view env;            // the environment variable, or ""
  unsigned places;
  std::string_view choices;  // space-separated allowed values, or ""
  std::string_view type_doc;
  std::string_view doc;
};

std::span<const OptionSpec> option_table();

// The row named `name`, or nullptr.
const OptionSpec* find_option(std::string_view name);

}  // namespace cxximport::core
