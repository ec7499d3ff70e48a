// The scope walk: follows braces to know whether a mark sits at namespace
// scope (fine), in a class (member functions are not supported) or in a
// function body, finds where each statement starts so a mark in the middle of
// other code is caught, and attaches `///` docs and namespace qualification.
#include "scan/scanner.hpp"

#include <map>
#include <optional>

#include "scan/class_decl.hpp"
#include "scan/declaration.hpp"
#include "scan/directives.hpp"
#include "scan/lexer.hpp"
#include "scan/tokens.hpp"
#include "util/utf8.hpp"

namespace cxximport::scan {
namespace {

enum class ScopeKind { Namespace, Linkage, Class, Other };

struct Scope {
  ScopeKind kind;
  std::string name;  // namespace name ("a::b"; empty if anonymous)
};

class Scanner {
 public:
  Scanner(const Lexed& lexed, Tokens tokens, ScanResult* out) : t_(std::move(tokens)), out_(out) {
    for (const Comment& c : lexed.comments)
      if (c.doc && !c.block && c.starts_line) doc_lines_[c.line] = &c;
  }

  bool run(ScanError* err) {
    const int n = static_cast<int>(t_.size());
    if (int deep = too_deep(t_, kMaxNesting); deep >= 0) return fail(t_[deep], too_deep_message(), err);
    int stmt = 0;
    for (int i = 0; i < n; ++i) {
      const Token& tok = t_[i];
      if ((is_ident(t_, i, "PYX_EXPORT") || is_ident(t_, i, "PYX_NOGIL")) &&
          (is_class_export(t_, i) || is_alias_export(t_, i))) {
        int end = -1;
        if (!class_at(stmt, i, &end, err)) return false;
        i = end;
        stmt = end + 1;
      } else if (is_ident(t_, i, "PYX_IMPORT")) {
        int end = -1;
        if (!import_at(i, &end, err)) return false;
        i = end;
        stmt = end + 1;
      } else if (is_export_mark(t_, i)) {
        int end = -1;
        if (!export_at(stmt, i, &end, err)) return false;
        i = end;
        stmt = end + 1;
        if (is_punct(t_, end, "{")) push_scope({ScopeKind::Other, ""});
      } else if (is_punct(t_, i, "{")) {
        if (scopes_.size() >= kMaxNesting) return fail(tok, too_deep_message(), err);
        push_scope(at_namespace_scope() ? classify(stmt, i) : Scope{ScopeKind::Other, ""});
        stmt = i + 1;
      } else if (is_punct(t_, i, "}")) {
        if (scopes_.empty()) return fail(tok, "unmatched '}'", err);
        pop_scope();
        stmt = i + 1;
      } else if (!at_namespace_scope()) {
        continue;
      } else if (is_punct(t_, i, ";") || tok.kind == TokKind::Preprocessor) {
        stmt = i + 1;
      } else if (is_ident(t_, i, "concept")) {
        if (!parse_fused_concept(t_, stmt, i, &concepts_, err)) return false;
      }
    }
    for (const ClassImport& imp : out_->imports)
      for (const ClassExport& c : out_->classes)
        if (c.qualified_name == imp.cpp_type) {
          *err = ScanError{imp.loc.line, imp.loc.col,
                           "PYX_IMPORT of '" + imp.cpp_type + "', which this module exports itself (line " +
                               std::to_string(c.loc.line) + "): a type has one Python type, in one module"};
          return false;
        }
    return true;
  }

 private:
  static std::string too_deep_message() {
    return "nesting too deep: brackets nested more than " + std::to_string(kMaxNesting) + " levels";
  }

  static std::string not_utf8(char byte, const std::string& where) {
    static const char* hex = "0123456789ABCDEF";
    unsigned char b = static_cast<unsigned char>(byte);
    return std::string("byte 0x") + hex[b >> 4] + hex[b & 15] + " in " + where +
           " is not UTF-8: save the file as UTF-8 (it becomes Python text)";
  }

  static bool fail(const Token& at, std::string what, ScanError* err) {
    *err = ScanError{at.line, at.col, std::move(what)};
    return false;
  }

  // Counted, not searched: a file of unmatched '{' must not cost quadratic time.
  bool at_namespace_scope() const { return bodies_ == 0; }
  static bool is_body(const Scope& s) { return s.kind == ScopeKind::Class || s.kind == ScopeKind::Other; }
  void push_scope(Scope s) {
    bodies_ += is_body(s);
    scopes_.push_back(std::move(s));
  }
  void pop_scope() {
    bodies_ -= is_body(scopes_.back());
    scopes_.pop_back();
  }

