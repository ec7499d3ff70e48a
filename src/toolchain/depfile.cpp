#include "toolchain/depfile.hpp"

namespace cxximport::build {

bool parse_depfile(const std::string& text, std::vector<std::string>* deps, std::string* err) {
  deps->clear();
  std::string word;
  bool in_targets = true;  // before the ':' of the current rule
  auto flush = [&] {
    if (!word.empty() && !in_targets) deps->push_back(word);
    word.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '\\' && i + 1 < text.size()) {
      char next = text[i + 1];
      if (next == '\n') {  // continuation
        flush();
        ++i;
        continue;
      }
      if (next == '\r' && i + 2 < text.size() && text[i + 2] == '\n') {
        flush();
        i += 2;
        continue;
      }
      if (next == ' ' || next == '#' || next == '\\') {
        word += next;
        ++i;
        continue;
      }
      word += ch;
      continue;
    }
    if (ch == '$' && i + 1 < text.size() && text[i + 1] == '$') {
      word += '$';
      ++i;
      continue;
    }
    if (ch == ':' && in_targets &&
        (i + 1 >= text.size() || text[i + 1] == ' ' || text[i + 1] == '\n' || text[i + 1] == '\t' ||
         text[i + 1] == '\r')) {
      word.clear();
      in_targets = false;
      continue;
    }
    if (ch == ' ' || ch == '\t' || ch == '\r') {
      flush();
      continue;
    }
    if (ch == '\n') {
      flush();
      in_targets = true;  // next rule
      continue;
    }
    word += ch;
  }
  flush();
  if (deps->empty() && text.find(':') == std::string::npos) {
    *err = "depfile has no rule";
    return false;
  }
  return true;
}

}  // namespace cxximport::build
