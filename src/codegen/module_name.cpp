#include "codegen/module_name.hpp"

#include "util/utf8.hpp"

namespace cxximport::codegen {
namespace {

bool ascii_ident_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

bool check_module_name(const std::string& dotted, std::string* why) {
  if (invalid_utf8_at(dotted) != std::string::npos) {
    *why = "the module name is not UTF-8";
    return false;
  }
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = dotted.find('.', start);
    std::string part = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool ok = !part.empty() && !(part[0] >= '0' && part[0] <= '9');
    for (unsigned char c : part) ok = ok && (c >= 0x80 || ascii_ident_char(c));
    if (!ok) {
      *why = "'" + part +
             "' is not a Python identifier, so no import statement can name it; rename the file (for "
             "example to " +
             suggest_module_name(part) + ".cxxpyx)";
      return false;
    }
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

std::string init_function_name(const std::string& dotted) {
  std::string last = dotted.substr(dotted.rfind('.') + 1);
  bool ascii = true;
  for (unsigned char c : last) ascii = ascii && c < 0x80;
  if (ascii) return "PyInit_" + last;
  std::string code = punycode(last);
  for (char& c : code)
    if (c == '-') c = '_';
  return "PyInitU_" + code;
}

std::string suggest_module_name(const std::string& part) {
  std::string s;
  for (unsigned char c : part) s += c >= 0x80 || ascii_ident_char(c) ? static_cast<char>(c) : '_';
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) s.insert(0, "_");
  return s;
}

}  // namespace cxximport::codegen
