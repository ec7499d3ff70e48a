// UTF-8 checking and decoding (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), and the punycode encoding (RFC 3492) that PEP 489
// uses to name the init function of a module with a non-ASCII name.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cxximport {

// Offset of the first byte that is not part of valid UTF-8, or npos.
std::size_t invalid_utf8_at(std::string_view s);

// The text with every byte that is not valid UTF-8 replaced by U+FFFD, as
// Python's errors="replace" does: for paths shown in Python-visible text.
std::string replace_invalid_utf8(std::string_view s);

// The code points of valid UTF-8 text; false (and *out unspecified) if invalid.
bool decode_utf8(std::string_view s, std::vector<char32_t>* out);

// RFC 3492 punycode of valid UTF-8 text, without the "xn--" prefix: what
// Python's str.encode("punycode") returns ("café" -> "caf-dma").
std::string punycode(std::string_view utf8);

}  // namespace cxximport
