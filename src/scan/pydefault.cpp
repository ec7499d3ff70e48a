// python_default(): C++ default-argument text -> a Python literal for stubs
// and signatures. Only literals (possibly wrapped in a functional cast such
// as `T(3)`) are translated; any real expression is shown as `...`.
#include <cctype>
#include <cstdint>
#include <vector>

#include "scan/pytype.hpp"

namespace cxximport::scan {
namespace {

constexpr const char* kUnknown = "...";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

// "1'000u" -> "1000", "0x10" -> "16", "1.5f" -> "1.5"; "" if not a number.
std::string number(std::string_view s) {
  // Checked before copying: python_default() calls this once per nested cast.
  if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '.')) return "";
  std::string n;
  for (char c : s)
    if (c != '\'') n += c;
  if (n.empty() || !(std::isdigit(static_cast<unsigned char>(n[0])) || n[0] == '.')) return "";
  bool hex = n.size() > 1 && n[0] == '0' && (n[1] == 'x' || n[1] == 'X');
  bool bin = n.size() > 1 && n[0] == '0' && (n[1] == 'b' || n[1] == 'B');
  bool floating = !hex && n.find_first_of(".eE") != std::string::npos;
  if (floating) {
    while (!n.empty() && (n.back() == 'f' || n.back() == 'F' || n.back() == 'l' || n.back() == 'L')) n.pop_back();
    for (size_t i = 0; i < n.size(); ++i) {
      char c = n[i];
      bool sign_ok = (c == '+' || c == '-') && i > 0 && (n[i - 1] == 'e' || n[i - 1] == 'E');
      if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != 'e' && c != 'E' && !sign_ok) return "";
    }
    if (n.front() == '.') n.insert(0, "0");
    if (n.back() == '.') n += "0";
    return n;
  }
  while (!n.empty() && (n.back() == 'u' || n.back() == 'U' || n.back() == 'l' || n.back() == 'L' || n.back() == 'z' ||
                        n.back() == 'Z'))
    n.pop_back();
  int base = hex ? 16 : bin ? 2 : (n.size() > 1 && n[0] == '0') ? 8 : 10;
  size_t i = (hex || bin) ? 2 : 0;
  if (i >= n.size()) return "";
  std::uint64_t v = 0;
  for (; i < n.size(); ++i) {
    int d = digit_value(n[i]);
    if (d >= base || v > (UINT64_MAX - static_cast<std::uint64_t>(d)) / static_cast<std::uint64_t>(base)) return "";
    v = v * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
  }
  return std::to_string(v);
}

// The bytes of a C++ string literal ("a\n", u8"x", R"(y)"); false if it is
// not exactly one literal or uses an escape we do not translate.
bool string_bytes(std::string_view s, std::string* out) {
  size_t q = s.find('"');
  if (q == std::string_view::npos || s.size() < q + 2 || s.back() != '"') return false;
  std::string_view prefix = s.substr(0, q);
  bool raw = !prefix.empty() && prefix.back() == 'R';
  if (raw) prefix.remove_suffix(1);
  if (!(prefix.empty() || prefix == "u8" || prefix == "u" || prefix == "U" || prefix == "L")) return false;
  std::string_view body = s.substr(q + 1, s.size() - q - 2);
  if (raw) {
    size_t open = body.find('(');
    if (open == std::string_view::npos) return false;
    std::string_view delim = body.substr(0, open);
    if (body.size() < 2 * open + 2 || body.substr(body.size() - open) != delim) return false;
    *out = body.substr(open + 1, body.size() - 2 * open - 2);
    return true;
  }
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '"') return false;  // "a" "b": concatenation
    if (c != '\\') {
      *out += c;
      continue;
    }
    if (++i >= body.size()) return false;
    char e = body[i];
    const char* simple = "n\nt\tr\ra\ab\bf\fv\v\\\\'\'\"\"??";
    bool found = false;
    for (const char* p = simple; *p && !found; p += 2)
      if (*p == e) {
        *out += p[1];
        found = true;
      }
    if (found) continue;
    int base = e == 'x' ? 16 : (e >= '0' && e <= '7') ? 8 : 0;
    if (!base) return false;  // \u, \U, \N{...}
    size_t j = base == 16 ? i + 1 : i, max = base == 16 ? body.size() : std::min(body.size(), i + 3);
    unsigned v = 0;
    size_t start = j;
    for (; j < max && digit_value(body[j]) < base; ++j) v = v * base + digit_value(body[j]);
    if (j == start || v > 255) return false;
    *out += static_cast<char>(v);
    i = j - 1;
  }
  return true;
}

