// Sizes and ages as users type them on the command line (`cxximport cache
// prune --max-size 500M --older-than 30d`), and back for display.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cxximport::cache {

// "123" (bytes), "10k", "500M", "2G", "1T" (decimal: k = 1000, as ccache),
// "10Ki", "500Mi", "2Gi" (binary: Ki = 1024); an optional trailing "B"
// ("500MB", "2GiB"); a fraction is allowed ("1.5G"). Case-insensitive
// except that M/m both mean mega (nobody wants millibytes).
bool parse_size(std::string_view text, std::uint64_t* bytes, std::string* err);

// "90" or "90s" seconds, "15m" minutes, "12h" hours, "30d" days, "2w" weeks;
// a fraction is allowed ("1.5d").
bool parse_age(std::string_view text, std::int64_t* seconds, std::string* err);

// "0 B", "512 B", "1.5 kB", "12.3 MB", "2.0 GB" (decimal, one decimal place).
std::string format_size(std::uint64_t bytes);

}  // namespace cxximport::cache
