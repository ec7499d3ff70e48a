#include "codegen/omp_rewrite.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>
#include <vector>

#include "scan/lexer.hpp"
#include "scan/tokens.hpp"

namespace cxximport::codegen {

namespace {

using scan::Tokens;
using scan::TokKind;

enum class Kind {
  none,      // not a construct this rewrite handles (simd, atomic, barrier, declare ...)
  loop,      // for, parallel for, taskloop (and their simd forms): the innermost associated body
  block,     // parallel, single, master, masked, critical, task, taskgroup, section, ordered
  sections,  // sections, parallel sections: the implicit first section; `section`s are blocks
};

// One preprocessor line of the source.
struct Directive {
  std::size_t begin = 0, end = 0;  // [the '#', the newline that ends the logical line)
  std::vector<std::string> words;  // leading identifiers: "pragma", "omp", "parallel", "for", ...
  std::string pragma;              // for #pragma: the text after "pragma", comments removed
};

struct Construct {
  int at = 0;  // the pragma's token
  Kind kind = Kind::none;
  std::string name;       // "parallel", "parallel for", "single", ...
  bool data_env = false;  // parallel/task/taskloop: our variable is passed in as firstprivate
  bool synchronised = false;
  int last = -1;                        // the construct's last token
  int body_first = -1, body_last = -1;  // what the try/catch encloses (-1: nothing)
  bool ok = false;
  bool outer = false;
  bool in_ok = false;  // inside the statement of a construct that is rewritten
};

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Reads the logical line that starts at `at` as the compiler will: splices
// joined, comments dropped, literals kept.
Directive read_directive(const std::string& s, std::size_t at) {
  Directive d;
  d.begin = at;
  std::string code;
  std::size_t i = at + 1;
  auto splice = [&](std::size_t p) {
    if (p >= s.size() || s[p] != '\\') return std::size_t{0};
    std::size_t q = p + 1;
    if (q < s.size() && s[q] == '\r') ++q;
    return q < s.size() && s[q] == '\n' ? q + 1 - p : 0;
  };
  while (i < s.size() && s[i] != '\n') {
    if (std::size_t n = splice(i)) {
      i += n;
      continue;
    }
    if (s[i] == '/' && i + 1 < s.size() && s[i + 1] == '/') {
      while (i < s.size() && s[i] != '\n') i += splice(i) ? splice(i) : 1;
      break;
    }
    if (s[i] == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      std::size_t close = s.find("*/", i + 2);
      i = close == std::string::npos ? s.size() : close + 2;
      code += ' ';
      continue;
    }
    char c = s[i++];
    code += c;
    if (c == '"' || c == '\'') {
      while (i < s.size() && s[i] != '\n' && s[i] != c) {
        if (std::size_t n = splice(i)) {
          i += n;
          continue;
        }
        if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] != '\n') code += s[i++];
        code += s[i++];
      }
      if (i < s.size() && s[i] == c) code += s[i++];
    }
  }
  d.end = i;
  while (!code.empty() && std::isspace(static_cast<unsigned char>(code.back()))) code.pop_back();
  // The leading words, up to the first non-identifier.
  std::size_t p = 0;
  while (p < code.size()) {
    while (p < code.size() && std::isspace(static_cast<unsigned char>(code[p]))) ++p;
    if (p >= code.size() || !ident_start(code[p])) break;
    std::size_t b = p;
    while (p < code.size() && ident_char(code[p])) ++p;
    if (d.words.empty() && code.compare(b, p - b, "pragma") == 0) {
      std::size_t q = p;
      while (q < code.size() && std::isspace(static_cast<unsigned char>(code[q]))) ++q;
      d.pragma = code.substr(q);
    }
    d.words.push_back(code.substr(b, p - b));
  }
  return d;
}

// The value of an integer clause (`collapse(2)`): 1 when absent, 0 when it is
// not a plain literal (the construct is then left alone).
int clause_value(const std::string& text, std::string_view clause) {
  for (std::size_t p = text.find(clause); p != std::string::npos; p = text.find(clause, p + 1)) {
    if ((p > 0 && ident_char(text[p - 1])) || (p + clause.size() < text.size() && ident_char(text[p + clause.size()])))
      continue;
    std::size_t q = p + clause.size();
    while (q < text.size() && text[q] == ' ') ++q;
    if (q >= text.size() || text[q] != '(') return clause == "ordered" ? 1 : 0;  // `ordered` without a count
    std::size_t close = text.find(')', q);
    if (close == std::string::npos) return 0;
    std::string v = text.substr(q + 1, close - q - 1);
    v.erase(std::remove(v.begin(), v.end(), ' '), v.end());
    if (v.empty() || v.size() > 2 || !std::all_of(v.begin(), v.end(), ::isdigit)) return 0;
    return std::stoi(v);
  }
  return 1;
}

