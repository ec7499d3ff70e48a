#include "scan/tokens.hpp"

#include <string_view>
#include <vector>

namespace cxximport::scan {
namespace {

bool is_word(const Token& t) { return t.kind != TokKind::Punct && t.kind != TokKind::Preprocessor; }

char closer_of(const Token& t) {
  if (t.kind != TokKind::Punct || t.text.size() != 1) return 0;
  switch (t.text[0]) {
    case '(':
      return ')';
    case '[':
      return ']';
    case '{':
      return '}';
    default:
      return 0;
  }
}

bool is_closer(const Token& t) { return t.kind == TokKind::Punct && (t.text == ")" || t.text == "]" || t.text == "}"); }

// A template argument is a constant-expression, which cannot contain a bare
// assignment; a ';' ends any declaration.
bool stops_angle(const std::string& p) {
  return p == ";" || p == "=" || p == "+=" || p == "-=" || p == "*=" || p == "/=" || p == "%=" || p == "&=" ||
         p == "|=" || p == "^=" || p == "<<=" || p == ">>=";
}

// The one pass behind match_bracket(). It gives the answer the rule in
// tokens.hpp defines for each bracket: an open '<' stays tentative on the
// stack until a '>' at its level closes it, or a stop (';', an assignment) at
// its level or a closing ')', ']', '}' around it makes it a less-than. A
// mismatched closer leaves every bracket still open unbalanced, as a
// recursive scan from each of them would find.
void index_brackets(Tokens* tokens) {
  Tokens& t = *tokens;
  struct Open {
    int at;
    bool angle;
    bool header;  // `template <`: '=' gives a parameter a default there
  };
  std::vector<Open> open;
  auto drop_angles = [&] {
    while (!open.empty() && open.back().angle) open.pop_back();
  };
  auto drop_angles_before_assignment = [&] {
    while (!open.empty() && open.back().angle && !open.back().header) open.pop_back();
  };
  for (int j = 0; j < static_cast<int>(t.size()); ++j) {
    Token& tok = t[j];
    tok.match = -1;
    if (closer_of(tok)) {
      open.push_back({j, false, false});
    } else if (may_open_angle(t, j)) {
      open.push_back({j, true, t[j - 1].text == "template"});
    } else if (tok.kind != TokKind::Punct) {
      continue;
    } else if (tok.text == ">" && !open.empty() && open.back().angle) {
      t[open.back().at].match = j;
      open.pop_back();
    } else if (is_closer(tok)) {
      drop_angles();
      if (!open.empty() && closer_of(t[open.back().at]) == tok.text[0]) {
        t[open.back().at].match = j;
        open.pop_back();
      } else {
        open.clear();
      }
    } else if (tok.text == ";") {
      drop_angles();
    } else if (stops_angle(tok.text)) {
      drop_angles_before_assignment();
    }
  }
}

}  // namespace

bool is_punct(const Tokens& t, int i, const char* text) {
  return i >= 0 && i < static_cast<int>(t.size()) && t[i].kind == TokKind::Punct && t[i].text == text;
}

bool is_ident(const Tokens& t, int i, const char* text) {
  return i >= 0 && i < static_cast<int>(t.size()) && t[i].kind == TokKind::Ident && (!text || t[i].text == text);
}

Tokens prepare_tokens(Tokens tokens) {
  Tokens t;
  t.reserve(tokens.size());
  for (Token& tok : tokens) {
    if (tok.kind == TokKind::Punct && tok.text == ">>") {
      Token second = tok;
      tok.text = ">";
      second.text = ">";
      second.col += 1;
      second.space_before = false;
      t.push_back(std::move(tok));
      t.push_back(std::move(second));
    } else {
      t.push_back(std::move(tok));
    }
  }
  index_brackets(&t);
  return t;
}

bool may_open_angle(const Tokens& t, int i) {
  if (!is_punct(t, i, "<") || !is_ident(t, i - 1)) return false;
  static constexpr const char* kNotTemplates[] = {"true", "false", "nullptr", "this",  "return", "and",    "or",
                                                  "not",  "xor",   "bitand",  "bitor", "sizeof", "alignof"};
  for (const char* w : kNotTemplates)
    if (t[i - 1].text == w) return false;
  return true;
}

int match_bracket(const Tokens& t, int open, int end) {
  if (open < 0 || open >= static_cast<int>(t.size())) return -1;
  int k = t[open].match;
  return k >= 0 && k < end ? k : -1;
}

int too_deep(const Tokens& t, int limit) {
  std::vector<int> closers;  // of the brackets enclosing the current token
  for (int j = 0; j < static_cast<int>(t.size()); ++j) {
    if (!closers.empty() && closers.back() == j) closers.pop_back();
    if (t[j].match > j) {
      closers.push_back(t[j].match);
      if (static_cast<int>(closers.size()) > limit) return j;
    }
  }
  return -1;
}

bool split_top_level(const Tokens& t, int b, int e, const char* sep, std::vector<int>* at, int* bad) {
  for (int j = b; j < e; ++j) {
    if (closer_of(t[j])) {
      int k = match_bracket(t, j, e);
      if (k < 0) {
        *bad = j;
        return false;
      }
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
      bool space =
          p == "," ||
          (is_word(t[j]) && (is_word(prev) || p == ">" || p == "*" || p == "&" || p == "&&" || p == ")" || p == "]"));
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
