#include "scan/lexer.hpp"

#include <array>

namespace cxximport::scan {
namespace {

bool is_ident_start(char c) {
  // Bytes >= 0x80 are UTF-8 parts of extended identifiers.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

// Reads logical characters: backslash-newline splices (translation phase 2)
// are skipped transparently, so a "//" comment or a #define ending in '\'
// continues on the next line exactly as the compiler sees it.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  bool at_end() {
    settle();
    return pos_ >= s_.size();
  }
  char peek(int n = 0) const {
    size_t p = skip_splices(pos_);
    for (int k = 0; k < n && p < s_.size(); ++k) p = skip_splices(p + 1);
    return p < s_.size() ? s_[p] : '\0';
  }
  char get() {
    settle();
    char c = s_[pos_++];
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    return c;
  }
  // Raw strings see physical characters: splices are not applied inside them.
  bool raw_at_end() const { return pos_ >= s_.size(); }
  char raw_peek(size_t n = 0) const { return pos_ + n < s_.size() ? s_[pos_ + n] : '\0'; }
  char raw_get() {
    char c = s_[pos_++];
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    return c;
  }
  int line() {
    settle();
    return line_;
  }
  int col() {
    settle();
    return col_;
  }

 private:
  size_t skip_splices(size_t p) const {
    while (p < s_.size() && s_[p] == '\\') {
      size_t q = p + 1;
      if (q < s_.size() && s_[q] == '\r') ++q;
      if (q >= s_.size() || s_[q] != '\n') break;
      p = q + 1;
    }
    return p;
  }
  void settle() {
    size_t p = skip_splices(pos_);
    if (p != pos_) {
      for (size_t i = pos_; i < p; ++i)
        if (s_[i] == '\n') {
          ++line_;
          col_ = 1;
        }
      pos_ = p;
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  int line_ = 1, col_ = 1;
};

// Longest match first.
constexpr std::array<std::string_view, 27> kPuncts = {"...", "<=>", "<<=", ">>=", "->*", "::", "->", "++", "--",
                                                      "<<",  ">>",  "<=",  ">=",  "==",  "!=", "&&", "||", "+=",
                                                      "-=",  "*=",  "/=",  "%=",  "&=",  "|=", "^=", ".*", "##"};

class Lexer {
 public:
  Lexer(std::string_view text, const std::string& filename, Lexed* out, std::string* err)
      : r_(text), filename_(filename), out_(out), err_(err) {}

  bool run() {
    bool space = false, line_start = true;
    while (!r_.at_end()) {
      char c = r_.peek();
      if (c == '\n') {
        r_.get();
        space = true;
        line_start = true;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        r_.get();
        space = true;
        continue;
      }
      if (c == '/' && r_.peek(1) == '/') {
        line_comment(line_start);
        space = true;
        continue;
      }
      if (c == '/' && r_.peek(1) == '*') {
        if (!block_comment(line_start)) return false;
        space = true;
        continue;
      }
      Token t{TokKind::Punct, "", r_.line(), r_.col(), space};
      bool ok = true;
      if (c == '#' && line_start) {
        preprocessor(&t);
      } else if (is_ident_start(c)) {
        ok = ident_or_prefixed_literal(&t);
      } else if (is_digit(c) || (c == '.' && is_digit(r_.peek(1)))) {
        number(&t);
      } else if (c == '"' || c == '\'') {
        ok = quoted(&t, c == '"' ? TokKind::String : TokKind::Char);
      } else {
        punct(&t);
      }
      if (!ok) return false;
      out_->tokens.push_back(std::move(t));
      space = false;
      line_start = false;
    }
    return true;
  }

 private:
  bool fail(int line, int col, const std::string& what) {
    *err_ = filename_ + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what;
    return false;
  }

  void line_comment(bool starts_line) {
    Comment cm{r_.line(), r_.col(), "", false, false, starts_line};
    r_.get();
    r_.get();
    cm.doc = r_.peek() == '/' && r_.peek(1) != '/';
    if (cm.doc) r_.get();
    while (!r_.at_end() && r_.peek() != '\n') cm.body += r_.get();
    if (!cm.body.empty() && cm.body.back() == '\r') cm.body.pop_back();
    out_->comments.push_back(std::move(cm));
  }

  bool block_comment(bool starts_line) {
    Comment cm{r_.line(), r_.col(), "", true, false, starts_line};
    r_.get();
    r_.get();
    for (;;) {
      if (r_.at_end()) return fail(cm.line, cm.col, "unterminated /* comment");
      if (r_.peek() == '*' && r_.peek(1) == '/') break;
      cm.body += r_.get();
    }
    r_.get();
    r_.get();
    out_->comments.push_back(std::move(cm));
    return true;
  }

  // Consumes the logical line. A "//" ends it (the comment is lexed normally);
  // a "/* */" inside it may span lines. Quotes are skipped so "http://x" is
  // not a comment, but an unmatched one (#error don't) is not an error.
  void preprocessor(Token* t) {
    t->kind = TokKind::Preprocessor;
    t->text = "#";
    std::string code;  // the line without comments and literals, for macro_marks
    while (!r_.at_end() && r_.peek() != '\n') {
      char c = r_.peek();
      if (c == '/' && r_.peek(1) == '/') break;
      if (c == '/' && r_.peek(1) == '*') {
        r_.get();
        r_.get();
        while (!r_.at_end() && !(r_.peek() == '*' && r_.peek(1) == '/')) r_.get();
        if (!r_.at_end()) {
          r_.get();
          r_.get();
        }
        code += ' ';
        continue;
      }
      code += r_.get();
      if (c == '"' || c == '\'') {
        while (!r_.at_end() && r_.peek() != '\n' && r_.peek() != c) {
          if (r_.get() == '\\' && !r_.at_end() && r_.peek() != '\n') r_.get();
        }
        if (r_.peek() == c) r_.get();
        code += ' ';
      }
    }
    find_macro_mark(code, *t);
  }

  // "# define NAME(args) ... PYX_EXPORT ...": records the first mark.
  void find_macro_mark(const std::string& code, const Token& at) {
    std::vector<std::string> words;
    for (size_t i = 0; i < code.size();) {
      if (!is_ident_start(code[i])) {
        ++i;
        continue;
      }
      size_t b = i;
      while (i < code.size() && is_ident_char(code[i])) ++i;
      words.push_back(code.substr(b, i - b));
    }
    if (words.size() < 3 || words[0] != "define") return;
    for (size_t k = 2; k < words.size(); ++k)
      if (words[k] == "PYX_EXPORT" || words[k] == "PYX_NOGIL") {
        out_->macro_marks.push_back({at.line, at.col, words[1], words[k]});
        return;
      }
  }

  bool ident_or_prefixed_literal(Token* t) {
    t->kind = TokKind::Ident;
    while (!r_.at_end() && is_ident_char(r_.peek())) t->text += r_.get();
    const std::string& s = t->text;
    char next = r_.peek();
    bool raw_prefix = s == "R" || s == "u8R" || s == "uR" || s == "UR" || s == "LR";
    if (raw_prefix && next == '"') return raw_string(t);
    bool prefix = s == "u8" || s == "u" || s == "U" || s == "L";
    if (prefix && (next == '"' || next == '\'')) return quoted(t, next == '"' ? TokKind::String : TokKind::Char);
    return true;
  }

  // pp-number: digit separators need a digit or letter after the quote.
  void number(Token* t) {
    t->kind = TokKind::Number;
    for (;;) {
      char c = r_.peek();
      char n = r_.peek(1);
      if ((c == 'e' || c == 'E' || c == 'p' || c == 'P') && (n == '+' || n == '-')) {
        t->text += r_.get();
        t->text += r_.get();
      } else if (c == '\'' && is_ident_char(n)) {
        t->text += r_.get();
        t->text += r_.get();
      } else if (is_ident_char(c) || c == '.') {
        t->text += r_.get();
      } else {
        return;
      }
    }
  }

  bool quoted(Token* t, TokKind kind) {
    t->kind = kind;
    char q = r_.get();
    t->text += q;
    for (;;) {
      if (r_.at_end() || r_.peek() == '\n')
        return fail(t->line, t->col,
                    kind == TokKind::String ? "unterminated string literal" : "unterminated character literal");
      char c = r_.get();
      t->text += c;
      if (c == q) return true;
      if (c == '\\' && !r_.at_end() && r_.peek() != '\n') t->text += r_.get();
    }
  }

  bool raw_string(Token* t) {
    t->kind = TokKind::String;
    t->text += r_.get();  // the opening quote
    std::string delim;
    while (!r_.raw_at_end() && r_.raw_peek() != '(') {
      char c = r_.raw_peek();
      if (c == '"' || c == '\\' || c == ' ' || c == ')' || c == '\n' || delim.size() >= 16)
        return fail(t->line, t->col, "invalid raw string delimiter");
      delim += r_.raw_get();
    }
    if (r_.raw_at_end()) return fail(t->line, t->col, "unterminated raw string literal");
    t->text += delim;
    t->text += r_.raw_get();
    std::string close = ")" + delim + "\"";
    for (;;) {
      if (r_.raw_at_end()) return fail(t->line, t->col, "unterminated raw string literal");
      bool match = true;
      for (size_t k = 0; k < close.size() && match; ++k) match = r_.raw_peek(k) == close[k];
      if (match) {
        for (size_t k = 0; k < close.size(); ++k) t->text += r_.raw_get();
        return true;
      }
      t->text += r_.raw_get();
    }
  }

  void punct(Token* t) {
    t->kind = TokKind::Punct;
    char first = r_.peek();
    for (std::string_view p : kPuncts) {
      if (p[0] != first) continue;
      bool match = true;
      for (size_t k = 1; k < p.size() && match; ++k) match = r_.peek(static_cast<int>(k)) == p[k];
      if (match) {
        for (size_t k = 0; k < p.size(); ++k) t->text += r_.get();
        return;
      }
    }
    t->text += r_.get();
  }

  Reader r_;
  const std::string& filename_;
  Lexed* out_;
  std::string* err_;
};

}  // namespace

bool lex(std::string_view text, const std::string& filename, Lexed* out, std::string* err) {
  *out = Lexed{};
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  return Lexer(text, filename, out, err).run();
}

}  // namespace cxximport::scan