bool has_word(const std::string& text, std::string_view w) {
  for (std::size_t p = text.find(w); p != std::string::npos; p = text.find(w, p + 1))
    if ((p == 0 || !ident_char(text[p - 1])) && (p + w.size() >= text.size() || !ident_char(text[p + w.size()])))
      return true;
  return false;
}

// Which construct an `omp` pragma opens (words after "pragma omp").
void classify(const Directive& d, Construct* c) {
  if (d.words.size() < 3 || d.words[0] != "pragma" || d.words[1] != "omp") return;
  const std::string& w0 = d.words[2];
  const std::string w1 = d.words.size() > 3 ? d.words[3] : "";
  c->name = w0;
  if (w0 == "for" || w0 == "taskloop") {
    c->kind = Kind::loop;
  } else if (w0 == "parallel") {
    if (w1 == "for" || w1 == "sections" || w1 == "master" || w1 == "masked") c->name += " " + w1;
    c->kind = w1 == "for" ? Kind::loop : w1 == "sections" ? Kind::sections : w1 == "loop" ? Kind::none : Kind::block;
  } else if (w0 == "sections") {
    c->kind = Kind::sections;
  } else if (w0 == "ordered") {
    // `ordered depend(...)` / `doacross(...)` stand alone: no block.
    if (!has_word(d.pragma, "depend") && !has_word(d.pragma, "doacross")) c->kind = Kind::block;
  } else if (w0 == "single" || w0 == "master" || w0 == "masked" || w0 == "critical" || w0 == "task" ||
             w0 == "taskgroup" || w0 == "section") {
    c->kind = Kind::block;
  }
  c->data_env = c->kind != Kind::none && (w0 == "parallel" || w0 == "task" || w0 == "taskloop");
}

class Rewriter {
 public:
  explicit Rewriter(const std::string& s) : s_(s) {}

  std::string run() {
    scan::Lexed lexed;
    std::string err;
    if (!scan::lex(s_, "", &lexed, &err)) return s_;  // the scanner has reported it already
    t_ = scan::prepare_tokens(std::move(lexed.tokens));
    n_ = static_cast<int>(t_.size());
    line_start_.push_back(0);
    for (std::size_t i = 0; i < s_.size(); ++i)
      if (s_[i] == '\n') line_start_.push_back(i + 1);
    dirs_.resize(t_.size());
    for (int i = 0; i < n_; ++i)
      if (t_[i].kind == TokKind::Preprocessor) dirs_[i] = read_directive(s_, offset(i));
    for (int i = 0; i < n_; ++i) {
      if (t_[i].kind != TokKind::Preprocessor) continue;
      Construct c;
      c.at = i;
      classify(dirs_[i], &c);
      if (c.kind == Kind::none) continue;
      shape(&c);
      cs_.push_back(c);
    }
    construct_at_.assign(t_.size(), -1);
    for (std::size_t k = 0; k < cs_.size(); ++k) construct_at_[cs_[k].at] = static_cast<int>(k);
    for (Construct& c : cs_) c.synchronised = c.ok && c.name == "parallel" && holds_team_sync(c);
    // Statements nest or are disjoint: one pass with a stack of the rewritten
    // constructs still open finds which ones are inside another.
    std::vector<int> open;
    for (Construct& c : cs_) {
      while (!open.empty() && open.back() < c.at) open.pop_back();
      c.in_ok = !open.empty();
      c.outer = c.ok && !c.in_ok;
      if (c.ok) open.push_back(c.last);
    }
    return apply();
  }

 private:
  struct Edit {
    std::size_t pos, end;  // replaces [pos, end); pos == end inserts
    int rank;              // at one position: closings, then openings, then the replacement
    long key;
    std::string text;
  };

  std::size_t offset(int i) const { return line_start_[t_[i].line - 1] + t_[i].col - 1; }
  std::size_t end_of(int i) const { return offset(i) + t_[i].text.size(); }
  bool punct(int i, const char* p) const { return i >= 0 && i < n_ && t_[i].kind == TokKind::Punct && t_[i].text == p; }
  bool word(int i, const char* w) const { return i >= 0 && i < n_ && t_[i].kind == TokKind::Ident && t_[i].text == w; }
  bool is_pragma(int i) const {
    return t_[i].kind == TokKind::Preprocessor && !dirs_[i].words.empty() && dirs_[i].words[0] == "pragma";
  }

