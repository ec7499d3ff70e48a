// Store::install / Store::export_entry: an entry carried to another store
// (the remote cache) is checked like a build's output and published
// atomically, or refused with a reason and nothing published.
#include "cache/store.hpp"

#include "cache_test_util.hpp"
#include "check.hpp"

using namespace cxximport::cache;
using namespace cachetest;

namespace {

struct Pair {
  TempDir tmp;
  Store from{tmp / "from"};
  Store to{tmp / "to"};
  std::string header = tmp / "h.hpp";
  Manifest manifest;
  Store::EntryFiles files;
  bool ok = false;
  Pair() {
    std::string err;
    write_file(header, "#define X 1\n");
    manifest = make_manifest(key_n(7), "moved", {header});
    Hit hit;
    ok = from.open(&err) && to.open(&err) && build_and_publish(from, manifest, &hit, "ELF-shared-object") &&
         write_file(hit.entry_dir + "/moved.pyi", "def f() -> int: ...\n") &&
         from.export_entry(manifest.key, &files, &err);
  }
  std::string& content(const std::string& name) {
    for (auto& [n, c] : files)
      if (n == name) return c;
    static std::string none;
    return none;
  }
  bool installs(std::string* err, bool* other_headers = nullptr) {
    Hit hit;
    return to.install(manifest.key, files, &hit, err, other_headers);
  }
  bool to_hits() {
    Hit hit;
    Miss why;
    return to.lookup(manifest.key, &hit, &why);
  }
};

}  // namespace

TEST(export_gives_manifest_shared_object_and_stub) {
  Pair p;
  CHECK(p.ok);
  CHECK_EQ(p.files.size(), 3u);
  CHECK_EQ(p.files[0].first, std::string("manifest"));
  CHECK_EQ(p.content(p.manifest.so_name), std::string("ELF-shared-object"));
  CHECK_EQ(p.content("moved.pyi"), std::string("def f() -> int: ...\n"));
}

TEST(install_publishes_an_entry_that_then_hits) {
  Pair p;
  std::string err;
  CHECK(p.installs(&err));
  CHECK(p.to_hits());
  Hit hit;
  Miss why;
  CHECK(p.to.lookup(p.manifest.key, &hit, &why));
  CHECK(exists(hit.entry_dir + "/moved.pyi"));
  CHECK(exists(hit.entry_dir + "/builder"));  // this machine's record of who published it
}

TEST(install_refuses_an_altered_shared_object) {
  Pair p;
  p.content(p.manifest.so_name)[3] ^= 1;
  std::string err;
  CHECK(!p.installs(&err));
  CHECK(err.find("XXH3-128") != std::string::npos);
  CHECK(!p.to_hits());
}

TEST(install_refuses_a_truncated_shared_object) {
  Pair p;
  p.content(p.manifest.so_name).pop_back();
  std::string err;
  CHECK(!p.installs(&err));
  CHECK(err.find("truncated") != std::string::npos);
}

TEST(install_refuses_an_entry_of_another_key) {
  Pair p;
  Hit hit;
  std::string err;
  bool other_headers = true;
  CHECK(!p.to.install(key_n(8), p.files, &hit, &err, &other_headers));
  CHECK(!other_headers);  // refused, not merely built for other headers
  CHECK(err.find("records key") != std::string::npos);
}

TEST(install_refuses_odd_file_names_and_a_builder_file) {
  Pair p;
  std::string err;
  p.files.emplace_back("../escape", "x");
  CHECK(!p.installs(&err));
  p.files.back().first = "builder";
  CHECK(!p.installs(&err));
  CHECK(err.find("builder") != std::string::npos);
  CHECK(!p.to_hits());
}

TEST(install_refuses_an_entry_without_manifest) {
  Pair p;
  p.files.erase(p.files.begin());
  std::string err;
  CHECK(!p.installs(&err));
  CHECK(err.find("no manifest") != std::string::npos);
}

TEST(install_refuses_an_entry_built_against_other_headers) {
  Pair p;
  write_file(p.header, "#define X 2\n");  // this machine's header differs
  std::string err;
  bool other_headers = false;
  CHECK(!p.installs(&err, &other_headers));
  CHECK(other_headers);  // a typed outcome: the remote cache branches on it, not on the text
  CHECK(err.find("other headers") != std::string::npos);
  CHECK(!p.to_hits());
}
