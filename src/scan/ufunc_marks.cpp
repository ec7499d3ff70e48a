#include "scan/ufunc_marks.hpp"

#include <cctype>

namespace cxximport::scan {
namespace {

bool fail(const Token& at, std::string what, ScanError* err) {
  *err = ScanError{at.line, at.col, std::move(what)};
  return false;
}

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// "(a,b)" at s[*i]: appends the names; NumPy's own grammar (a name or a
// fixed size, maybe followed by '?').
bool parse_operand(const std::string& s, std::size_t* i, std::vector<std::string>* dims, std::string* what) {
  if (*i >= s.size() || s[*i] != '(') {
    *what = "expected '(' at position " + std::to_string(*i + 1);
    return false;
  }
  ++*i;
  if (*i < s.size() && s[*i] == ')') {
    ++*i;
    return true;
  }
  for (;;) {
    std::size_t start = *i;
    while (*i < s.size() && is_name_char(s[*i])) ++*i;
    if (*i == start) {
      *what = "expected a dimension name at position " + std::to_string(*i + 1);
      return false;
    }
    std::string name = s.substr(start, *i - start);
    if (*i < s.size() && s[*i] == '?') ++*i;
    dims->push_back(name);
    if (*i < s.size() && s[*i] == ',') {
      ++*i;
      continue;
    }
    if (*i < s.size() && s[*i] == ')') {
      ++*i;
      return true;
    }
    *what = "expected ',' or ')' at position " + std::to_string(*i + 1);
    return false;
  }
}

bool parse_operands(const std::string& s, std::size_t* i, std::vector<std::vector<std::string>>* core,
                    std::string* what) {
  for (;;) {
    core->emplace_back();
    if (!parse_operand(s, i, &core->back(), what)) return false;
    if (*i < s.size() && s[*i] == ',') {
      ++*i;
      continue;
    }
    return true;
  }
}

// A plain "..." literal's contents; empty optional for raw or prefixed ones.
bool string_contents(const Token& tok, std::string* out) {
  const std::string& s = tok.text;
  if (tok.kind != TokKind::String || s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (std::size_t k = 1; k + 1 < s.size(); ++k) {
    if (s[k] == '\\') return false;
    if (!std::isspace(static_cast<unsigned char>(s[k]))) *out += s[k];
  }
  return true;
}

}  // namespace

bool is_ufunc_mark(const Tokens& t, int i) {
  // The scanner asks at every token: one prefix check rejects nearly all
  // of them before six string comparisons (a warm hit scans, issue 15).
  if (!is_ident(t, i) || t[i].text.compare(0, 4, "PYX_") != 0) return false;
  return is_ident(t, i, "PYX_UFUNC") || is_ident(t, i, "PYX_GUFUNC") || is_ident(t, i, "PYX_UFUNC_IDENTITY") ||
         is_ident(t, i, "PYX_UFUNC_GIL") || is_ident(t, i, "PYX_UFUNC_PARALLEL") ||
         is_ident(t, i, "PYX_UFUNC_PARALLEL_MIN");
}

bool parse_gufunc_signature(const std::string& sig, std::vector<std::vector<std::string>>* core, int* nin,
                            std::string* what) {
  std::size_t i = 0;
  if (!parse_operands(sig, &i, core, what)) return false;
  *nin = static_cast<int>(core->size());
  if (sig.compare(i, 2, "->") != 0) {
    *what = "expected '->' at position " + std::to_string(i + 1);
    return false;
  }
  i += 2;
  if (!parse_operands(sig, &i, core, what)) return false;
  if (i != sig.size()) {
    *what = "unexpected '" + sig.substr(i, 1) + "' at position " + std::to_string(i + 1);
    return false;
  }
  return true;
}

bool parse_ufunc_mark(const Tokens& t, int i, Export* ex, int* next, ScanError* err) {
  const std::string& mark = t[i].text;
  const int n = static_cast<int>(t.size());
  int close = -1;
  if (is_punct(t, i + 1, "(")) {
    close = match_bracket(t, i + 1, n);
    if (close < 0) return fail(t[i + 1], "unbalanced '(' after " + mark, err);
  }
  *next = close < 0 ? i + 1 : close + 1;
  bool has_arg = close > i + 2;
  if (mark == "PYX_UFUNC" || mark == "PYX_UFUNC_GIL" || mark == "PYX_UFUNC_PARALLEL") {
    if (close >= 0) return fail(t[i + 1], mark + " takes no argument", err);
  } else if ((mark == "PYX_GUFUNC" || mark == "PYX_UFUNC_IDENTITY") && !has_arg) {
    return fail(t[i],
                mark == "PYX_GUFUNC" ? "PYX_GUFUNC needs its signature, e.g. PYX_GUFUNC(\"(n),(n)->()\")"
                                     : "PYX_UFUNC_IDENTITY needs a value, e.g. PYX_UFUNC_IDENTITY(0)",
                err);
  }
  if ((mark == "PYX_UFUNC" || mark == "PYX_GUFUNC") && ex->kind != ExportKind::function)
    return fail(t[i], mark + " given twice (a function is either one ufunc or one gufunc)", err);
  if (mark == "PYX_UFUNC") {
    ex->kind = ExportKind::ufunc;
  } else if (mark == "PYX_GUFUNC") {
    std::string sig;
    if (close != i + 3 || !string_contents(t[i + 2], &sig))
      return fail(t[i + 2], "PYX_GUFUNC takes one plain string literal, e.g. PYX_GUFUNC(\"(n),(n)->()\")", err);
    std::string what;
    if (!parse_gufunc_signature(sig, &ex->ufunc.core, &ex->ufunc.nin, &what))
      return fail(t[i + 2],
                  "bad gufunc signature \"" + sig + "\": " + what +
                      " (NumPy's form is \"(n),(n)->()\": operands in parentheses, '->' before the outputs)",
                  err);
    ex->kind = ExportKind::gufunc;
    ex->ufunc.signature = sig;
  } else if (mark == "PYX_UFUNC_IDENTITY") {
    ex->ufunc.identity = expr_text(t, i + 2, close);
  } else if (mark == "PYX_UFUNC_GIL") {
    ex->ufunc.needs_gil = true;
  } else if (mark == "PYX_UFUNC_PARALLEL") {
    ex->ufunc.parallel = true;
  } else {  // PYX_UFUNC_PARALLEL_MIN(n)
    if (close != i + 3 || t[i + 2].kind != TokKind::Number)
      return fail(t[i], "PYX_UFUNC_PARALLEL_MIN takes an element count, e.g. PYX_UFUNC_PARALLEL_MIN(100000)", err);
    ex->ufunc.parallel = true;
    ex->ufunc.parallel_threshold = t[i + 2].text;
  }
  return true;
}

bool check_ufunc(const Tokens& t, int mark, bool exported, Export* ex, ScanError* err) {
  const Token& at = t[mark];
  bool any_option = !ex->ufunc.identity.empty() || ex->ufunc.needs_gil || ex->ufunc.parallel;
  if (ex->kind == ExportKind::function) {
    if (any_option) return fail(at, "PYX_UFUNC_* options need PYX_UFUNC or PYX_GUFUNC before the function", err);
    return true;
  }
  const std::string what = ex->kind == ExportKind::ufunc ? "PYX_UFUNC" : "PYX_GUFUNC";
  if (exported)
    return fail(at,
                "PYX_EXPORT and " + what + " on '" + ex->name +
                    "': a function is exported either as a Python function or as a ufunc",
                err);
  if (ex->nogil)
    return fail(at,
                "PYX_NOGIL on ufunc '" + ex->name +
                    "': ufunc loops run without the GIL already "
                    "(PYX_UFUNC_GIL asks for it)",
                err);
  if (ex->ufunc.needs_gil && ex->ufunc.parallel)
    return fail(at, "PYX_UFUNC_GIL and PYX_UFUNC_PARALLEL on '" + ex->name + "': threads cannot all hold the GIL", err);
  for (const Param& p : ex->params)
    if (!p.default_value.empty())
      return fail(t[mark],
                  "parameter '" + p.name + "' of ufunc '" + ex->name +
                      "' has a default value; ufunc arguments cannot have defaults",
                  err);
  const int nparams = static_cast<int>(ex->params.size());
  if (ex->kind == ExportKind::ufunc) {
    if (nparams == 0) return fail(at, "ufunc '" + ex->name + "' needs at least one input parameter", err);
    if (ex->return_type == "void")
      return fail(at, "ufunc '" + ex->name + "' returns void: return the output (a std::tuple for several)", err);
    return true;
  }
  const UfuncInfo& u = ex->ufunc;
  const int nops = static_cast<int>(u.core.size());
  const std::string sig = "\"" + u.signature + "\"";
  if (nparams < u.nin)
    return fail(at,
                "gufunc '" + ex->name + "' has " + std::to_string(nparams) + " parameters but its signature " + sig +
                    " has " + std::to_string(u.nin) + " inputs",
                err);
  if (nparams > nops)
    return fail(at,
                "gufunc '" + ex->name + "' has " + std::to_string(nparams) + " parameters but its signature " + sig +
                    " has only " + std::to_string(nops) + " operands",
                err);
  if (nparams < nops && ex->return_type == "void")
    return fail(at,
                "gufunc '" + ex->name + "': the outputs of " + sig +
                    " after the parameters must be returned, but it returns void",
                err);
  for (int k = nparams; k < nops; ++k)
    if (!u.core[k].empty())
      return fail(at,
                  "gufunc '" + ex->name + "': output " + std::to_string(k - u.nin + 1) + " of " + sig +
                      " has core dimensions, so it must be a parameter (a mutable pyx::view), not returned",
                  err);
  if (nparams == nops && ex->return_type != "void")
    return fail(
        at, "gufunc '" + ex->name + "' returns a value but every operand of " + sig + " is a parameter: return void",
        err);
  return true;
}

}  // namespace cxximport::scan