  // The last token of the statement that starts at i, or -1. A pragma
  // applies to the statement after it.
  int stmt_end(int i, int depth = 0) const {
    if (i < 0 || i >= n_ || depth > 500) return -1;
    if (t_[i].kind == TokKind::Preprocessor) return is_pragma(i) ? stmt_end(i + 1, depth + 1) : -1;
    if (punct(i, "{")) return t_[i].match;
    if (word(i, "if")) {
      int j = i + 1;
      if (word(j, "constexpr")) ++j;
      if (!punct(j, "(") || t_[j].match < 0) return -1;
      int e = stmt_end(t_[j].match + 1, depth + 1);
      return e >= 0 && word(e + 1, "else") ? stmt_end(e + 2, depth + 1) : e;
    }
    if (word(i, "for") || word(i, "while") || word(i, "switch")) {
      if (!punct(i + 1, "(") || t_[i + 1].match < 0) return -1;
      return stmt_end(t_[i + 1].match + 1, depth + 1);
    }
    if (word(i, "do")) {
      int e = stmt_end(i + 1, depth + 1);
      if (e < 0 || !word(e + 1, "while") || !punct(e + 2, "(") || t_[e + 2].match < 0) return -1;
      return punct(t_[e + 2].match + 1, ";") ? t_[e + 2].match + 1 : -1;
    }
    if (word(i, "try")) {
      if (!punct(i + 1, "{") || t_[i + 1].match < 0) return -1;
      int e = t_[i + 1].match;
      while (word(e + 1, "catch") && punct(e + 2, "(") && t_[e + 2].match >= 0 && punct(t_[e + 2].match + 1, "{"))
        e = t_[t_[e + 2].match + 1].match;
      return e;
    }
    for (int j = i; j < n_; ++j) {
      if (punct(j, ";")) return j;
      if (punct(j, "}") || punct(j, ")") || punct(j, "]")) return -1;
      if ((punct(j, "(") || punct(j, "[") || punct(j, "{")) && t_[j].match > j) j = t_[j].match;
    }
    return -1;
  }

  // Where the construct's statement is, and the part the try/catch encloses.
  void shape(Construct* c) {
    const int first = c->at + 1;
    c->last = stmt_end(first);
    if (c->last < 0) return;
    if (c->kind == Kind::block) {
      c->body_first = first;
      c->body_last = c->last;
    } else if (c->kind == Kind::loop) {
      const std::string& text = dirs_[c->at].pragma;
      int collapse = clause_value(text, "collapse");
      int ordered = has_word(text, "ordered") ? clause_value(text, "ordered") : 1;
      if (collapse == 0 || ordered == 0) return;
      int depth = std::max(collapse, ordered);
      int loop = first;
      for (int d = 1;; ++d) {
        if (!word(loop, "for") || !punct(loop + 1, "(") || t_[loop + 1].match < 0) return;
        int body = t_[loop + 1].match + 1;
        if (d == depth) {
          c->body_first = body;
          c->body_last = stmt_end(body);
          break;
        }
        // Perfectly nested: `for (...) for` or `for (...) { for (...) ... }`.
        if (punct(body, "{") && word(body + 1, "for") && stmt_end(body + 1) == t_[body].match - 1)
          loop = body + 1;
        else
          loop = body;
      }
    } else {  // sections: the statements before the first `section`
      if (!punct(first, "{")) return;
      int k = first + 1;
      while (k < c->last && !(is_pragma(k) && dirs_[k].words.size() > 2 && dirs_[k].words[2] == "section"))
        k = punct(k, "{") && t_[k].match > k ? t_[k].match + 1 : k + 1;
      if (k > first + 1) {
        c->body_first = first + 1;
        c->body_last = k - 1;
      }
    }
    if (c->body_first >= 0 && c->body_last < c->body_first) return;
    // Code split by #if/#else cannot be wrapped safely; other lines (#define,
    // pragmas) are fine, but an opening brace cannot go before a directive
    // that is not a pragma.
    for (int i = c->at + 1; i <= c->last; ++i)
      if (t_[i].kind == TokKind::Preprocessor && !is_pragma(i)) return;
    c->ok = true;
  }

