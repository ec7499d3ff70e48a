#include "scan/directives.hpp"

#include <climits>

namespace cxximport::scan {
namespace {

constexpr std::string_view kPrefix = "cxximport:";
constexpr const char* kKnownKeys =
    "openmp, boundscheck, vecmath, arch, std, optimize, cxxflags, ldflags, libraries, include_dirs, "
    "library_dirs, sources, depends";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

std::string_view trim(std::string_view s) {
  size_t b = skip_space(s, 0), e = s.size();
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// Offset of "cxximport:" in a line comment's body, or npos if it is not a
// directive. Doc comments ("///") are documentation, never directives.
size_t directive_offset(const Comment& c) {
  if (c.block || c.doc) return std::string::npos;
  size_t i = skip_space(c.body, 0);
  return std::string_view(c.body).substr(i).starts_with(kPrefix) ? i : std::string::npos;
}

bool parse_bool(std::string_view v, bool* out) {
  if (v.empty() || v == "true" || v == "yes" || v == "1" || v == "on") {
    *out = true;
    return true;
  }
  if (v == "false" || v == "no" || v == "0" || v == "off") {
    *out = false;
    return true;
  }
  return false;
}

// "c++20", "gnu++23", "c++2b": a dialect and a two-character year.
bool valid_std(std::string_view v) {
  size_t plus = v.find("++");
  if (plus == std::string_view::npos) return false;
  std::string_view dialect = v.substr(0, plus), year = v.substr(plus + 2);
  if (dialect != "c" && dialect != "gnu") return false;
  if (year.size() != 2 || year[0] < '0' || year[0] > '9') return false;
  return (year[1] >= '0' && year[1] <= '9') || (year[1] >= 'a' && year[1] <= 'z');
}

}  // namespace

bool valid_arch(std::string_view v) {
  if (v.empty() || v.size() > 64 || v[0] == '-') return false;
  for (char ch : v)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
          ch == '.' || ch == '+'))
      return false;
  return true;
}

namespace {

std::vector<std::string>* list_field(Directives* d, std::string_view key) {
  if (key == "cxxflags") return &d->cxxflags;
  if (key == "ldflags") return &d->ldflags;
  if (key == "libraries") return &d->libraries;
  if (key == "include_dirs") return &d->include_dirs;
  if (key == "library_dirs") return &d->library_dirs;
  if (key == "sources") return &d->sources;
  if (key == "depends") return &d->depends;
  return nullptr;
}

class DirectiveParser {
 public:
  DirectiveParser(const std::string& filename, Directives* out, std::string* err)
      : filename_(filename), out_(out), err_(err) {}

  bool fail(int line, int col, const std::string& what) {
    *err_ = filename_ + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what;
    return false;
  }

