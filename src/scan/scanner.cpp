// The scope walk: follows braces to know whether a mark sits at namespace
// scope (fine), in a class (member functions are not supported) or in a
// function body, finds where each statement starts so a mark in the middle of
// other code is caught, and attaches `///` docs and namespace qualification.
#include "scan/scanner.hpp"

#include <map>

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
  Scanner(const Lexed& lexed, Tokens tokens, ScanResult* out)
      : t_(std::move(tokens)), out_(out) {
    for (const Comment& c : lexed.comments)
      if (c.doc && !c.block && c.starts_line) doc_lines_[c.line] = &c;
  }

  bool run(ScanError* err) {
    const int n = static_cast<int>(t_.size());
    if (int deep = too_deep(t_, kMaxNesting); deep >= 0) return fail(t_[deep], too_deep_message(), err);
    int stmt = 0;
    for (int i = 0; i < n; ++i) {
      const Token& tok = t_[i];
      if (is_export_mark(t_, i)) {
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
        return fail(t_[mark], t_[mark].text + " on a member function is not supported: export a free "
                                              "function at namespace scope (it may take the object as "
                                              "a parameter)", err);
      if (it->kind == ScopeKind::Other)
        return fail(t_[mark], t_[mark].text + " inside a function body or initializer: exports must be "
                                              "at namespace scope", err);
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
                       "duplicate export '" + ex.name + "' (first exported at line " +
                           std::to_string(first->second) +
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
    if (ex.doc.empty() && t_[mark].line != t_[stmt].line && !docs_above(t_[mark].line, &ex.doc, err))
      return false;
    out_->exports.push_back(std::move(ex));
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
  int bodies_ = 0;  // scopes_ that are Class or Other
  Concepts concepts_;
  std::map<int, const Comment*> doc_lines_;
  std::map<std::string, int> first_line_;  // export name -> line, to reject overloads
};

}  // namespace

bool scan_source(std::string_view text, const std::string& filename, ScanResult* out,
                 std::string* err) {
  *out = ScanResult{};
  Lexed lexed;
  if (!lex(text, filename, &lexed, err)) return false;
  if (!parse_directives(lexed, filename, &out->directives, err)) return false;
  if (!lexed.macro_marks.empty()) {
    const MacroMark& m = lexed.macro_marks.front();
    *err = filename + ":" + std::to_string(m.line) + ":" + std::to_string(m.col) + ": macro '" + m.macro +
           "' expands to " + m.mark +
           ", which cxximport cannot see: it reads the source before preprocessing, so the functions the "
           "macro marks would not be exported; write " + m.mark + " itself before each exported function";
    return false;
  }
  ScanError e;
  if (!Scanner(lexed, prepare_tokens(lexed.tokens), out).run(&e)) {
    *err = filename + ":" + std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + e.what;
    out->exports.clear();
    return false;
  }
  return true;
}

}  // namespace cxximport::scan