  // Whether a bare `parallel` block holds a barrier or a worksharing
  // construct of its own team (not one inside a nested `parallel`).
  bool holds_team_sync(const Construct& p) const {
    for (int i = p.at + 1; i <= p.last; ++i) {
      if (!is_pragma(i) || dirs_[i].words.size() < 3 || dirs_[i].words[1] != "omp") continue;
      const std::string& w = dirs_[i].words[2];
      if (w == "parallel") {  // a nested team synchronises its own threads: skip its statement
        int k = construct_at_[i];
        if (k >= 0 && cs_[k].last > i) i = cs_[k].last;
        continue;
      }
      if (w == "barrier" || w == "for" || w == "sections" || w == "single" || w == "workshare" || w == "scope")
        return true;
    }
    return false;
  }

  static std::string pragma_operator(const std::string& text) {
    std::string out = "_Pragma(\"";
    for (char ch : text) {
      if (ch == '\\' || ch == '"') out += '\\';
      out += ch;
    }
    return out + "\")";
  }

  // Turns pragma line i into `_Pragma("...")` (prefix before it, clause added).
  void replace_pragma(int i, const std::string& prefix, const std::string& clause) {
    const Directive& d = dirs_[i];
    std::string text = prefix + pragma_operator(d.pragma + clause);
    text.append(static_cast<std::size_t>(std::count(s_.begin() + d.begin, s_.begin() + d.end, '\n')), '\n');
    edits_.push_back({d.begin, d.end, 2, 0, text});
  }

  std::string apply() {
    std::map<int, std::pair<std::string, std::string>> convert;  // pragma token -> prefix, added clause
    for (const Construct& c : cs_) {
      const std::string clause = c.data_env ? " firstprivate(pyx_omp_record)" : "";
      if (!c.ok) {  // a construct left alone inside one that is rewritten: it must pass our variable on
        if (c.data_env && c.in_ok) convert[c.at] = {"", clause};
        continue;
      }
      convert[c.at] = {c.outer ? "{ auto pyx_omp_record = ::pyx::detail::omp_record(); " : "", clause};
      const std::string line = std::to_string(t_[c.at].line);
      if (c.body_first >= 0) {
        bool scope = c.kind == Kind::block && c.data_env;
        std::string open = scope ? "{ ::pyx::detail::omp_region_scope pyx_omp_scope(pyx_omp_record); try { " : "try { ";
        std::string caught = c.synchronised ? "::pyx::detail::omp_caught_in_synchronised_block(__FILE__, " + line + ");"
                                            : "::pyx::detail::omp_caught(pyx_omp_record, __FILE__, " + line + ");";
        std::string close = " } catch (...) { " + caught + " }" + (scope ? " }" : "");
        // A pragma cannot follow code on its line: one that starts the body becomes _Pragma too.
        if (t_[c.body_first].kind == TokKind::Preprocessor) convert.try_emplace(c.body_first);
        edits_.push_back({offset(c.body_first), offset(c.body_first), 1, c.at, open});
        edits_.push_back({end_of(c.body_last), end_of(c.body_last), 0, -2L * c.at, close});
      }
      if (c.outer)
        edits_.push_back(
            {end_of(c.last), end_of(c.last), 0, -2L * c.at + 1, " ::pyx::detail::omp_rethrow(pyx_omp_record); }"});
    }
    for (const auto& [i, how] : convert) replace_pragma(i, how.first, how.second);
    if (edits_.empty()) return s_;
    std::stable_sort(edits_.begin(), edits_.end(), [](const Edit& a, const Edit& b) {
      if (a.pos != b.pos) return a.pos < b.pos;
      if (a.rank != b.rank) return a.rank < b.rank;
      return a.key < b.key;
    });
    std::string out;
    std::size_t at = 0;
    for (const Edit& e : edits_) {
      if (e.pos < at) return s_;  // overlapping edits: never expected; keep the source as written
      out.append(s_, at, e.pos - at);
      out += e.text;
      at = e.end;
    }
    out.append(s_, at, std::string::npos);
    return out;
  }

  const std::string& s_;
  Tokens t_;
  int n_ = 0;
  std::vector<std::size_t> line_start_;
  std::vector<Directive> dirs_;
  std::vector<Construct> cs_;
  std::vector<int> construct_at_;  // token -> index in cs_, or -1
  std::vector<Edit> edits_;
};

}  // namespace

std::string rewrite_openmp(const std::string& source) {
  if (source.find("omp") == std::string::npos) return source;
  return Rewriter(source).run();
}

}  // namespace cxximport::codegen
