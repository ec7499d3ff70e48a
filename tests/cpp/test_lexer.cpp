// Tokenizer tests. Names start with "scan_lexer_" so `cxximport_unittests scan`
// runs them.
#include <string>
#include <vector>

#include "check.hpp"
#include "scan/lexer.hpp"

using namespace cxximport::scan;

namespace {

Lexed lex_ok(const std::string& src) {
  Lexed l;
  std::string err;
  CHECK(lex(src, "f.cxxpyx", &l, &err));
  CHECK_EQ(err, std::string());
  return l;
}

std::string lex_err(const std::string& src) {
  Lexed l;
  std::string err;
  CHECK(!lex(src, "f.cxxpyx", &l, &err));
  return err;
}

std::vector<std::string> texts(const Lexed& l) {
  std::vector<std::string> out;
  for (const Token& t : l.tokens) out.push_back(t.text);
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST(scan_lexer_splits_identifiers_numbers_and_punctuation) {
  Lexed l = lex_ok("std::vector<int>> x = a->b && c...;");
  CHECK(texts(l) == (V{"std", "::", "vector", "<", "int", ">>", "x", "=", "a", "->", "b", "&&", "c", "...", ";"}));
  CHECK(l.tokens[0].kind == TokKind::Ident);
  CHECK(l.tokens[1].kind == TokKind::Punct);
}

TEST(scan_lexer_tracks_line_col_and_spacing) {
  Lexed l = lex_ok("int a;\n  f( x );");
  CHECK_EQ(l.tokens.size(), 8u);
  CHECK_EQ(l.tokens[3].text, "f");
  CHECK_EQ(l.tokens[3].line, 2);
  CHECK_EQ(l.tokens[3].col, 3);
  CHECK(l.tokens[3].space_before);
  CHECK(!l.tokens[4].space_before);
  CHECK(l.tokens[5].space_before);
}

TEST(scan_lexer_numbers_keep_separators_suffixes_and_exponents) {
  Lexed l = lex_ok("1'000u 0x1Fll 2e-3f .5 1.e+10 0b1'01");
  CHECK(texts(l) == (V{"1'000u", "0x1Fll", "2e-3f", ".5", "1.e+10", "0b1'01"}));
  for (const Token& t : l.tokens) CHECK(t.kind == TokKind::Number);
}

TEST(scan_lexer_skips_comments_and_records_them) {
  Lexed l = lex_ok("a // one PYX_EXPORT\n/* two\n PYX_EXPORT */ b");
  CHECK(texts(l) == (V{"a", "b"}));
  CHECK_EQ(l.comments.size(), 2u);
  CHECK_EQ(l.comments[0].body, " one PYX_EXPORT");
  CHECK(!l.comments[0].starts_line);
  CHECK(l.comments[1].block);
  CHECK(l.comments[1].starts_line);
  CHECK_EQ(l.tokens[1].line, 3);
  CHECK(l.tokens[1].space_before);
}

TEST(scan_lexer_reports_doc_comment_lines) {
  Lexed l = lex_ok("/// first\n///second\n//// banner\n//plain\nx;");
  CHECK_EQ(l.comments.size(), 4u);
  CHECK(l.comments[0].doc);
  CHECK_EQ(l.comments[0].body, " first");
  CHECK_EQ(l.comments[0].line, 1);
  CHECK(l.comments[1].doc);
  CHECK_EQ(l.comments[1].body, "second");
  CHECK_EQ(l.comments[1].line, 2);
  CHECK(!l.comments[2].doc);
  CHECK(!l.comments[3].doc);
}

TEST(scan_lexer_string_literals_with_escapes_and_prefixes) {
  Lexed l = lex_ok(R"(f("a\"b//c", u8"x", L"y", u"z", U"w", 'q', '\'', L'c');)");
  CHECK(texts(l) == (V{"f", "(", "\"a\\\"b//c\"", ",", "u8\"x\"", ",", "L\"y\"", ",", "u\"z\"", ",", "U\"w\"", ",",
                       "'q'", ",", "'\\''", ",", "L'c'", ")", ";"}));
  CHECK(l.tokens[2].kind == TokKind::String);
  CHECK(l.tokens[12].kind == TokKind::Char);
  CHECK(l.comments.empty());
}

TEST(scan_lexer_raw_strings_with_delimiters_and_prefixes) {
  Lexed l = lex_ok("a R\"xy(PYX_EXPORT )\" \n )xy\" u8R\"(q)\" LR\"(r)\" b");
  CHECK_EQ(l.tokens.size(), 5u);
  CHECK_EQ(l.tokens[1].text, "R\"xy(PYX_EXPORT )\" \n )xy\"");
  CHECK(l.tokens[1].kind == TokKind::String);
  CHECK_EQ(l.tokens[2].text, "u8R\"(q)\"");
  CHECK_EQ(l.tokens[3].text, "LR\"(r)\"");
  CHECK_EQ(l.tokens[4].line, 2);
}

TEST(scan_lexer_raw_string_ignores_backslash_newline) {
  Lexed l = lex_ok("R\"(a\\\nb)\" c");
  CHECK_EQ(l.tokens.size(), 2u);
  CHECK_EQ(l.tokens[0].text, "R\"(a\\\nb)\"");
  CHECK_EQ(l.tokens[1].line, 2);
}

TEST(scan_lexer_preprocessor_lines_are_one_token) {
  Lexed l = lex_ok("#include <a>\n  # define X(a) \\\n   PYX_EXPORT a\nint y; #notpp\n");
  CHECK(texts(l) == (V{"#", "#", "int", "y", ";", "#", "notpp"}));
  CHECK(l.tokens[0].kind == TokKind::Preprocessor);
  CHECK(l.tokens[1].kind == TokKind::Preprocessor);
  CHECK(l.tokens[5].kind == TokKind::Punct);
  CHECK_EQ(l.tokens[2].line, 4);
}

TEST(scan_lexer_preprocessor_line_ends_at_line_comment) {
  Lexed l = lex_ok("#define URL \"http://x\" // note\n#error don't\nz");
  CHECK(texts(l) == (V{"#", "#", "z"}));
  CHECK_EQ(l.comments.size(), 1u);
  CHECK_EQ(l.comments[0].body, " note");
  CHECK_EQ(l.tokens[2].line, 3);
}

TEST(scan_lexer_preprocessor_block_comment_spans_lines) {
  Lexed l = lex_ok("#define A /* x\n y */ 1\nz");
  CHECK(texts(l) == (V{"#", "z"}));
  CHECK_EQ(l.tokens[1].line, 3);
}

TEST(scan_lexer_line_comment_continues_after_backslash) {
  Lexed l = lex_ok("// comment \\\n PYX_EXPORT int f();\nx");
  CHECK(texts(l) == (V{"x"}));
  CHECK_EQ(l.tokens[0].line, 3);
}

TEST(scan_lexer_splice_inside_identifier) {
  Lexed l = lex_ok("PYX_EX\\\nPORT y");
  CHECK(texts(l) == (V{"PYX_EXPORT", "y"}));
  CHECK_EQ(l.tokens[1].line, 2);
  CHECK_EQ(l.tokens[1].col, 6);
}

TEST(scan_lexer_crlf_line_endings) {
  Lexed l = lex_ok("// c\r\n/// d\r\nx\r\n");
  CHECK_EQ(l.comments[0].body, " c");
  CHECK_EQ(l.comments[1].body, " d");
  CHECK_EQ(l.tokens.size(), 1u);
  CHECK_EQ(l.tokens[0].line, 3);
}

TEST(scan_lexer_unterminated_block_comment_names_its_start) {
  CHECK_EQ(lex_err("int a;\n  /* open\n\n"), "f.cxxpyx:2:3: unterminated /* comment");
}

TEST(scan_lexer_unterminated_string_names_its_start) {
  CHECK_EQ(lex_err("x\n f(\"abc\n\");"), "f.cxxpyx:2:4: unterminated string literal");
  CHECK_EQ(lex_err("u8\"abc"), "f.cxxpyx:1:1: unterminated string literal");
  CHECK_EQ(lex_err("c = 'a"), "f.cxxpyx:1:5: unterminated character literal");
}

TEST(scan_lexer_unterminated_raw_string_names_its_start) {
  CHECK_EQ(lex_err("a\nb R\"d(text)e\"\n"), "f.cxxpyx:2:3: unterminated raw string literal");
}

TEST(scan_lexer_empty_input) {
  Lexed l = lex_ok("");
  CHECK(l.tokens.empty());
  CHECK(l.comments.empty());
}
