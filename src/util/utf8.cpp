#include "util/utf8.hpp"

namespace cxximport {
namespace {

// Decodes one code point at s[i]; returns its length, 0 if invalid.
std::size_t decode_one(std::string_view s, std::size_t i, char32_t* cp) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  char32_t v = c & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

char digit(unsigned d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); }

}  // namespace

std::size_t invalid_utf8_at(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp;
    std::size_t n = decode_one(s, i, &cp);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string replace_invalid_utf8(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp;
    std::size_t n = decode_one(s, i, &cp);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

bool decode_utf8(std::string_view s, std::vector<char32_t>* out) {
  out->clear();
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp;
    std::size_t n = decode_one(s, i, &cp);
    if (n == 0) return false;
    out->push_back(cp);
    i += n;
  }
  return true;
}

std::string punycode(std::string_view utf8) {
  // RFC 3492 section 6.3 with its parameters (section 5).
  constexpr unsigned kBase = 36, kTMin = 1, kTMax = 26, kSkew = 38, kDamp = 700;
  std::vector<char32_t> cps;
  if (!decode_utf8(utf8, &cps)) return "";
  std::string out;
  for (char32_t c : cps)
    if (c < 0x80) out += static_cast<char>(c);
  const unsigned basic = static_cast<unsigned>(out.size());
  unsigned handled = basic;
  if (basic > 0) out += '-';
  unsigned long long n = 0x80, delta = 0, bias = 72;
  auto adapt = [&](unsigned long long d, unsigned points, bool first) {
    d = first ? d / kDamp : d / 2;
    d += d / points;
    unsigned long long k = 0;
    for (; d > ((kBase - kTMin) * kTMax) / 2; k += kBase) d /= kBase - kTMin;
    return k + (kBase - kTMin + 1) * d / (d + kSkew);
  };
  while (handled < cps.size()) {
    unsigned long long m = 0x110000;
    for (char32_t c : cps)
      if (c >= n && c < m) m = c;
    delta += (m - n) * (handled + 1);
    n = m;
    for (char32_t c : cps) {
      if (c < n) ++delta;
      if (c != n) continue;
      unsigned long long q = delta;
      for (unsigned long long k = kBase;; k += kBase) {
        unsigned long long t = k <= bias ? kTMin : k >= bias + kTMax ? kTMax : k - bias;
        if (q < t) break;
        out += digit(static_cast<unsigned>(t + (q - t) % (kBase - t)));
        q = (q - t) / (kBase - t);
      }
      out += digit(static_cast<unsigned>(q));
      bias = adapt(delta, handled + 1, handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return out;
}

}  // namespace cxximport
