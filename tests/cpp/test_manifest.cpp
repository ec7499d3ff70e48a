#include "cache/manifest.hpp"

#include "check.hpp"

using namespace cxximport::cache;

namespace {

Manifest sample() {
  Manifest m;
  m.module = "pkg.kernels";
  m.source = "/home/u/my project/pkg/kernels.cxxpyx";
  m.key = "0123456789abcdef0123456789abcdef";
  m.so_name = "kernels.cpython-311-x86_64-linux-gnu.so";
  m.so_size = 12345;
  m.so_hash = "ffffffffffffffff0000000000000000";
  m.created = 1700000000;
  m.headers = {{"/home/u/my project/pkg/a b.hpp", "00000000000000000000000000000001"},
               {"/home/u/inc/c.hpp", "00000000000000000000000000000002"}};
  return m;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  size_t p = s.find(from);
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

bool parses(const std::string& text, std::string* err) {
  Manifest m;
  return parse_manifest(text, &m, err);
}

}  // namespace

TEST(manifest_round_trips_paths_with_spaces) {
  Manifest m = sample(), back;
  std::string err;
  std::string text = format_manifest(m);
  CHECK(text.rfind("cxximport-manifest 2\n", 0) == 0);
  CHECK(parse_manifest(text, &back, &err));
  CHECK_EQ(back.module, m.module);
  CHECK_EQ(back.source, m.source);
  CHECK_EQ(back.key, m.key);
  CHECK_EQ(back.so_name, m.so_name);
  CHECK_EQ(back.so_size, m.so_size);
  CHECK_EQ(back.so_hash, m.so_hash);
  CHECK_EQ(back.created, m.created);
  CHECK_EQ(back.headers.size(), 2u);
  CHECK_EQ(back.headers[0].path, "/home/u/my project/pkg/a b.hpp");
  CHECK_EQ(back.headers[1].hash, "00000000000000000000000000000002");
}

TEST(manifest_without_headers_round_trips) {
  Manifest m = sample(), back;
  m.headers.clear();
  std::string err;
  CHECK(parse_manifest(format_manifest(m), &back, &err));
  CHECK(back.headers.empty());
}

TEST(manifest_rejects_unknown_version) {
  std::string err;
  CHECK(!parses(replace(format_manifest(sample()), "manifest 2", "manifest 3"), &err));
  CHECK(err.find("unknown format version 3") != std::string::npos);
  CHECK(!parses(replace(format_manifest(sample()), "manifest 2", "manifest 0"), &err));
  CHECK(!parses(replace(format_manifest(sample()), "manifest 2", "manifest x"), &err));
}

TEST(manifest_round_trips_header_stat_tuples) {
  Manifest m = sample(), back;
  m.headers[1].has_stat = true;
  m.headers[1].stat = {120, 99, 1700000000123456789, 1700000000223456789};
  m.stat_taken_ns = 1700000005000000000;
  std::string err, text = format_manifest(m);
  CHECK(text.find("stat 120 1700000000123456789 1700000000223456789 99 ") != std::string::npos);
  CHECK(parse_manifest(text, &back, &err));
  CHECK(!back.headers[0].has_stat);
  CHECK(back.headers[1].has_stat);
  CHECK(back.headers[1].stat == m.headers[1].stat);
  CHECK_EQ(back.stat_taken_ns, m.stat_taken_ns);
}

TEST(manifest_rejects_bad_stat_lines) {
  Manifest m = sample();
  m.headers[0].has_stat = true;
  m.stat_taken_ns = 5;
  std::string err, text = format_manifest(m);
  CHECK(!parses(replace(text, "stat_taken 5\n", ""), &err));
  CHECK(err.find("stat_taken") != std::string::npos);
  CHECK(!parses(replace(text, "stat 0 0 0 0 /", "stat 0 0 0 0 /elsewhere/"), &err));
  CHECK(err.find("not a header") != std::string::npos);
  CHECK(!parses(replace(text, "stat 0 0 0 0", "stat 0 x 0 0"), &err));
  CHECK(!parses(replace(text, "cxximport-manifest 2", "cxximport-manifest 1"), &err));
  CHECK(err.find("unknown field 'stat'") != std::string::npos);
}

TEST(manifest_rejects_foreign_text) {
  std::string err;
  CHECK(!parses("", &err));
  CHECK(!parses("hello\n", &err));
  CHECK(!parses(std::string("\0\0\0", 3), &err));
}

TEST(manifest_rejects_missing_field) {
  std::string err;
  CHECK(!parses(replace(format_manifest(sample()), "so_hash ffffffffffffffff0000000000000000\n", ""), &err));
  CHECK(err.find("missing field 'so_hash'") != std::string::npos);
}

TEST(manifest_rejects_duplicate_field) {
  std::string err;
  std::string text = replace(format_manifest(sample()), "end\n", "module other\nend\n");
  CHECK(!parses(text, &err));
  CHECK(err.find("duplicate field 'module'") != std::string::npos);
}

TEST(manifest_rejects_bad_hex) {
  std::string err;
  CHECK(!parses(replace(format_manifest(sample()), "so_hash ffff", "so_hash FFFF"), &err));
  CHECK(!parses(replace(format_manifest(sample()), "key 0123", "key 012"), &err));
  CHECK(!parses(replace(format_manifest(sample()), "header 00000000000000000000000000000001",
                        "header 0000000000000000000000000000000g"),
                &err));
}

TEST(manifest_rejects_bad_numbers) {
  std::string err;
  CHECK(!parses(replace(format_manifest(sample()), "so_size 12345", "so_size -1"), &err));
  CHECK(!parses(replace(format_manifest(sample()), "so_size 12345", "so_size 12x"), &err));
  CHECK(!parses(replace(format_manifest(sample()), "so_size 12345", "so_size 99999999999999999999999"), &err));
}

TEST(manifest_rejects_truncation_anywhere) {
  std::string text = format_manifest(sample());
  for (size_t n = 0; n < text.size(); ++n) {
    std::string err;
    CHECK(!parses(text.substr(0, n), &err));
  }
}

TEST(manifest_rejects_unknown_field_and_trailing_data) {
  std::string err;
  CHECK(!parses(replace(format_manifest(sample()), "end\n", "color blue\nend\n"), &err));
  CHECK(err.find("unknown field 'color'") != std::string::npos);
  CHECK(!parses(format_manifest(sample()) + "more\n", &err));
}

TEST(manifest_rejects_so_name_with_slash) {
  std::string err;
  CHECK(!parses(replace(format_manifest(sample()), "so_name kernels", "so_name ../kernels"), &err));
  CHECK(!parses(replace(format_manifest(sample()), "so_name kernels.cpython-311-x86_64-linux-gnu.so", "so_name .."),
                &err));
}

TEST(manifest_rejects_relative_or_duplicate_header) {
  std::string err;
  CHECK(!parses(replace(format_manifest(sample()), "/home/u/inc/c.hpp", "inc/c.hpp"), &err));
  CHECK(!parses(replace(format_manifest(sample()), "/home/u/inc/c.hpp", "/home/u/my project/pkg/a b.hpp"), &err));
  CHECK(err.find("twice") != std::string::npos);
}

TEST(manifest_validation_rejects_newlines_in_paths) {
  Manifest m = sample();
  std::string err;
  CHECK(validate_manifest(m, false, &err));
  m.headers[0].path = "/a\nb.hpp";
  CHECK(!validate_manifest(m, false, &err));
  m = sample();
  m.source = "/x\r.cxxpyx";
  CHECK(!validate_manifest(m, false, &err));
  m = sample();
  m.so_hash.clear();
  CHECK(!validate_manifest(m, false, &err));
  CHECK(validate_manifest(m, true, &err));
}
