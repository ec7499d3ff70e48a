// Helpers over a token range: bracket matching (with the rule for when '<'
// is a template bracket), top-level splitting, and turning tokens back into
// normalised type text or faithful expression text.
#pragma once

#include <string>
#include <vector>

#include "scan/lexer.hpp"

namespace cxximport::scan {

using Tokens = std::vector<Token>;

bool is_punct(const Tokens& t, int i, const char* text);
bool is_ident(const Tokens& t, int i, const char* text = nullptr);

// What every scan of a token stream starts with. Splits every ">>" into two
// ">" tokens (the second with no space before it) so that
// "std::vector<std::vector<int>>" closes two template brackets (expression
// text is unaffected: "a >> b" is rebuilt as written), then matches every
// bracket once, in one pass with an explicit stack, and records each opening
// bracket's closer in Token::match. One pass, no recursion: hostile nesting
// cannot overflow the C stack and a chain of unmatched '<' costs linear time.
Tokens prepare_tokens(Tokens tokens);

// Bracket nesting deeper than this is refused by the scanner ("nesting too
// deep"); clang's own default limit (-fbracket-depth) is 256 too.
constexpr int kMaxNesting = 256;

// Index of the first opening bracket nested more than `limit` deep, or -1.
int too_deep(const Tokens& t, int limit);

// The '<' rule. A '<' is a template-argument bracket only if
//   (1) the token before it is an identifier (not a literal keyword such as
//       true/false/nullptr/this, nor an operator word such as and/or/sizeof),
//   (2) a matching '>' follows (a '>>' counts as two) before the enclosing
//       bracket closes, with (), [] and {} nested properly in between, and
//   (3) no ';' and no top-level assignment ('=', '+=', ...) comes before that
//       '>': a template argument cannot contain a bare assignment (but the
//       '<' of `template <` may hold '=': `template <class T = int>`).
// Otherwise it is the less-than operator. So `T x = a < b`, `f(a < b)` and
// `(bool p = a < b, bool q = c > d)` read as comparisons, while
// `std::pair<int, int>(1, 2)` is a template. What it gets wrong is a
// comparison whose '<' is later matched by a '>' with no '=' in between, such
// as `x = a < b && c > d` written without parentheses (C++ itself resolves
// that only by knowing whether `a` names a template): parenthesise it.
bool may_open_angle(const Tokens& t, int i);

// Index of the bracket closing the one opened at `open` ("(", "[", "{" or a
// template "<"), if it comes before `end`; -1 if it is unbalanced. Reads the
// matches prepare_tokens() recorded (constant time), so `t` must come from it.
int match_bracket(const Tokens& t, int open, int end);

// Appends to *at the indices of top-level `sep` tokens in [b, e), skipping
// anything inside (), [], {} and template <>. On an unbalanced bracket returns
// false with *bad = its index.
bool split_top_level(const Tokens& t, int b, int e, const char* sep, std::vector<int>* at, int* bad);

// "pyx::cview< const T , 2 >" -> "pyx::cview<const T, 2>": a space only
// between words (and after '>', '*', '&', ')' before a word), one after ','.
std::string type_text(const Tokens& t, int b, int e);

// The tokens as written, with one space wherever the source had whitespace
// or a comment: for default expressions, which are pasted back into C++.
std::string expr_text(const Tokens& t, int b, int e);

}  // namespace cxximport::scan
