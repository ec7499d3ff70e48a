#include "cache/units.hpp"

#include "check.hpp"

using namespace cxximport::cache;

namespace {

std::uint64_t size_of(const char* s) {
  std::uint64_t v = 0;
  std::string err;
  if (!parse_size(s, &v, &err)) return ~std::uint64_t{0};
  return v;
}

std::int64_t age_of(const char* s) {
  std::int64_t v = 0;
  std::string err;
  if (!parse_age(s, &v, &err)) return -1;
  return v;
}

}  // namespace

TEST(size_parses_bytes_and_decimal_units) {
  CHECK_EQ(size_of("0"), 0u);
  CHECK_EQ(size_of("123"), 123u);
  CHECK_EQ(size_of("10k"), 10000u);
  CHECK_EQ(size_of("10K"), 10000u);
  CHECK_EQ(size_of("500M"), 500000000u);
  CHECK_EQ(size_of("500MB"), 500000000u);
  CHECK_EQ(size_of("2G"), 2000000000u);
  CHECK_EQ(size_of("1.5G"), 1500000000u);
  CHECK_EQ(size_of("1T"), 1000000000000u);
  CHECK_EQ(size_of(" 7 B "), 7u);
}

TEST(size_parses_binary_units) {
  CHECK_EQ(size_of("10Ki"), 10240u);
  CHECK_EQ(size_of("1Mi"), 1048576u);
  CHECK_EQ(size_of("2GiB"), 2147483648u);
}

TEST(size_rejects_garbage) {
  std::uint64_t v;
  std::string err;
  CHECK(!parse_size("", &v, &err));
  CHECK(!parse_size("M", &v, &err));
  CHECK(!parse_size("-5M", &v, &err));
  CHECK(!parse_size("5X", &v, &err));
  CHECK(err.find("5X") != std::string::npos);
  CHECK(!parse_size("5 M M", &v, &err));
  CHECK(!parse_size("1..5G", &v, &err));
  CHECK(!parse_size("99999999999T", &v, &err));
}

TEST(age_parses_units) {
  CHECK_EQ(age_of("90"), 90);
  CHECK_EQ(age_of("90s"), 90);
  CHECK_EQ(age_of("15m"), 900);
  CHECK_EQ(age_of("12h"), 43200);
  CHECK_EQ(age_of("30d"), 2592000);
  CHECK_EQ(age_of("2w"), 1209600);
  CHECK_EQ(age_of("1.5d"), 129600);
  CHECK_EQ(age_of("30D"), 2592000);
}

TEST(age_rejects_garbage) {
  CHECK_EQ(age_of(""), -1);
  CHECK_EQ(age_of("d"), -1);
  CHECK_EQ(age_of("3y"), -1);
  CHECK_EQ(age_of("-3d"), -1);
}

TEST(sizes_format_for_humans) {
  CHECK_EQ(format_size(0), "0 B");
  CHECK_EQ(format_size(999), "999 B");
  CHECK_EQ(format_size(1500), "1.5 kB");
  CHECK_EQ(format_size(12345678), "12.3 MB");
  CHECK_EQ(format_size(999999999), "1.0 GB");
}
