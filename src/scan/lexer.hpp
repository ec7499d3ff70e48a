// A C++ tokenizer that is just good enough for scanning declarations: it
// knows where comments, string/char/raw-string literals and preprocessor
// lines begin and end, so nothing inside them is mistaken for code. It does
// not classify keywords or evaluate anything.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cxximport::scan {

enum class TokKind {
  Ident,         // identifiers and keywords alike
  Number,        // pp-number: "1'000u", "0x10", "2e-3f"
  String,        // "..." / u8"..." / R"d(...)d", text kept verbatim
  Char,          // 'a' / L'x'
  Punct,         // "::", "<", ">>", "(", "...", ...
  Preprocessor,  // a whole #-line; text is "#"; kept so it separates statements
};

struct Token {
  TokKind kind;
  std::string text;
  int line = 0;  // 1-based, of the first character
  int col = 0;
  bool space_before = false;  // whitespace or a comment precedes it
  int match = -1;             // an opening bracket's closing token, set by prepare_tokens(); -1 if none
};

struct Comment {
  int line = 0;  // where "//" or "/*" starts
  int col = 0;
  std::string body;          // text after "//" (after "///" for doc lines), or inside /* */
  bool block = false;        // /* ... */
  bool doc = false;          // "///" but not "////"
  bool starts_line = false;  // nothing but whitespace before it on its line
};

// A `#define` whose body names PYX_EXPORT or PYX_NOGIL: the scanner reads
// the source unpreprocessed, so what such a macro marks would silently not
// be exported. The scanner refuses it.
struct MacroMark {
  int line = 0;
  int col = 0;
  std::string macro;  // the macro being defined
  std::string mark;   // "PYX_EXPORT" or "PYX_NOGIL"
};

struct Lexed {
  std::vector<Token> tokens;
  std::vector<Comment> comments;
  std::vector<MacroMark> macro_marks;
};

// Backslash-newline splices are honoured everywhere except inside raw strings.
// A UTF-8 byte order mark at the start is skipped (lines and columns count
// from after it), as compilers and editors do.
// On an unterminated comment or literal returns false with
// *err = "filename:LINE:COL: unterminated ...".
bool lex(std::string_view text, const std::string& filename, Lexed* out, std::string* err);

}  // namespace cxximport::scan