  bool export_at(int stmt, int mark, int* end, ScanError* err) {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      if (it->kind == ScopeKind::Class)
        return fail(t_[mark],
                    t_[mark].text +
                        " on a member function is not supported: export a free "
                        "function at namespace scope (it may take the object as "
                        "a parameter)",
                    err);
      if (it->kind == ScopeKind::Other)
        return fail(t_[mark],
                    t_[mark].text +
                        " inside a function body or initializer: exports must be "
                        "at namespace scope",
                    err);
    }
    Export ex;
    if (!parse_export(t_, stmt, mark, concepts_, &ex, end, err)) return false;
    // Everything below becomes Python text (names, signatures, docstrings).
    for (int k = stmt; k <= *end; ++k)
      if (std::size_t bad = invalid_utf8_at(t_[k].text); bad != std::string::npos)
        return fail(t_[k], not_utf8(t_[k].text[bad], "an exported declaration"), err);
    auto [first, inserted] = first_line_.emplace(ex.name, ex.loc.line);
    if (!inserted) {
      *err = ScanError{ex.loc.line, ex.loc.col,
                       "duplicate export '" + ex.name + "' (first exported at line " + std::to_string(first->second) +
                           "): C++ overloads are not supported, give each exported function its "
                           "own name"};
      return false;
    }
    ex.qualified_name = qualify(ex.name);
    // Text from elsewhere in the file (namespace names, a fused concept's list).
    std::vector<const std::string*> from_elsewhere = {&ex.qualified_name};
    for (const FusedParam& f : ex.fused)
      for (const std::string& type : f.types) from_elsewhere.push_back(&type);
    for (const std::string* text : from_elsewhere)
      if (std::size_t bad = invalid_utf8_at(*text); bad != std::string::npos)
        return fail(t_[mark], not_utf8((*text)[bad], "the namespace or fused concept of an export"), err);
    if (!docs_above(t_[stmt].line, &ex.doc, err)) return false;
    if (ex.doc.empty() && t_[mark].line != t_[stmt].line && !docs_above(t_[mark].line, &ex.doc, err)) return false;
    out_->exports.push_back(std::move(ex));
    return true;
  }

  // `PYX_IMPORT(module.name, ns::Type);` at namespace scope.
  bool import_at(int mark, int* end, ScanError* err) {
    const char* form =
        "PYX_IMPORT must read PYX_IMPORT(module, ns::Class); (a module name such as pkg.geometry, "
        "then the C++ class that module exports)";
    if (!at_namespace_scope()) return fail(t_[mark], "PYX_IMPORT must be at namespace scope", err);
    const int n = static_cast<int>(t_.size());
    if (!is_punct(t_, mark + 1, "(")) return fail(t_[mark], form, err);
    int close = match_bracket(t_, mark + 1, n);
    if (close < 0 || !is_punct(t_, close + 1, ";")) return fail(t_[mark], form, err);
    ClassImport imp;
    int k = mark + 2;
    while (k < close && is_ident(t_, k)) {
      imp.module += t_[k].text;
      if (!is_punct(t_, k + 1, ".")) break;
      imp.module += ".";
      k += 2;
    }
    if (imp.module.empty() || imp.module.back() == '.' || !is_punct(t_, k + 1, ",") || k + 2 >= close)
      return fail(t_[mark], form, err);
    imp.cpp_type = type_text(t_, k + 2, close);
    if (imp.cpp_type.rfind("::", 0) == 0) imp.cpp_type = imp.cpp_type.substr(2);
    for (int j = mark; j <= close; ++j)
      if (std::size_t bad = invalid_utf8_at(t_[j].text); bad != std::string::npos)
        return fail(t_[j], not_utf8(t_[j].text[bad], "PYX_IMPORT"), err);
    for (const ClassImport& other : out_->imports)
      if (other.cpp_type == imp.cpp_type)
        return fail(t_[mark],
                    "PYX_IMPORT of '" + imp.cpp_type + "' again (first at line " + std::to_string(other.loc.line) + ")",
                    err);
    imp.loc = {t_[mark].line, t_[mark].col};
    out_->imports.push_back(std::move(imp));
    *end = close + 1;
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
      if (!names_utf8(stmt, *end, err)) return false;
      auto it = templates_.find(tmpl);
      if (it == templates_.end())
        return fail(t_[mark],
                    "PYX_EXPORT using '" + name + "': '" + tmpl +
                        "' is not a class template marked PYX_EXPORT earlier in this file",
                    err);
      ClassExport c = it->second.first;
      const auto& params = it->second.second;
      if (args.size() > params.size())
        return fail(t_[mark], "PYX_EXPORT using '" + name + "': too many template arguments for '" + tmpl + "'", err);
      for (std::size_t k = 0; k < args.size(); ++k) c.template_args.push_back({params[k], args[k]});
      c.name = name;
      c.loc = loc;
      c.qualified_name = qualify(name);
      std::string doc = docs_above(t_[stmt].line);
      if (!doc.empty()) c.doc = doc;
      return doc_ok(err) && add_class(std::move(c), err);
    }
    ClassExport c;
    std::vector<std::string> params;
    if (!parse_class(t_, mark, concepts_, docs, &c, &params, end, err)) return false;
    if (!names_utf8(stmt, *end, err)) return false;
    c.doc = docs_above(t_[stmt].line);
    if (!doc_ok(err)) return false;
    if (!params.empty()) {
      std::string key = c.name;  // the right side of '=' is evaluated first
      templates_[key] = {std::move(c), std::move(params)};
      return true;
    }
    c.qualified_name = qualify(c.name);
    return add_class(std::move(c), err);
  }

