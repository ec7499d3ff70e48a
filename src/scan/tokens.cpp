#include "scan/tokens.hpp"

#include <string_view>

namespace cxximport::scan {
namespace {

bool is_word(const Token& t) { return t.kind != TokKind::Punct && t.kind != TokKind::Preprocessor; }

char closer_of(const Token& t) {
  if (t.kind != TokKind::Punct || t.text.size() != 1) return 0;
  switch (t.text[0]) {
    case '(': return ')';
    case '[': return ']';
    case '{': return '}';
    default: return 0;
  }
}

bool is_closer(const Token& t) {
  return t.kind == TokKind::Punct && (t.text == ")" || t.text == "]" || t.text == "}");
}

// A template argument is a constant-expression, which cannot contain a bare
// assignment; a ';' ends any declaration.
bool stops_angle(const std::string& p) {
  return p == ";" || p == "=" || p == "+=" || p == "-=" || p == "*=" || p == "/=" || p == "%=" ||
         p == "&=" || p == "|=" || p == "^=" || p == "<<=" || p == ">>=";
}

}  // namespace

bool is_punct(const Tokens& t, int i, const char* text) {
  return i >= 0 && i < static_cast<int>(t.size()) && t[i].kind == TokKind::Punct && t[i].text == text;
}

bool is_ident(const Tokens& t, int i, const char* text) {
  return i >= 0 && i < static_cast<int>(t.size()) && t[i].kind == TokKind::Ident &&
         (!text || t[i].text == text);
}

Tokens split_shift_right(Tokens tokens) {
  Tokens out;
  out.reserve(tokens.size());
  for (Token& tok : tokens) {
    if (tok.kind == TokKind::Punct && tok.text == ">>") {
      Token second = tok;
      tok.text = ">";
      second.text = ">";
      second.col += 1;
      second.space_before = false;
      out.push_back(std::move(tok));
      out.push_back(std::move(second));
    } else {
      out.push_back(std::move(tok));
    }
  }
  return out;
}

bool may_open_angle(const Tokens& t, int i) {
  if (!is_punct(t, i, "<") || !is_ident(t, i - 1)) return false;
  static constexpr const char* kNotTemplates[] = {"true", "false", "nullptr", "this", "return",
                                                  "and",  "or",    "not",     "xor",  "bitand",
                                                  "bitor", "sizeof", "alignof"};
  for (const char* w : kNotTemplates)
    if (t[i - 1].text == w) return false;
  return true;
}

int match_bracket(const Tokens& t, int open, int end) {
  bool angle = is_punct(t, open, "<");
  char want = angle ? '>' : closer_of(t[open]);
  for (int j = open + 1; j < end; ++j) {
    const Token& tok = t[j];
    if (closer_of(tok)) {
      int k = match_bracket(t, j, end);
      if (k < 0) return -1;
      j = k;
    } else if (may_open_angle(t, j)) {
      int k = match_bracket(t, j, end);
      if (k >= 0) j = k;  // else it was a less-than
    } else if (tok.kind == TokKind::Punct && tok.text.size() == 1 && tok.text[0] == want) {
      return j;
    } else if (is_closer(tok)) {
      return -1;
    } else if (angle && tok.kind == TokKind::Punct && stops_angle(tok.text)) {
      return -1;
    }
  }
  return -1;
}

bool split_top_level(const Tokens& t, int b, int e, const char* sep, std::vector<int>* at,
                     int* bad) {
  for (int j = b; j < e; ++j) {
    if (closer_of(t[j])) {
      int k = match_bracket(t, j, e);
      if (k < 0) { *bad = j; return false; }
      j = k;
    } else if (may_open_angle(t, j)) {
      int k = match_bracket(t, j, e);
      if (k >= 0) j = k;
    } else if (is_closer(t[j])) {
      *bad = j;
      return false;
    } else if (t[j].kind == TokKind::Punct && t[j].text == sep) {
      at->push_back(j);
    }
  }
  return true;
}

std::string type_text(const Tokens& t, int b, int e) {
  std::string s;
  for (int j = b; j < e; ++j) {
    if (j > b) {
      const Token& prev = t[j - 1];
      std::string_view p = prev.text;
      bool space = p == "," ||
                   (is_word(t[j]) && (is_word(prev) || p == ">" || p == "*" || p == "&" ||
                                      p == "&&" || p == ")" || p == "]"));
      if (space) s += ' ';
    }
    s += t[j].text;
  }
  return s;
}

std::string expr_text(const Tokens& t, int b, int e) {
  std::string s;
  for (int j = b; j < e; ++j) {
    if (j > b && t[j].space_before) s += ' ';
    s += t[j].text;
  }
  return s;
}

}  // namespace cxximport::scan
