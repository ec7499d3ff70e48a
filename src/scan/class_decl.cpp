#include "scan/class_decl.hpp"

#include <set>

namespace cxximport::scan {
namespace {

bool fail(const Token& at, std::string what, ScanError* err) {
  *err = ScanError{at.line, at.col, std::move(what)};
  return false;
}

bool is_mark(const Tokens& t, int i) {
  return is_ident(t, i, "PYX_EXPORT") || is_ident(t, i, "PYX_NOGIL") || is_ident(t, i, "PYX_PROPERTY");
}

// After the marks and an optional template header: the first token of the declaration.
int after_header(const Tokens& t, int mark, int* lt, int* gt) {
  int i = mark;
  while (is_mark(t, i)) ++i;
  *lt = *gt = -1;
  if (is_ident(t, i, "template") && is_punct(t, i + 1, "<")) {
    *lt = i + 1;
    *gt = match_bracket(t, *lt, static_cast<int>(t.size()));
    if (*gt < 0) return -1;
    i = *gt + 1;
  }
  return i;
}

Token synthetic(const Token& at, TokKind kind, std::string text) {
  Token tok = at;
  tok.kind = kind;
  tok.text = std::move(text);
  tok.space_before = true;
  return tok;
}

// The symbol of `operator SYM (`: its tokens are [op+1, *params).
std::string operator_symbol(const Tokens& t, int op, int* params) {
  if (is_punct(t, op + 1, "(") && is_punct(t, op + 2, ")")) {
    *params = op + 3;
    return "()";
  }
  if (is_punct(t, op + 1, "[") && is_punct(t, op + 2, "]")) {
    *params = op + 3;
    return "[]";
  }
  if (op + 1 < static_cast<int>(t.size()) && t[op + 1].kind == TokKind::Punct) {
    std::string sym = t[op + 1].text;
    int k = op + 2;
    // ">>" was split into two '>' tokens; '>=' after a split '>' likewise.
    while (k < static_cast<int>(t.size()) && t[k].kind == TokKind::Punct && !t[k].space_before &&
           !is_punct(t, k, "(")) {
      sym += t[k].text;
      ++k;
    }
    *params = k;
    return sym;
  }
  *params = -1;  // a conversion operator (`operator bool`)
  return "";
}

// The end of the member declaration starting at b (exclusive of its ';' or
// including its body's '}'), and where the next member starts.
bool member_extent(const Tokens& t, int b, int close, int* end, int* next, bool* is_function, ScanError* err) {
  bool saw_paren = false, saw_eq = false;
  for (int j = b; j < close;) {
    if (is_punct(t, j, ";")) {
      *end = j;
      *next = j + 1;
      *is_function = saw_paren;
      return true;
    }
    if (is_ident(t, j, "operator")) {
      int params = -1;
      operator_symbol(t, j, &params);
      j = params < 0 ? j + 1 : params;
      continue;
    }
    if (is_punct(t, j, "(") || is_punct(t, j, "[")) {
      if (is_punct(t, j, "(") && !saw_eq) saw_paren = true;
      int k = match_bracket(t, j, close);
      if (k < 0) return fail(t[j], "unbalanced '" + t[j].text + "' in a class member", err);
      j = k + 1;
      continue;
    }
    if (may_open_angle(t, j)) {
      int k = match_bracket(t, j, close);
      if (k >= 0) {
        j = k + 1;
        continue;
      }
    }
    if (is_punct(t, j, "=")) saw_eq = true;
    if (is_punct(t, j, ":") && saw_paren && !saw_eq) {
      // A constructor's member initializers: NAME(...) or NAME{...}, comma separated.
      ++j;
      for (;;) {
        while (j < close && !is_punct(t, j, "(") && !is_punct(t, j, "{")) ++j;
        int k = j < close ? match_bracket(t, j, close) : -1;
        if (k < 0) return fail(t[b], "unbalanced member initializer list", err);
        j = k + 1;
        if (is_punct(t, j, ",")) {
          ++j;
          continue;
        }
        break;
      }
      continue;
    }
    if (is_punct(t, j, "{")) {
      int k = match_bracket(t, j, close);
      if (k < 0) return fail(t[j], "unbalanced '{' in a class member", err);
      if (saw_paren && !saw_eq) {
        *end = k + 1;
        *next = k + 1;
        *is_function = true;
        return true;
      }
      j = k + 1;
      continue;
    }
    ++j;
  }
  return fail(t[b], "expected ';' after a class member", err);
}

bool data_member(const Tokens& t, int b, int e, const std::string& doc, ClassExport* out) {
  std::vector<int> commas;
  int bad = -1;
  if (!split_top_level(t, b, e, ",", &commas, &bad)) return true;
  commas.push_back(e);
  std::string base_type;
  int start = b;
  for (std::size_t k = 0; k < commas.size(); ++k) {
    int stop = commas[k];
    for (int j = start; j < stop; ++j)
      if (is_punct(t, j, "=") || is_punct(t, j, "{") || is_punct(t, j, "[") || is_punct(t, j, ":")) {
        if (is_punct(t, j, "[")) return true;  // C arrays are not attributes
        if (!is_punct(t, j, ":") || !is_punct(t, j + 1, ":")) {
          stop = j;
          break;
        }
        ++j;
      }
    int name = stop - 1;
    if (name <= start - (k ? 1 : 0) || !is_ident(t, name)) return true;
    std::string type = k == 0 ? type_text(t, start, name) : base_type;
    if (k == 0) base_type = type;
    if (type.empty() || type.find('&') != std::string::npos) return true;
    bool readonly = type.rfind("const ", 0) == 0 || type.find(" const") != std::string::npos;
    if (type.find('*') != std::string::npos) return true;
    out->fields.push_back({t[name].text, type, readonly, doc, {t[name].line, t[name].col}});
    start = commas[k] + 1;
  }
  return true;
}

struct MemberFlags {
  bool is_static = false, property = false, nogil = false, ctor = false, is_friend = false;
  std::string op;  // operator symbol
};

// `Vec`, `const Vec&`, `Vec const&`, `Vec&&`, `Vec<T>&`: the class itself.
bool is_class_type(std::string type, const std::string& cls) {
  if (type.rfind("const ", 0) == 0) type = type.substr(6);
  while (!type.empty() && (type.back() == '&' || type.back() == ' ')) type.pop_back();
  if (type.size() > 6 && type.compare(type.size() - 6, 6, " const") == 0) type.resize(type.size() - 6);
  return type == cls || type.rfind(cls + "<", 0) == 0;
}

// A member function as a free-function declaration parse_export can read.
bool function_member(const Tokens& t, int b, int e, const std::string& cls, const Concepts& concepts,
                     const std::string& doc, ClassExport* out, ScanError* err) {
  MemberFlags f;
  Tokens d;
  d.push_back(synthetic(t[b], TokKind::Ident, "PYX_EXPORT"));
  int tmpl_end = -1;
  if (is_ident(t, b, "template") && is_punct(t, b + 1, "<")) tmpl_end = match_bracket(t, b + 1, e);
  bool name_seen = false;
  for (int j = b; j < e; ++j) {
    const Token& tok = t[j];
    if (is_punct(t, j, "~")) return true;
    if (is_ident(t, j, "friend")) {  // only friend operators are read (as operators of the class)
      f.is_friend = true;
      continue;
    }
    if (is_ident(t, j, "static")) f.is_static = true;
    if (is_ident(t, j, "PYX_PROPERTY")) f.property = true;
    if (is_ident(t, j, "PYX_NOGIL")) f.nogil = true;
    if (is_mark(t, j) || is_ident(t, j, "virtual") || is_ident(t, j, "explicit") || is_ident(t, j, "static")) continue;
    if (!name_seen && j > tmpl_end && is_ident(t, j, cls.c_str()) && is_punct(t, j + 1, "(")) {
      if (is_ident(t, j - 1, "explicit") || j == b || j == tmpl_end + 1 || is_mark(t, j - 1) ||
          is_ident(t, j - 1, "constexpr") || is_ident(t, j - 1, "inline")) {
        // Copy and move constructors are how Python copies, not how it constructs.
        int k = j + 2;
        if (is_ident(t, k, "const")) ++k;
        if (is_ident(t, k, cls.c_str()) && (is_punct(t, k + 1, "&") || is_punct(t, k + 1, "&&")) &&
            (is_punct(t, k + 2, ")") || (is_ident(t, k + 2) && is_punct(t, k + 3, ")"))))
          return true;
        f.ctor = true;
        d.push_back(synthetic(tok, TokKind::Ident, "void"));
      }
    }
    if (!name_seen && is_ident(t, j, "operator")) {
      int params = -1;
      f.op = operator_symbol(t, j, &params);
      if (params < 0) return true;  // conversion operators are not exported
      d.push_back(synthetic(tok, TokKind::Ident, "operator_"));
      j = params - 1;
      name_seen = true;
      continue;
    }
    if (is_punct(t, j, "(") && j > tmpl_end) name_seen = true;
    d.push_back(tok);
  }
  // `= delete`: not callable; `= default` / `= 0` are fine.
  for (std::size_t k = 1; k + 1 < d.size(); ++k)
    if (is_punct(d, static_cast<int>(k), "=") && is_ident(d, static_cast<int>(k + 1), "delete")) return true;
  d.push_back(synthetic(t[e - 1], TokKind::Punct, ";"));
  // A new stream: its brackets are matched anew (the copied tokens' matches
  // index the class's stream, not this one).
  d = prepare_tokens(std::move(d));
  Export ex;
  int end = -1;
  if (!parse_export(d, 0, 0, concepts, &ex, &end, err)) return false;
  ex.nogil = f.nogil;
  ex.doc = doc;
  // const after the parameter list
  for (int k = 0; k < static_cast<int>(d.size()); ++k) {
    if (d[k].line == ex.loc.line && d[k].col == ex.loc.col && is_punct(d, k + 1, "(")) {
      for (int j = match_bracket(d, k + 1, static_cast<int>(d.size())) + 1; j > 0 && j < static_cast<int>(d.size());
           ++j) {
        if (is_ident(d, j, "const")) ex.is_const = true;
        if (is_punct(d, j, "{") || is_punct(d, j, ";") || is_punct(d, j, "=") || is_punct(d, j, ":") ||
            is_punct(d, j, "->"))
          break;
      }
      break;
    }
  }
  if (f.ctor) {
    ex.name = cls;
    // Copy and move constructors are how Python copies, not how it constructs.
    if (ex.params.size() == 1) {
      const std::string& ty = ex.params[0].type;
      if (ty == "const " + cls + "&" || ty == cls + "&&" || ty == cls + " const&" || ty == cls + "&") return true;
    }
    out->ctors.push_back(std::move(ex));
    return true;
  }
  if (f.is_friend && (f.op.empty() || ex.params.size() != 2)) return true;
  if (!f.op.empty()) {
    ex.name = "operator" + f.op;
    bool reflected = false;
    if (f.is_friend) {  // the class's own operand becomes `*this`
      reflected = !is_class_type(ex.params[0].type, cls);
      if (reflected && !is_class_type(ex.params[1].type, cls)) return true;
      ex.params.erase(ex.params.begin() + (reflected ? 1 : 0));
    }
    out->operators.push_back({f.op, std::move(ex), reflected});
    return true;
  }
  if (f.property) {
    bool setter = ex.name.rfind("set_", 0) == 0 && ex.params.size() == 1;
    if (!setter && !ex.params.empty())
      return fail(t[b],
                  "PYX_PROPERTY getter '" + ex.name +
                      "' must take no parameters (a setter is named set_NAME "
                      "and takes one)",
                  err);
    if (setter) {
      std::string pname = ex.name.substr(4);
      bool merged = false;
      for (auto& p : out->properties)
        if (p.name == pname) {
          p.setter = ex.name;
          merged = true;
        }
      if (!merged) out->properties.push_back({pname, ex.name, "\x01"});  // getter not seen yet
    } else {
      bool merged = false;
      for (auto& p : out->properties)
        if (p.name == ex.name) {
          p.doc = doc;
          merged = true;
        }
      if (!merged) out->properties.push_back({ex.name, "", doc});
    }
    out->methods.push_back(std::move(ex));  // the getter/setter stay callable as methods
    return true;
  }
  (f.is_static ? out->statics : out->methods).push_back(std::move(ex));
  return true;
}

bool members(const Tokens& t, int open, int close, bool is_struct, const std::string& cls, const Concepts& concepts,
             const DocsAbove& docs, ClassExport* out, ScanError* err) {
  bool is_public = is_struct, any_ctor = false;
  for (int b = open + 1; b < close;) {
    if (is_punct(t, b, ";") || t[b].kind == TokKind::Preprocessor) {
      ++b;
      continue;
    }
    if ((is_ident(t, b, "public") || is_ident(t, b, "private") || is_ident(t, b, "protected")) &&
        is_punct(t, b + 1, ":")) {
      is_public = t[b].text == "public";
      b += 2;
      continue;
    }
    int end = -1, next = -1;
    bool fn = false;
    if (!member_extent(t, b, close, &end, &next, &fn, err)) return false;
    int first = b;
    while (is_mark(t, first)) ++first;
    bool skip = is_ident(t, first, "using") || is_ident(t, first, "typedef") || is_ident(t, first, "static_assert") ||
                is_ident(t, first, "friend") || is_ident(t, first, "struct") || is_ident(t, first, "class") ||
                is_ident(t, first, "enum") || is_ident(t, first, "union");
    if (fn && !skip) {
      bool ctor = false;
      for (int j = b; j < end && !ctor; ++j)
        ctor = is_ident(t, j, cls.c_str()) && is_punct(t, j + 1, "(") && !is_punct(t, j - 1, "~") &&
               !is_punct(t, j - 1, "::");
      any_ctor = any_ctor || ctor;
    }
    // A friend operator is public whatever the section; other friends are not ours.
    bool friend_fn = false;
    for (int j = first; fn && is_ident(t, first, "friend") && j < end && !friend_fn; ++j)
      friend_fn = is_ident(t, j, "operator");
    if ((is_public && !skip) || friend_fn) {
      std::string doc = docs(t[b].line);
      if (fn) {
        std::size_t nmethods = out->methods.size();
        if (!function_member(t, b, end, cls, concepts, doc, out, err)) return false;
        (void)nmethods;
      } else {
        bool is_static = false;
        for (int j = b; j < end; ++j) is_static = is_static || is_ident(t, j, "static");
        int s = b;
        while (is_ident(t, s, "mutable") || is_ident(t, s, "inline")) ++s;
        if (!is_static && !data_member(t, s, end, doc, out)) return false;
      }
    }
    b = next;
  }
  out->has_default_ctor = !any_ctor;
  std::set<std::string> seen;
  for (const auto& m : out->methods) {
    if (!seen.insert(m.name).second)
      return fail(
          t[open],
          "class '" + cls + "' has overloaded public method '" + m.name + "': give each exported method its own name",
          err);
  }
  for (const auto& p : out->properties)
    if (p.doc == "\x01")
      return fail(t[open], "PYX_PROPERTY setter 'set_" + p.name + "' of '" + cls + "' has no getter '" + p.name + "'",
                  err);
  return true;
}

}  // namespace

bool is_class_export(const Tokens& t, int mark) {
  int lt, gt;
  int i = after_header(t, mark, &lt, &gt);
  return i >= 0 && (is_ident(t, i, "struct") || is_ident(t, i, "class")) && is_ident(t, i + 1);
}

bool is_alias_export(const Tokens& t, int mark) {
  int i = mark;
  while (is_mark(t, i)) ++i;
  return is_ident(t, i, "using") && is_ident(t, i + 1) && is_punct(t, i + 2, "=");
}

bool parse_class(const Tokens& t, int mark, const Concepts& concepts, const DocsAbove& docs, ClassExport* out,
                 std::vector<std::string>* tmpl_params, int* end, ScanError* err) {
  const int n = static_cast<int>(t.size());
  int lt, gt;
  int i = after_header(t, mark, &lt, &gt);
  if (i < 0) return fail(t[mark], "unbalanced '<' in template header", err);
  for (int k = mark; k < i; ++k)
    if (is_ident(t, k, "PYX_NOGIL") || is_ident(t, k, "PYX_PROPERTY"))
      return fail(t[k], t[k].text + " applies to functions and methods, not to a class", err);
  tmpl_params->clear();
  if (lt >= 0) {
    std::vector<int> commas;
    int bad = -1;
    if (!split_top_level(t, lt + 1, gt, ",", &commas, &bad))
      return fail(t[bad], "unbalanced '" + t[bad].text + "' in template header", err);
    commas.push_back(gt);
    int start = lt + 1;
    for (int c : commas) {
      int stop = c;
      for (int k = start; k < c; ++k)
        if (is_punct(t, k, "=")) {
          stop = k;
          break;
        }
      if (stop - 1 < start || !is_ident(t, stop - 1))
        return fail(t[start], "every template parameter of an exported class needs a name", err);
      tmpl_params->push_back(t[stop - 1].text);
      start = c + 1;
    }
  }
  bool is_struct = t[i].text == "struct";
  out->name = t[i + 1].text;
  out->loc = {t[i + 1].line, t[i + 1].col};
  int j = i + 2;
  for (; j < n && !is_punct(t, j, "{") && !is_punct(t, j, ";"); ++j) {
    if (is_ident(t, j, "final")) out->is_final = true;
    if (may_open_angle(t, j)) {
      int k = match_bracket(t, j, n);
      if (k >= 0) j = k;
    }
  }
  if (j >= n || is_punct(t, j, ";"))
    return fail(t[i + 1], "PYX_EXPORT on class '" + out->name + "' needs its definition ({ ... };) here", err);
  if (out->is_final)
    return fail(t[i + 1],
                "exported class '" + out->name +
                    "' is final: cxximport binds a class through a "
                    "derived helper, remove 'final'",
                err);
  int close = match_bracket(t, j, n);
  if (close < 0) return fail(t[j], "unbalanced '{' in class '" + out->name + "'", err);
  if (!is_punct(t, close + 1, ";"))
    return fail(
        t[close],
        "expected ';' after the definition of exported class '" + out->name + "' (declare variables of it separately)",
        err);
  *end = close + 1;
  return members(t, j, close, is_struct, out->name, concepts, docs, out, err);
}

bool parse_class_alias(const Tokens& t, int mark, std::string* name, std::string* tmpl, std::vector<std::string>* args,
                       SourceLoc* loc, int* end, ScanError* err) {
  const int n = static_cast<int>(t.size());
  int i = mark;
  while (is_mark(t, i)) ++i;
  *name = t[i + 1].text;
  *loc = {t[i + 1].line, t[i + 1].col};
  int lt = -1;
  for (int k = i + 3; k < n && !is_punct(t, k, ";"); ++k)
    if (is_punct(t, k, "<")) {
      lt = k;
      break;
    }
  if (lt < 0 || !is_ident(t, lt - 1))
    return fail(t[i + 1],
                "PYX_EXPORT using '" + *name +
                    "' must name a class template instantiation, "
                    "e.g. Accumulator<double>",
                err);
  *tmpl = t[lt - 1].text;
  int gt = match_bracket(t, lt, n);
  if (gt < 0 || !is_punct(t, gt + 1, ";")) return fail(t[lt], "expected 'Template<args>;' in '" + *name + "'", err);
  std::vector<int> commas;
  int bad = -1;
  if (!split_top_level(t, lt + 1, gt, ",", &commas, &bad))
    return fail(t[bad], "unbalanced '" + t[bad].text + "' in '" + *name + "'", err);
  commas.push_back(gt);
  int start = lt + 1;
  for (int c : commas) {
    args->push_back(expr_text(t, start, c));
    start = c + 1;
  }
  *end = gt + 1;
  return true;
}

}  // namespace cxximport::scan