  // The names and types of a class become Python text: its identifiers must
  // be UTF-8 (string literals in method bodies are the compiler's business).
  bool names_utf8(int b, int e, ScanError* err) const {
    for (int k = b; k <= e && k < static_cast<int>(t_.size()); ++k)
      if (t_[k].kind == TokKind::Ident)
        if (std::size_t bad = invalid_utf8_at(t_[k].text); bad != std::string::npos)
          return fail(t_[k], not_utf8(t_[k].text[bad], "an exported class"), err);
    return true;
  }

  bool add_class(ClassExport c, ScanError* err) {
    auto [first, inserted] = first_line_.emplace(c.name, c.loc.line);
    if (!inserted) {
      *err =
          ScanError{c.loc.line, c.loc.col,
                    "duplicate export '" + c.name + "' (first exported at line " + std::to_string(first->second) + ")"};
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
  // Not UTF-8 is an error, not a replacement: the docstring would otherwise
  // say something other than what the file does.
  bool docs_above(int line, std::string* doc, ScanError* err) const {
    int first = line;
    while (doc_lines_.count(first - 1)) --first;
    doc->clear();
    for (int l = first; l < line; ++l) {
      std::string_view text = doc_lines_.at(l)->body;
      if (std::size_t bad = invalid_utf8_at(text); bad != std::string::npos) {
        *err = ScanError{l, doc_lines_.at(l)->col, not_utf8(text[bad], "a /// docstring")};
        return false;
      }
      if (!text.empty() && text[0] == ' ') text.remove_prefix(1);
      if (l > first) *doc += '\n';
      *doc += text;
    }
    return true;
  }

  // The class scanner's callback: the docs above `line`, or "" with the
  // first decode error kept for class_at to report (doc_ok).
  std::string docs_above(int line) {
    std::string doc;
    ScanError e;
    if (docs_above(line, &doc, &e)) return doc;
    if (!doc_error_) doc_error_ = e;
    return "";
  }
  bool doc_ok(ScanError* err) {
    if (!doc_error_) return true;
    *err = *doc_error_;
    return false;
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
      if (is_ident(t_, k, "class") || is_ident(t_, k, "struct") || is_ident(t_, k, "union") || is_ident(t_, k, "enum"))
        return {ScopeKind::Class, ""};
    }
    return {ScopeKind::Other, ""};
  }

  Tokens t_;
  ScanResult* out_;
  std::vector<Scope> scopes_;
  int bodies_ = 0;  // scopes_ that are Class or Other
  Concepts concepts_;
  std::map<int, const Comment*> doc_lines_;
  std::map<std::string, std::pair<ClassExport, std::vector<std::string>>> templates_;
  std::optional<ScanError> doc_error_;
  std::map<std::string, int> first_line_;  // export name -> line, to reject overloads
};

}  // namespace

bool scan_source(std::string_view text, const std::string& filename, ScanResult* out, std::string* err) {
  *out = ScanResult{};
  Lexed lexed;
  if (!lex(text, filename, &lexed, err)) return false;
  if (!parse_directives(lexed, filename, &out->directives, err)) return false;
  if (!lexed.macro_marks.empty()) {
    const MacroMark& m = lexed.macro_marks.front();
    *err = filename + ":" + std::to_string(m.line) + ":" + std::to_string(m.col) + ": macro '" + m.macro +
           "' expands to " + m.mark +
           ", which cxximport cannot see: it reads the source before preprocessing, so the functions the "
           "macro marks would not be exported; write " +
           m.mark + " itself before each exported function";
    return false;
  }
  ScanError e;
  if (!Scanner(lexed, prepare_tokens(lexed.tokens), out).run(&e)) {
    *err = filename + ":" + std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + e.what;
    out->exports.clear();
    out->classes.clear();
    return false;
  }
  return true;
}

}  // namespace cxximport::scan
