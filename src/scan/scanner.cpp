// The scope walk: follows braces to know whether a mark sits at namespace
// scope (fine), in a class (member functions are not supported) or in a
// function body, finds where each statement starts so a mark in the middle of
// other code is caught, and attaches `///` docs and namespace qualification.
#include "scan/scanner.hpp"

#include <map>

#include "scan/class_decl.hpp"
#include "scan/declaration.hpp"
#include "scan/directives.hpp"
#include "scan/lexer.hpp"
#include "scan/tokens.hpp"

namespace cxximport::scan {
namespace {

enum class ScopeKind { Namespace, Linkage, Class, Other };

struct Scope {
  ScopeKind kind;
  std::string name;  // namespace name ("a::b"; empty if anonymous)
};

class Scanner {
 public:
  Scanner(const Lexed& lexed, Tokens tokens, ScanResult* out)
      : t_(std::move(tokens)), out_(out) {
    for (const Comment& c : lexed.comments)
      if (c.doc && !c.block && c.starts_line) doc_lines_[c.line] = &c.body;
  }

  bool run(ScanError* err) {
    const int n = static_cast<int>(t_.size());
    int stmt = 0;
    for (int i = 0; i < n; ++i) {
      const Token& tok = t_[i];
      if ((is_ident(t_, i, "PYX_EXPORT") || is_ident(t_, i, "PYX_NOGIL")) &&
          (is_class_export(t_, i) || is_alias_export(t_, i))) {
        int end = -1;
        if (!class_at(stmt, i, &end, err)) return false;
        i = end;
        stmt = end + 1;
      } else if (is_ident(t_, i, "PYX_EXPORT") || is_ident(t_, i, "PYX_NOGIL")) {
        int end = -1;
        if (!export_at(stmt, i, &end, err)) return false;
        i = end;
        stmt = end + 1;
        if (is_punct(t_, end, "{")) scopes_.push_back({ScopeKind::Other, ""});
      } else if (is_punct(t_, i, "{")) {
        scopes_.push_back(at_namespace_scope() ? classify(stmt, i) : Scope{ScopeKind::Other, ""});
        stmt = i + 1;
      } else if (is_punct(t_, i, "}")) {
        if (scopes_.empty()) return fail(tok, "unmatched '}'", err);
        scopes_.pop_back();
        stmt = i + 1;
      } else if (!at_namespace_scope()) {
        continue;
      } else if (is_punct(t_, i, ";") || tok.kind == TokKind::Preprocessor) {
        stmt = i + 1;
      } else if (is_ident(t_, i, "concept")) {
        if (!parse_fused_concept(t_, stmt, i, &concepts_, err)) return false;
      }
    }
    return true;
  }

 private:
  static bool fail(const Token& at, std::string what, ScanError* err) {
    *err = ScanError{at.line, at.col, std::move(what)};
    return false;
  }

  bool at_namespace_scope() const {
    for (const Scope& s : scopes_)
      if (s.kind == ScopeKind::Class || s.kind == ScopeKind::Other) return false;
    return true;
  }

  bool export_at(int stmt, int mark, int* end, ScanError* err) {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      if (it->kind == ScopeKind::Class)
        return fail(t_[mark], t_[mark].text + " on a member function is not supported: export a free "
                                              "function at namespace scope (it may take the object as "
                                              "a parameter)", err);
      if (it->kind == ScopeKind::Other)
        return fail(t_[mark], t_[mark].text + " inside a function body or initializer: exports must be "
                                              "at namespace scope", err);
    }
    Export ex;
    if (!parse_export(t_, stmt, mark, concepts_, &ex, end, err)) return false;
    auto [first, inserted] = first_line_.emplace(ex.name, ex.loc.line);
    if (!inserted) {
      *err = ScanError{ex.loc.line, ex.loc.col,
                       "duplicate export '" + ex.name + "' (first exported at line " +
                           std::to_string(first->second) +
                           "): C++ overloads are not supported, give each exported function its "
                           "own name"};
      return false;
    }
    ex.qualified_name = qualify(ex.name);
    ex.doc = docs_above(t_[stmt].line);
    if (ex.doc.empty() && t_[mark].line != t_[stmt].line) ex.doc = docs_above(t_[mark].line);
    out_->exports.push_back(std::move(ex));
    return true;
  }

