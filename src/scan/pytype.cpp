#include "scan/pytype.hpp"

#include <algorithm>
#include <set>

#include "scan/lexer.hpp"
#include "scan/tokens.hpp"

namespace cxximport::scan {
namespace {

constexpr const char* kAny = "typing.Any";

bool is_in(std::string_view s, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), s) != words.end();
}

// "int | float" + "float | None" -> "int | float | None".
std::string union_of(const std::vector<std::string>& parts) {
  std::vector<std::string> seen;
  for (const std::string& p : parts) {
    size_t start = 0;
    for (;;) {
      size_t bar = p.find(" | ", start);
      std::string one = p.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
      if (std::find(seen.begin(), seen.end(), one) == seen.end()) seen.push_back(one);
      if (bar == std::string::npos) break;
      start = bar + 3;
    }
  }
  std::string out;
  for (const std::string& s : seen) out += (out.empty() ? "" : " | ") + s;
  return out;
}

std::string builtin_words(const std::vector<std::string>& words) {
  std::set<std::string> w(words.begin(), words.end());
  if (w == std::set<std::string>{"bool"}) return "bool";
  if (w == std::set<std::string>{"void"}) return "None";
  if (w == std::set<std::string>{"float"} || w == std::set<std::string>{"double"} ||
      w == std::set<std::string>{"long", "double"})
    return "float";
  for (const std::string& x : w)
    if (!is_in(x, {"signed", "unsigned", "short", "long", "int", "char", "wchar_t", "char8_t", "char16_t", "char32_t"}))
      return "";
  return "int";
}

bool is_integer_alias(std::string_view name) {
  if (name.starts_with("std::")) name.remove_prefix(5);
  if (is_in(name, {"size_t", "ssize_t", "Py_ssize_t", "ptrdiff_t", "intptr_t", "uintptr_t", "intmax_t", "uintmax_t",
                   "npy_intp"}))
    return true;
  if (name.starts_with("u")) name.remove_prefix(1);
  return is_in(name, {"int8_t", "int16_t", "int32_t", "int64_t"});
}

class Annotator {
 public:
  Annotator(const Tokens& t, const std::vector<std::string>& fused) : t_(t), fused_(fused) {}

  // Recursive over template arguments, so bounded: the scanner refuses
  // deeper nesting anyway, but this is also called on any type text.
  std::string annotate(int b, int e, int depth = 0) const {
    if (depth > kMaxNesting) return kAny;
    // Drop top-level cv-qualifiers, references and `typename`; count pointers.
    std::vector<int> keep;
    int pointers = 0;
    for (int j = b; j < e; ++j) {
      if (may_open_angle(t_, j)) {
        int k = match_bracket(t_, j, e);
        if (k < 0) return kAny;
        for (int m = j; m <= k; ++m) keep.push_back(m);
        j = k;
      } else if (is_ident(t_, j, "const") || is_ident(t_, j, "volatile") || is_ident(t_, j, "typename") ||
                 is_punct(t_, j, "&") || is_punct(t_, j, "&&")) {
        continue;
      } else if (is_punct(t_, j, "*")) {
        ++pointers;
      } else {
        keep.push_back(j);
      }
    }
    if (keep.empty()) return kAny;
    size_t lt = 0;
    while (lt < keep.size() && !is_punct(t_, keep[lt], "<")) ++lt;
    std::string head;
    std::vector<std::string> words;
    for (size_t k = 0; k < lt; ++k) {
      if (k == 0 && is_punct(t_, keep[k], "::")) continue;
      head += t_[keep[k]].text;
      if (t_[keep[k]].kind == TokKind::Ident)
        words.push_back(t_[keep[k]].text);
      else if (!is_punct(t_, keep[k], "::"))
        return kAny;
    }
    bool multiword = words.size() > 1 && head.find("::") == std::string::npos;
    if (multiword) head.clear();
    if (pointers > 0)  // only `const char*` means text; other pointers have no Python meaning
      return pointers == 1 && words == std::vector<std::string>{"char"} ? "str" : kAny;
    std::vector<std::string> args;
    if (lt < keep.size()) {
      std::vector<int> commas;
      int bad = -1, open = keep[lt], close = keep.back();
      if (!split_top_level(t_, open + 1, close, ",", &commas, &bad)) return kAny;
      int start = open + 1;
      commas.push_back(close);
      for (int c : commas) {
        args.push_back(annotate(start, c, depth + 1));
        start = c + 1;
      }
      if (close == open + 1) args.clear();
    }
    return map(head, words, args);
  }

 private:
  std::string map(const std::string& head, const std::vector<std::string>& words,
                  const std::vector<std::string>& args) const {
    if (std::string b = builtin_words(words); !b.empty() && (head.empty() || words.size() == 1))
      return args.empty() ? b : kAny;
    if (is_integer_alias(head)) return "int";
    if (is_in(head, {"std::string", "std::string_view", "std::u8string", "std::u8string_view"})) return "str";
    if (head == "std::complex") return "complex";
    if (is_in(head, {"pyx::view", "pyx::cview", "pyx::fview", "pyx::rview", "pyx::anyview", "pyx::array", "pyx::farray",
                     "pyx::growable"}))
      return "numpy.ndarray";
    if (head == "pyx::object") return "object";
    if (head == "std::optional" && args.size() == 1) return union_of({args[0], "None"});
    if (head == "std::tuple" || head == "std::pair") {
      std::string s = "tuple[";
      for (size_t k = 0; k < args.size(); ++k) s += (k ? ", " : "") + args[k];
      return s + (args.empty() ? "()]" : "]");
    }
    if (!fused_.empty() && args.empty() && words.size() == 1 && head == words[0]) {
      std::vector<std::string> choices;
      for (const std::string& c : fused_) choices.push_back(python_annotation(c));
      return union_of(choices);
    }
    return kAny;
  }

  const Tokens& t_;
  const std::vector<std::string>& fused_;
};

}  // namespace

std::string python_annotation(std::string_view cpp_type, const std::vector<std::string>& fused_choices) {
  Lexed lexed;
  std::string err;
  if (!lex(cpp_type, "", &lexed, &err)) return kAny;
  Tokens t = prepare_tokens(std::move(lexed.tokens));
  return Annotator(t, fused_choices).annotate(0, static_cast<int>(t.size()));
}

}  // namespace cxximport::scan
