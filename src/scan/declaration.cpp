#include "scan/declaration.hpp"

#include <algorithm>
#include <set>

#include "scan/ufunc_marks.hpp"

namespace cxximport::scan {
namespace {

bool fail(const Token& at, std::string what, ScanError* err) {
  *err = ScanError{at.line, at.col, std::move(what)};
  return false;
}

bool is_one_of(const std::string& s, std::initializer_list<const char*> words) {
  return std::any_of(words.begin(), words.end(), [&](const char* w) { return s == w; });
}

bool is_mark(const Tokens& t, int i) { return is_export_mark(t, i); }

// Dropped from the return type: they say how the function is defined, not what it returns.
bool is_specifier(const Tokens& t, int i) {
  return is_ident(t, i) && is_one_of(t[i].text, {"inline", "static", "constexpr", "consteval", "constinit", "extern"});
}

// Identifiers that take a parenthesised operand inside a return type.
bool is_operator_word(const std::string& s) {
  return is_one_of(s, {"decltype", "sizeof", "alignof", "noexcept", "typeof", "__typeof__", "alignas", "__attribute__",
                       "requires", "throw"});
}

// A parameter's last token is its name unless it is one of these.
bool is_type_word(const std::string& s) {
  return is_one_of(s, {"int", "long", "short", "char", "unsigned", "signed", "double", "float", "bool", "void", "auto",
                       "wchar_t", "char8_t", "char16_t", "char32_t", "const", "volatile"});
}

// C++ keywords that can stand where a function name is looked for.
bool is_cpp_keyword(const std::string& s) {
  return is_one_of(
      s, {"inline",       "static",   "constexpr", "consteval", "constinit", "extern",  "virtual",       "explicit",
          "friend",       "const",    "volatile",  "auto",      "int",       "long",    "short",         "char",
          "unsigned",     "signed",   "double",    "float",     "bool",      "void",    "return",        "if",
          "while",        "for",      "switch",    "new",       "delete",    "throw",   "typename",      "template",
          "class",        "struct",   "union",     "enum",      "namespace", "using",   "typedef",       "register",
          "thread_local", "mutable",  "noexcept",  "decltype",  "sizeof",    "alignof", "static_assert", "co_await",
          "co_return",    "co_yield", "requires",  "concept"});
}

// Why an export may not have this Python name, or "" if it may. Dunders are
// the module's own attributes (__name__, __spec__, __dict__, __getattr__...:
// replacing them breaks the import); the rest are what module.cpp defines.
std::string reserved_export_name(const std::string& s) {
  if (s.size() > 4 && s.starts_with("__") && s.ends_with("__"))
    return "names that begin and end with '__' are reserved for the module's own attributes "
           "(__name__, __doc__, __spec__, __getattr__, ...)";
  if (is_one_of(s, {"pyx_methods", "pyx_exec", "pyx_slots", "pyx_module_def"}) || s.starts_with("pyx_w_") ||
      s.starts_with("PyInit"))
    return "the name is used by the code cxximport generates";
  return "";
}

bool is_python_keyword(const std::string& s) {
  return is_one_of(s, {"False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
                       "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
                       "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
                       "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"});
}

// `pyx::fused<...>` (or `::pyx::fused<...>`) starting at b: the brackets' indices.
bool match_fused(const Tokens& t, int b, int end, int* lt, int* gt) {
  if (is_punct(t, b, "::")) ++b;
  if (!is_ident(t, b, "pyx") || !is_punct(t, b + 1, "::") || !is_ident(t, b + 2, "fused") || !is_punct(t, b + 3, "<"))
    return false;
  *lt = b + 3;
  *gt = match_bracket(t, *lt, end);
  return *gt >= 0;
}

// [b, e) split at top-level commas into ranges; false on an unbalanced bracket.
bool split_ranges(const Tokens& t, int b, int e, std::vector<std::pair<int, int>>* ranges, ScanError* err,
                  const std::string& where) {
  std::vector<int> commas;
  int bad = -1;
  if (!split_top_level(t, b, e, ",", &commas, &bad))
    return fail(t[bad], "unbalanced '" + t[bad].text + "' in " + where, err);
  int start = b;
  for (int c : commas) {
    ranges->push_back({start, c});
    start = c + 1;
  }
  ranges->push_back({start, e});
  return true;
}

bool fused_list(const Tokens& t, int lt, int gt, std::vector<std::string>* types, ScanError* err,
                const std::string& where) {
  std::vector<std::pair<int, int>> ranges;
  if (!split_ranges(t, lt + 1, gt, &ranges, err, where)) return false;
  for (auto [b, e] : ranges) {
    if (b == e) {
      if (ranges.size() == 1) break;  // pyx::fused<>: reported by the caller as empty
      return fail(t[std::min(b, gt)], "empty type in the fused list of " + where, err);
    }
    types->push_back(type_text(t, b, e));
  }
  return true;
}

bool template_params(const Tokens& t, int lt, int gt, const std::string& fname, const Concepts& concepts,
                     std::vector<FusedParam>* out, ScanError* err) {
  if (lt + 1 == gt)
    return fail(t[lt], "explicit specialization 'template <>' of '" + fname + "' cannot be exported", err);
  std::vector<std::pair<int, int>> ranges;
  if (!split_ranges(t, lt + 1, gt, &ranges, err, "the template header of '" + fname + "'")) return false;
  for (auto [b, e] : ranges) {
    // A default (`T = int`) changes nothing here: every listed type is instantiated.
    std::vector<int> eqs;
    int bad = -1;
    if (!split_top_level(t, b, e, "=", &eqs, &bad))
      return fail(t[bad], "unbalanced '" + t[bad].text + "' in the template header of '" + fname + "'", err);
    if (!eqs.empty()) e = eqs[0];
    FusedParam fp;
    bool fused = false;
    int flt = -1, fgt = -1;
    if (e - b >= 2 && is_ident(t, e - 1)) {
      fp.name = t[e - 1].text;
      std::string where = "'" + fp.name + "' in '" + fname + "'";
      if (match_fused(t, b, e - 1, &flt, &fgt) && fgt == e - 2) {
        if (!fused_list(t, flt, fgt, &fp.types, err, where)) return false;
        fused = true;
      } else if (is_ident(t, e - 2)) {  // CONCEPT NAME, the concept maybe qualified
        bool qualified_ok = true;
        for (int k = b; k < e - 2; ++k) qualified_ok = qualified_ok && (is_punct(t, k, "::") || is_ident(t, k));
        auto it = concepts.find(t[e - 2].text);
        if (qualified_ok && it != concepts.end()) {
          fp.types = it->second;
          fused = true;
        }
      }
      if (fused && fp.types.empty()) return fail(t[b], "empty fused type list for " + where, err);
    }
    if (!fused) {
      std::string pname = "?";
      for (int k = b; k < e && !is_punct(t, k, "="); ++k)
        if (is_ident(t, k) && !is_one_of(t[k].text, {"class", "typename"})) pname = t[k].text;
      return fail(t[b],
                  "exported template '" + fname + "' has template parameter '" + pname +
                      "' that is not pyx::fused<...>; cxximport can only instantiate fused type lists",
                  err);
    }
    out->push_back(std::move(fp));
  }
  return true;
}

bool parameters(const Tokens& t, int open, int close, Export* ex, ScanError* err) {
  std::vector<std::pair<int, int>> ranges;
  if (!split_ranges(t, open + 1, close, &ranges, err, "the parameters of '" + ex->name + "'")) return false;
  if (ranges.size() == 1) {
    auto [b, e] = ranges[0];
    if (b == e || (e == b + 1 && is_ident(t, b, "void"))) return true;
  }
  std::set<std::string> names;
  for (size_t k = 0; k < ranges.size(); ++k) {
    auto [b, e] = ranges[k];
    std::string nth = "parameter " + std::to_string(k + 1) + " of '" + ex->name + "'";
    if (b == e) return fail(t[b], nth + " is empty", err);
    for (int j = b; j < e; ++j)
      if (is_punct(t, j, "..."))
        return fail(t[j],
                    "variadic parameters ('...') cannot be exported: '" + ex->name + "' needs a fixed parameter list",
                    err);
    std::vector<int> eqs;
    int bad = -1;
    if (!split_top_level(t, b, e, "=", &eqs, &bad))
      return fail(t[bad], "unbalanced '" + t[bad].text + "' in " + nth, err);
    int decl_end = eqs.empty() ? e : eqs[0];
    int last = decl_end - 1;
    bool has_type = false;
    for (int j = b; j < last; ++j) has_type = has_type || !is_one_of(t[j].text, {"const", "volatile"});
    if (last <= b || !is_ident(t, last) || is_type_word(t[last].text) || is_punct(t, last - 1, "::") || !has_type)
      return fail(t[b], nth + " has no name; every parameter needs one, since Python can pass it by keyword", err);
    Param p;
    p.name = t[last].text;
    p.type = type_text(t, b, last);
    p.loc = {t[b].line, t[b].col};
    if (is_python_keyword(p.name))
      return fail(t[last], "parameter name '" + p.name + "' of '" + ex->name + "' is a Python keyword; rename it", err);
    if (!names.insert(p.name).second)
      return fail(t[last], "parameter '" + p.name + "' appears twice in '" + ex->name + "'", err);
    if (decl_end < e) {
      if (decl_end + 1 == e) return fail(t[decl_end], "missing default value for '" + p.name + "'", err);
      p.default_value = expr_text(t, decl_end + 1, e);
    }
    ex->params.push_back(std::move(p));
  }
  return true;
}

}  // namespace

bool is_export_mark(const Tokens& t, int i) {
  // Every mark starts PYX_: checked first, as the scanner asks at every token.
  if (!is_ident(t, i) || t[i].text.compare(0, 4, "PYX_") != 0) return false;
  return is_ident(t, i, "PYX_EXPORT") || is_ident(t, i, "PYX_NOGIL") || is_ufunc_mark(t, i);
}

bool parse_export(const Tokens& t, int begin, int mark, const Concepts& concepts, Export* ex, int* end,
                  ScanError* err) {
  const int n = static_cast<int>(t.size());
  int i = begin, tmpl_lt = -1, tmpl_gt = -1;
  bool exported = false;
  for (;;) {
    if (is_ufunc_mark(t, i)) {
      if (!parse_ufunc_mark(t, i, ex, &i, err)) return false;
    } else if (is_mark(t, i)) {
      exported = exported || t[i].text == "PYX_EXPORT";
      ex->nogil = ex->nogil || t[i].text == "PYX_NOGIL";
      ++i;
    } else if ((is_punct(t, i, "[") && is_punct(t, i + 1, "[")) ||
               (is_ident(t, i) && is_one_of(t[i].text, {"alignas", "__attribute__", "__declspec"}) &&
                is_punct(t, i + 1, "("))) {
      int open = t[i].text == "[" ? i : i + 1;
      int k = match_bracket(t, open, n);
      if (k < 0) return fail(t[open], "unbalanced '" + t[open].text + "' in attribute", err);
      i = k + 1;
    } else if (is_ident(t, i, "template") && is_punct(t, i + 1, "<")) {
      if (tmpl_lt >= 0) return fail(t[i], "an exported function can have only one template header", err);
      tmpl_lt = i + 1;
      tmpl_gt = match_bracket(t, tmpl_lt, n);
      if (tmpl_gt < 0) return fail(t[tmpl_lt], "unbalanced '<' in template header", err);
      i = tmpl_gt + 1;
    } else if (is_specifier(t, i)) {
      ++i;
    } else {
      break;
    }
  }
  if (i <= mark)
    return fail(t[mark], t[mark].text + " must begin a declaration (before 'template' or the return type)", err);
  if (!exported && ex->kind == ExportKind::function && ex->nogil)
    return fail(t[mark], "PYX_NOGIL without PYX_EXPORT", err);

  const std::string not_function = "PYX_EXPORT must be followed by a function declaration";
  int ret_begin = i, name = -1;
  for (int j = i; j < n && name < 0; ++j) {
    if (is_mark(t, j)) return fail(t[j], t[j].text + " must come before the return type", err);
    if (is_ident(t, j, "operator")) return fail(t[j], "operators cannot be exported", err);
    if (is_punct(t, j, "(") && is_ident(t, j - 1) && !is_operator_word(t[j - 1].text)) {
      if (j - 1 < ret_begin || is_cpp_keyword(t[j - 1].text))
        return fail(t[j - 1], "'" + t[j - 1].text + "' is a C++ keyword, not a function name: " + not_function, err);
      if (j - 1 == ret_begin) return fail(t[j - 1], "missing return type for '" + t[j - 1].text + "'", err);
      name = j - 1;
    } else if (is_punct(t, j, "(") || is_punct(t, j, "[")) {
      int k = match_bracket(t, j, n);
      if (k < 0) return fail(t[j], "unbalanced '" + t[j].text + "' in declaration", err);
      j = k;
    } else if (may_open_angle(t, j)) {
      int k = match_bracket(t, j, n);
      if (k >= 0) j = k;
    } else if (is_punct(t, j, ";") || is_punct(t, j, "{") || is_punct(t, j, "}") || is_punct(t, j, "=")) {
      return fail(t[mark], not_function, err);
    }
  }
  if (name < 0) return fail(t[mark], not_function, err);
  ex->name = t[name].text;
  ex->loc = {t[name].line, t[name].col};
  if (std::string why = reserved_export_name(ex->name); !why.empty())
    return fail(t[name], "cannot export a function named '" + ex->name + "': " + why + "; rename it", err);
  if (is_punct(t, name - 1, "::"))
    return fail(t[name],
                "exported function '" + ex->name + "' has a qualified name; declare it inside its namespace instead",
                err);

  int open = name + 1, close = match_bracket(t, open, n);
  if (close < 0) return fail(t[open], "unbalanced '(' in the declaration of '" + ex->name + "'", err);
  if (!parameters(t, open, close, ex, err)) return false;

  // After the parameters: cv/ref/noexcept/attributes, maybe "-> type", then '{' or ';'.
  int j = close + 1, arrow = -1, arrow_end = -1;
  for (; j < n && !is_punct(t, j, "{") && !is_punct(t, j, ";"); ++j) {
    bool stops_trailing =
        is_punct(t, j, "=") || is_ident(t, j, "requires") || is_ident(t, j, "override") || is_ident(t, j, "final");
    if (arrow >= 0 && arrow_end < 0 && stops_trailing) arrow_end = j;
    if (is_punct(t, j, "(") || is_punct(t, j, "[")) {
      int k = match_bracket(t, j, n);
      if (k < 0) return fail(t[j], "unbalanced '" + t[j].text + "' in the declaration of '" + ex->name + "'", err);
      j = k;
    } else if (may_open_angle(t, j)) {
      int k = match_bracket(t, j, n);
      if (k >= 0) j = k;
    } else if (is_punct(t, j, "->") && arrow < 0) {
      arrow = j + 1;
    } else if (is_punct(t, j, "}") || is_punct(t, j, ")") || is_punct(t, j, "]")) {
      return fail(t[j], "unbalanced '" + t[j].text + "' in the declaration of '" + ex->name + "'", err);
    }
  }
  if (j >= n) return fail(t[name], "expected '{' or ';' after the declaration of '" + ex->name + "'", err);
  *end = j;
  if (arrow >= 0 && arrow_end < 0) arrow_end = j;

  ex->return_type = type_text(t, ret_begin, name);
  if (arrow >= 0) {
    if (arrow == arrow_end) return fail(t[arrow - 1], "missing trailing return type for '" + ex->name + "'", err);
    if (ex->return_type == "auto" || ex->return_type == "decltype(auto)")
      ex->return_type = type_text(t, arrow, arrow_end);
  }
  if (tmpl_lt >= 0 && !template_params(t, tmpl_lt, tmpl_gt, ex->name, concepts, &ex->fused, err)) return false;
  return check_ufunc(t, mark, exported, ex, err);
}

bool parse_fused_concept(const Tokens& t, int begin, int concept_at, Concepts* concepts, ScanError* err) {
  const int n = static_cast<int>(t.size());
  bool header = concept_at == begin + 5 && is_ident(t, begin, "template") && is_punct(t, begin + 1, "<") &&
                (is_ident(t, begin + 2, "class") || is_ident(t, begin + 2, "typename")) && is_ident(t, begin + 3) &&
                is_punct(t, begin + 4, ">");
  if (!header || !is_ident(t, concept_at + 1) || !is_punct(t, concept_at + 2, "=")) return true;
  int lt = -1, gt = -1;
  if (!match_fused(t, concept_at + 3, n, &lt, &gt) || !is_punct(t, gt + 1, ";")) return true;
  const std::string& name = t[concept_at + 1].text;
  std::vector<std::string> list;
  if (!fused_list(t, lt, gt, &list, err, "concept '" + name + "'")) return false;
  if (list.empty() || list[0] != t[begin + 3].text) return true;  // not pyx::fused<X, ...>
  list.erase(list.begin());
  if (list.empty()) return fail(t[concept_at + 1], "empty fused type list in concept '" + name + "'", err);
  (*concepts)[name] = std::move(list);
  return true;
}

}  // namespace cxximport::scan
