#include "codegen/writer.hpp"

#include "util/file.hpp"

#include <cstdio>
#include <set>

namespace cxximport::codegen {

std::string cpp_string_literal(std::string_view text) {
  std::string out = "\"";
  for (unsigned char ch : text) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '?':
        out += "\\?";
        break;  // no trigraphs, ever
      default:
        if (ch < 0x20 || ch >= 0x7f) {
          // Octal escapes stop after three digits, so a following digit is safe.
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\%03o", ch);
          out += buf;
        } else {
          out += static_cast<char>(ch);
        }
    }
  }
  return out + "\"";
}

bool render_template(std::string_view tmpl, const std::map<std::string, std::string>& values, std::string* out,
                     std::string* err) {
  std::string result;
  std::set<std::string> used;
  std::size_t pos = 0;
  while (pos < tmpl.size()) {
    std::size_t at = tmpl.find('@', pos);
    if (at == std::string_view::npos) {
      result.append(tmpl.substr(pos));
      break;
    }
    std::size_t end = at + 1;
    while (end < tmpl.size() &&
           ((tmpl[end] >= 'A' && tmpl[end] <= 'Z') || (tmpl[end] >= '0' && tmpl[end] <= '9') || tmpl[end] == '_'))
      ++end;
    if (end == at + 1 || end >= tmpl.size() || tmpl[end] != '@') {
      result.append(tmpl.substr(pos, at + 1 - pos));  // a lone '@' is text
      pos = at + 1;
      continue;
    }
    std::string name(tmpl.substr(at + 1, end - at - 1));
    auto it = values.find(name);
    if (it == values.end()) {
      *err = "template placeholder @" + name + "@ has no value";
      return false;
    }
    used.insert(name);
    result.append(tmpl.substr(pos, at - pos));
    result.append(it->second);
    pos = end + 1;
  }
  for (const auto& [name, value] : values) {
    if (!used.count(name)) {
      *err = "template has no placeholder @" + name + "@";
      return false;
    }
  }
  *out = std::move(result);
  return true;
}

bool load_template(const std::string& templates_dir, const std::string& name, std::string* out, std::string* err) {
  std::string path = templates_dir + "/codegen/" + name;
  if (read_file(path, out, err)) return true;
  *err += " (is cxximport installed completely?)";
  return false;
}

}  // namespace cxximport::codegen