// Python's repr() of a str: single quotes unless the text has ' and no ".
std::string python_repr(const std::string& s) {
  char quote = s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? '"' : '\'';
  std::string out(1, quote);
  static const char* hex = "0123456789abcdef";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else
      out += c;
  }
  return out + quote;
}

// `T(3)`, `double{2.5}`, `std::string("x")`: the head must look like a type.
bool functional_cast(std::string_view s, std::string_view* inner) {
  size_t open = s.find_first_of("({");
  if (open == 0 || open == std::string_view::npos) return false;
  char close = s[open] == '(' ? ')' : '}';
  if (s.back() != close) return false;
  for (char c : s.substr(0, open))
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':' || c == '<' || c == '>' || c == ',' ||
          c == ' '))
      return false;
  *inner = s.substr(open + 1, s.size() - open - 2);
  return true;
}

// Splits at the commas outside brackets, quotes and character literals.
std::vector<std::string_view> top_level_items(std::string_view s) {
  std::vector<std::string_view> items;
  int depth = 0;
  char quote = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '(' || c == '{' || c == '[' || c == '<') {
      ++depth;
    } else if (c == ')' || c == '}' || c == ']' || c == '>') {
      --depth;
    } else if (c == ',' && depth == 0) {
      items.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  items.push_back(s.substr(start));
  return items;
}

// `{1, 0, 1}` (a std::tuple, std::pair or std::vector default) is the tuple
// `(1, 0, 1)`.
std::string python_tuple(std::string_view inner, std::string (*item)(std::string_view)) {
  if (trim(inner).empty()) return "()";
  std::vector<std::string_view> parts = top_level_items(inner);
  std::string out = "(";
  for (size_t k = 0; k < parts.size(); ++k) {
    std::string d = item(parts[k]);
    if (d == kUnknown) return kUnknown;
    out += (k ? ", " : "") + d;
  }
  return out + (parts.size() == 1 ? ",)" : ")");
}

}  // namespace

std::string python_default(std::string_view cpp_default) {
  // `T(U(3))` and `{{3}}` are unwrapped in a loop, not by recursion: the text
  // may nest deeply. Tuples recurse once per level of items, and the scanner
  // has refused nesting deeper than 256 levels before a default gets here.
  for (std::string_view s = trim(cpp_default);;) {
    if (s.empty()) return kUnknown;
    if (s == "true") return "True";
    if (s == "false") return "False";
    if (s == "std::nullopt" || s == "nullptr" || s == "NULL") return "None";
    if (s.back() == '"') {
      std::string bytes;
      return string_bytes(s, &bytes) ? python_repr(bytes) : kUnknown;
    }
    std::string_view sign;
    std::string_view rest = s;
    if (rest[0] == '-' || rest[0] == '+') {
      sign = rest[0] == '-' ? "-" : "";
      rest = trim(rest.substr(1));
    }
    if (std::string n = number(rest); !n.empty()) return std::string(sign) + n;
    // `{x}` initialises a scalar as well as a 1-tuple: shown as x. `{}` may be
    // None, '' or 0: unknown.
    if (s.front() == '{' && s.back() == '}') {
      std::string_view items = s.substr(1, s.size() - 2);
      if (trim(items).empty()) return kUnknown;
      if (top_level_items(items).size() != 1) return python_tuple(items, python_default);
      s = trim(items);
      continue;
    }
    std::string_view inner;
    const bool sequence_type = s.rfind("std::tuple", 0) == 0 || s.rfind("std::pair", 0) == 0 ||
                               s.rfind("std::vector", 0) == 0 || s.rfind("std::array", 0) == 0;
    if (sequence_type && functional_cast(s, &inner)) return python_tuple(inner, python_default);
    if (!sign.empty() || !functional_cast(s, &inner) || trim(inner).empty()) return kUnknown;
    s = trim(inner);
    // A cast of None (`T(nullptr)`) is not None: what the cast makes is unknown.
    if (s == "std::nullopt" || s == "nullptr" || s == "NULL") return kUnknown;
  }
}

}  // namespace cxximport::scan