  bool apply(const Comment& c, size_t offset) {
    std::string_view body = c.body;
    size_t key_at = skip_space(body, offset + kPrefix.size());
    int col = c.col + 2 + static_cast<int>(key_at);  // +2 for the "//"
    std::string_view rest = body.substr(key_at);
    size_t eq = rest.find('=');
    std::string_view key = trim(rest.substr(0, eq));
    bool has_value = eq != std::string_view::npos;
    std::string_view value = has_value ? trim(rest.substr(eq + 1)) : std::string_view();
    std::string k(key);

    if (key.empty()) return fail(c.line, col, std::string("empty cxximport directive; known keys: ") + kKnownKeys);
    if (key == "openmp" || key == "boundscheck") {
      bool* field = key == "openmp" ? &out_->openmp : &out_->boundscheck;
      if (has_value && value.empty()) return fail(c.line, col, "missing value for '" + k + "'");
      if (!parse_bool(value, field))
        return fail(c.line, col, "'" + k + "' expects true/false/yes/no/1/0, got '" + std::string(value) + "'");
      return true;
    }
    if (key == "vecmath") {
      bool on = true;
      if (has_value && value.empty()) return fail(c.line, col, "missing value for 'vecmath'");
      if (!parse_bool(value, &on))
        return fail(c.line, col, "'vecmath' expects true/false/yes/no/1/0, got '" + std::string(value) + "'");
      out_->no_vecmath = !on;
      return true;
    }
    if (key == "std") {
      if (value.empty()) return fail(c.line, col, "missing value for 'std' (e.g. std = c++20)");
      if (!valid_std(value))
        return fail(c.line, col,
                    "'std' expects c++NN or gnu++NN (e.g. c++20, gnu++23, c++2b), got '" + std::string(value) + "'");
      out_->std = std::string(value);
      return true;
    }
    if (key == "arch") {
      if (value.empty()) return fail(c.line, col, "missing value for 'arch' (" + std::string(kArchChoices) + ")");
      if (!valid_arch(value))
        return fail(c.line, col, "'arch' expects " + std::string(kArchChoices) + ", got '" + std::string(value) + "'");
      out_->arch = std::string(value);
      return true;
    }
    if (key == "optimize") {
      if (value.empty()) return fail(c.line, col, "missing value for 'optimize' (0, 1, 2, 3, s or fast)");
      if (value != "0" && value != "1" && value != "2" && value != "3" && value != "s" && value != "fast")
        return fail(c.line, col, "'optimize' expects 0, 1, 2, 3, s or fast, got '" + std::string(value) + "'");
      out_->optimize = std::string(value);
      return true;
    }
    if (std::vector<std::string>* list = list_field(out_, key)) {
      std::vector<std::string> words;
      if (!split_words(value, &words)) return fail(c.line, col, "unclosed quote in value of '" + k + "'");
      if (words.empty()) return fail(c.line, col, "missing value for '" + k + "' (write " + k + " = ...)");
      list->insert(list->end(), words.begin(), words.end());
      return true;
    }
    return fail(c.line, col, "unknown cxximport directive '" + k + "'; known keys: " + kKnownKeys);
  }

 private:
  const std::string& filename_;
  Directives* out_;
  std::string* err_;
};

}  // namespace

bool split_words(std::string_view value, std::vector<std::string>* words) {
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
        continue;
      }
      if (c == '\\' && quote == '"' && i + 1 < value.size() && (value[i + 1] == '"' || value[i + 1] == '\\'))
        c = value[++i];
      word += c;
    } else if (is_space(c)) {
      if (in_word) words->push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;  // "" is an empty word, as in a shell
    } else {
      if (c == '\\' && i + 1 < value.size()) c = value[++i];
      word += c;
      in_word = true;
    }
  }
  if (quote) return false;
  if (in_word) words->push_back(std::move(word));
  return true;
}

bool parse_directives(const Lexed& lexed, const std::string& filename, Directives* out, std::string* err) {
  int first_code_line = lexed.tokens.empty() ? INT_MAX : lexed.tokens.front().line;
  DirectiveParser parser(filename, out, err);
  for (const Comment& c : lexed.comments) {
    size_t offset = directive_offset(c);
    if (offset == std::string::npos) continue;
    if (c.line >= first_code_line)
      return parser.fail(c.line, c.col,
                         "directives must be in the comment block at the top of the file "
                         "(before any code or #include)");
    if (!parser.apply(c, offset)) return false;
  }
  return true;
}

Directives merge_directives(const Directives& options, const Directives& file) {
  Directives d = options;
  d.openmp |= file.openmp;
  d.boundscheck |= file.boundscheck;
  d.no_vecmath |= file.no_vecmath;
  if (!file.arch.empty()) d.arch = file.arch;
  if (!file.std.empty()) d.std = file.std;
  if (!file.optimize.empty()) d.optimize = file.optimize;
  auto append = [](std::vector<std::string>& a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
  };
  append(d.cxxflags, file.cxxflags);
  append(d.ldflags, file.ldflags);
  append(d.libraries, file.libraries);
  append(d.include_dirs, file.include_dirs);
  append(d.library_dirs, file.library_dirs);
  append(d.sources, file.sources);
  append(d.depends, file.depends);
  return d;
}

}  // namespace cxximport::scan
