// Every field of the key changes it; equal inputs give equal keys.
#include <functional>

#include "check.hpp"
#include "core/key.hpp"
#include "util/hash.hpp"

using namespace cxximport;

namespace {

core::KeyInput base() {
  core::KeyInput k;
  k.version = "1";
  k.runtime_hash = "r";
  k.module = "m";
  k.source_path = "/s/m.cxxpyx";
  k.source_text = "PYX_EXPORT int f();";
  k.compiler_path = "/usr/bin/g++";
  k.compiler_version = "g++ 12";
  k.compile_argv = {"-O3", "-I/x"};
  k.link_argv = {"-fopenmp"};
  k.ext_suffix = ".so";
  k.numpy_version = "2.0";
  k.numpy_include = "/np";
  k.python_include = "/py";
  k.build_type = "release";
  return k;
}

}  // namespace

TEST(key_is_stable_for_equal_inputs) { CHECK_EQ(core::compute_key(base()), core::compute_key(base())); }

TEST(key_changes_with_every_field) {
  const std::string k0 = core::compute_key(base());
  std::vector<std::function<void(core::KeyInput&)>> edits = {
      [](auto& k) { k.version = "2"; },          [](auto& k) { k.runtime_hash = "r2"; },
      [](auto& k) { k.module = "pkg.m"; },       [](auto& k) { k.source_path = "/t/m.cxxpyx"; },
      [](auto& k) { k.source_text += " "; },     [](auto& k) { k.compiler_path = "/usr/bin/clang++"; },
      [](auto& k) { k.compiler_version = "g++ 13"; }, [](auto& k) { k.compile_argv.push_back("-g"); },
      [](auto& k) { k.link_argv.clear(); },      [](auto& k) { k.ext_suffix = ".abi3.so"; },
      [](auto& k) { k.numpy_version = "2.1"; },  [](auto& k) { k.numpy_include = "/np2"; },
      [](auto& k) { k.python_include = "/py2"; }, [](auto& k) { k.build_type = "debug"; },
      [](auto& k) { k.extra_files.push_back({"/s/h.h", "abc"}); },
      [](auto& k) { k.cpu = "model name : another CPU"; },
  };
  for (auto& edit : edits) {
    auto k = base();
    edit(k);
    CHECK(core::compute_key(k) != k0);
  }
}

TEST(key_fields_are_delimited_so_split_arguments_differ) {
  auto a = base(), b = base();
  a.compile_argv = {"-I", "-O2"};
  b.compile_argv = {"-I-O2"};
  CHECK(core::compute_key(a) != core::compute_key(b));
}

TEST(hasher_tags_separate_equal_concatenations) {
  Hasher a, b;
  a.field("x", "ab").field("y", "c");
  b.field("x", "a").field("y", "bc");
  CHECK(a.hex() != b.hex());
  CHECK_EQ(a.hex().size(), std::size_t{32});
}

#include <fstream>
#include <sys/stat.h>

TEST(tree_hash_follows_content_and_writes_its_memo) {
  char tmpl[] = "/tmp/cxxtree.XXXXXX";
  std::string root = mkdtemp(tmpl);
  auto make = [&](const std::string& name, const std::string& text) {
    std::string d = root + "/" + name;
    mkdir(d.c_str(), 0700);
    mkdir((d + "/pyx").c_str(), 0700);
    std::ofstream(d + "/pyx/a.hpp") << text;
    std::ofstream(d + "/b.in") << "template";
    return d;
  };
  std::string a = make("a", "one"), b = make("b", "one"), c = make("c", "two");
  std::string memo = root + "/memo", ha, hb, hc, err;
  CHECK(core::tree_hash(a, memo, &ha, &err));
  CHECK(core::tree_hash(b, memo, &hb, &err));
  CHECK(core::tree_hash(c, "", &hc, &err));
  CHECK_EQ(ha, hb);  // same files, another place
  CHECK(ha != hc);
  struct stat st;
  CHECK(stat((memo + "/runtime-" + hash_bytes(a).substr(0, 24)).c_str(), &st) == 0);
  CHECK_EQ(st.st_mode & 0777, 0600u);
  std::system(("rm -rf " + root).c_str());
}

#include "build/toolchain.hpp"

TEST(native_adds_march_native_and_cpu_identity_is_read) {
  build::FlagInput in;
  in.templates_dir = "/t";
  in.python_include = "/p";
  in.numpy_include = "/n";
  in.source_dir = "/s";
  in.directives.native = true;
  auto f = build::module_flags(in);
  bool found = false;
  for (const auto& a : f.cxxflags) found |= a == "-march=native";
  CHECK(found);
  in.directives.native = false;
  for (const auto& a : build::module_flags(in).cxxflags) CHECK(a != "-march=native");
  struct stat st;
  if (stat("/proc/cpuinfo", &st) == 0) CHECK(!build::cpu_identity().empty());
}

TEST(host_specific_flags_are_recognised) {
  scan::Directives d;
  CHECK(!build::host_specific(d));
  d.cxxflags = {"-O2", "-march=x86-64-v3"};
  CHECK(!build::host_specific(d));
  d.cxxflags = {"-mtune=native"};
  CHECK(build::host_specific(d));
  d.cxxflags = {};
  d.native = true;
  CHECK(build::host_specific(d));
}