  // An exported class, class template (kept until a `using` instantiates
  // it) or instantiation alias.
  bool class_at(int stmt, int mark, int* end, ScanError* err) {
    if (!at_namespace_scope())
      return fail(t_[mark], "PYX_EXPORT on a class must be at namespace scope (not nested in a class or function)",
                  err);
    if (mark != stmt && !is_ident(t_, stmt, "PYX_EXPORT") && !is_ident(t_, stmt, "PYX_NOGIL"))
      return fail(t_[mark], "PYX_EXPORT must begin the class declaration", err);
    auto docs = [this](int line) { return docs_above(line); };
    if (is_alias_export(t_, mark)) {
      std::string name, tmpl;
      std::vector<std::string> args;
      SourceLoc loc;
      if (!parse_class_alias(t_, mark, &name, &tmpl, &args, &loc, end, err)) return false;
      auto it = templates_.find(tmpl);
      if (it == templates_.end())
        return fail(t_[mark], "PYX_EXPORT using '" + name + "': '" + tmpl +
                                  "' is not a class template marked PYX_EXPORT earlier in this file", err);
      ClassExport c = it->second.first;
      const auto& params = it->second.second;
      if (args.size() > params.size())
        return fail(t_[mark], "PYX_EXPORT using '" + name + "': too many template arguments for '" + tmpl + "'",
                    err);
      for (std::size_t k = 0; k < args.size(); ++k) c.template_args.push_back({params[k], args[k]});
      c.name = name;
      c.loc = loc;
      c.qualified_name = qualify(name);
      std::string doc = docs_above(t_[stmt].line);
      if (!doc.empty()) c.doc = doc;
      return add_class(std::move(c), err);
    }
    ClassExport c;
    std::vector<std::string> params;
    if (!parse_class(t_, mark, concepts_, docs, &c, &params, end, err)) return false;
    c.doc = docs_above(t_[stmt].line);
    if (!params.empty()) {
      std::string key = c.name;  // the right side of '=' is evaluated first
      templates_[key] = {std::move(c), std::move(params)};
      return true;
    }
    c.qualified_name = qualify(c.name);
    return add_class(std::move(c), err);
  }

  bool add_class(ClassExport c, ScanError* err) {
    auto [first, inserted] = first_line_.emplace(c.name, c.loc.line);
    if (!inserted) {
      *err = ScanError{c.loc.line, c.loc.col,
                       "duplicate export '" + c.name + "' (first exported at line " + std::to_string(first->second) +
                           ")"};
      return false;
    }
    out_->classes.push_back(std::move(c));
    return true;
  }

  std::string qualify(const std::string& name) const {
    std::string q;
    for (const Scope& s : scopes_)
      if (s.kind == ScopeKind::Namespace && !s.name.empty()) q += s.name + "::";
    return q + name;
  }

  // Consecutive `///` lines ending right above `line`; a blank line or any
  // other line breaks the run.
  std::string docs_above(int line) const {
    int first = line;
    while (doc_lines_.count(first - 1)) --first;
    std::string doc;
    for (int l = first; l < line; ++l) {
      std::string_view text = *doc_lines_.at(l);
      if (!text.empty() && text[0] == ' ') text.remove_prefix(1);
      if (l > first) doc += '\n';
      doc += text;
    }
    return doc;
  }

  // What a '{' at namespace scope opens, judged from its statement's tokens.
  Scope classify(int stmt, int brace) const {
    int j = stmt;
    for (;;) {
      int open = is_ident(t_, j, "template") && is_punct(t_, j + 1, "<") ? j + 1
                 : is_punct(t_, j, "[") && is_punct(t_, j + 1, "[")      ? j
                                                                         : -1;
      int k = open < 0 ? -1 : match_bracket(t_, open, brace);
      if (k < 0) break;
      j = k + 1;
    }
    if (is_ident(t_, j, "inline") && is_ident(t_, j + 1, "namespace")) ++j;
    if (is_ident(t_, j, "namespace")) {
      std::string name;
      for (int k = j + 1; k < brace; ++k)
        if (is_ident(t_, k) || is_punct(t_, k, "::")) name += t_[k].text;
      return {ScopeKind::Namespace, name};
    }
    if (is_ident(t_, j, "extern") && j + 1 < brace && t_[j + 1].kind == TokKind::String)
      return {ScopeKind::Linkage, ""};
    for (int k = j; k < brace; ++k) {
      if (is_punct(t_, k, "(") || is_punct(t_, k, "=")) break;
      if (is_ident(t_, k, "class") || is_ident(t_, k, "struct") || is_ident(t_, k, "union") ||
          is_ident(t_, k, "enum"))
        return {ScopeKind::Class, ""};
    }
    return {ScopeKind::Other, ""};
  }

  Tokens t_;
  ScanResult* out_;
  std::vector<Scope> scopes_;
  Concepts concepts_;
  std::map<int, const std::string*> doc_lines_;
  std::map<std::string, std::pair<ClassExport, std::vector<std::string>>> templates_;
  std::map<std::string, int> first_line_;  // export name -> line, to reject overloads
};

}  // namespace

bool scan_source(std::string_view text, const std::string& filename, ScanResult* out,
                 std::string* err) {
  *out = ScanResult{};
  Lexed lexed;
  if (!lex(text, filename, &lexed, err)) return false;
  if (!parse_directives(lexed, filename, &out->directives, err)) return false;
  ScanError e;
  if (!Scanner(lexed, split_shift_right(lexed.tokens), out).run(&e)) {
    *err = filename + ":" + std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + e.what;
    out->exports.clear();
    out->classes.clear();
    return false;
  }
  return true;
}

}  // namespace cxximport::scan
