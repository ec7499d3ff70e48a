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
      [](auto& k) { k.version = "2"; },
      [](auto& k) { k.generator = "another generator"; },
      [](auto& k) { k.runtime_hash = "r2"; },
      [](auto& k) { k.module = "pkg.m"; },
      [](auto& k) { k.source_path = "/t/m.cxxpyx"; },
      [](auto& k) { k.source_text += " "; },
      [](auto& k) { k.compiler_path = "/usr/bin/clang++"; },
      [](auto& k) { k.compiler_version = "g++ 13"; },
      [](auto& k) { k.compile_argv.push_back("-g"); },
      [](auto& k) { k.link_argv.clear(); },
      [](auto& k) { k.ext_suffix = ".abi3.so"; },
      [](auto& k) { k.numpy_version = "2.1"; },
      [](auto& k) { k.numpy_include = "/np2"; },
      [](auto& k) { k.python_include = "/py2"; },
      [](auto& k) { k.build_type = "debug"; },
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
#include <unistd.h>

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
  // A header in a nested directory counts, and so does one reached through
  // a symbolic link (the walk is readdir and fstatat, not std::filesystem).
  std::string d = make("d", "one"), e = make("e", "one"), hd, he;
  mkdir((d + "/pyx/detail").c_str(), 0700);
  std::ofstream(d + "/pyx/detail/z.hpp") << "nested";
  std::ofstream(root + "/outside.hpp") << "linked";
  CHECK(symlink((root + "/outside.hpp").c_str(), (e + "/pyx/link.hpp").c_str()) == 0);
  CHECK(core::tree_hash(d, "", &hd, &err));
  CHECK(core::tree_hash(e, "", &he, &err));
  CHECK(hd != ha);
  CHECK(he != ha);
  CHECK(hd != he);
  std::string missing;
  CHECK(!core::tree_hash(root + "/none", "", &missing, &err));
  struct stat st;
  CHECK(stat((memo + "/runtime-" + hash_bytes(a).substr(0, 24)).c_str(), &st) == 0);
  CHECK_EQ(st.st_mode & 0777, 0600u);
  std::system(("rm -rf " + root).c_str());
}

#include <filesystem>

#include "toolchain/toolchain.hpp"
#include "cache_test_util.hpp"

namespace {
std::vector<std::string> march_flags(const std::string& arch, const std::string& auto_march) {
  build::FlagInput in;
  in.templates_dir = "/t";
  in.python_include = "/p";
  in.numpy_include = "/n";
  in.source_dir = "/s";
  in.directives.arch = arch;
  in.auto_march = auto_march;
  std::vector<std::string> out;
  for (const auto& a : build::module_flags(in).cxxflags)
    if (a.rfind("-march=", 0) == 0) out.push_back(a);
  return out;
}
using V = std::vector<std::string>;
}  // namespace

TEST(arch_chooses_the_march_flag) {
  CHECK(march_flags("", "x86-64-v3") == V{"-march=x86-64-v3"});  // unset is auto
  CHECK(march_flags("auto", "x86-64-v2") == V{"-march=x86-64-v2"});
  CHECK(march_flags("auto", "") == V{});  // a compiler without the level names
  CHECK(march_flags("portable", "x86-64-v3") == V{});
  CHECK(march_flags("native", "x86-64-v3") == V{"-march=native"});
  CHECK(march_flags("skylake", "x86-64-v3") == V{"-march=skylake"});
  struct stat st;
  if (stat("/proc/cpuinfo", &st) == 0) CHECK(!build::cpu_identity().empty());
}

TEST(x86_levels_follow_the_psabi_lists) {
  const std::string base = "fpu cx8 cmov mmx fxsr sse sse2 lm";
  const std::string v2 = base + " cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3";
  const std::string v3 = v2 + " avx avx2 bmi1 bmi2 f16c fma abm movbe xsave";
  const std::string v4 = v3 + " avx512f avx512bw avx512cd avx512dq avx512vl";
  CHECK_EQ(build::x86_level(""), 0);
  CHECK_EQ(build::x86_level("fp asimd evtstrm aes pmull sha1 sha2 crc32"), 0);  // an arm64 Features line
  CHECK_EQ(build::x86_level(base), 1);
  CHECK_EQ(build::x86_level(v2), 2);
  CHECK_EQ(build::x86_level(v3), 3);
  CHECK_EQ(build::x86_level(v4), 4);
  CHECK_EQ(build::x86_level(" " + v3 + " sha_ni\n"), 3);
  // One missing flag drops the whole level (here movbe: some early AVX2 VMs hide it).
  std::string no_movbe = v4;
  no_movbe.replace(no_movbe.find(" movbe"), 6, "");
  CHECK_EQ(build::x86_level(no_movbe), 2);

  build::CompilerIdentity id;
  id.x86_levels = true;
  CHECK_EQ(build::auto_march(id, 4), "x86-64-v3");  // capped: see toolchain.hpp
  CHECK_EQ(build::auto_march(id, 3), "x86-64-v3");
  CHECK_EQ(build::auto_march(id, 2), "x86-64-v2");
  CHECK_EQ(build::auto_march(id, 1), "");
  CHECK_EQ(build::auto_march(id, 0), "");
  id.x86_levels = false;
  CHECK_EQ(build::auto_march(id, 3), "");
}

namespace {
// Answers like a compiler that does, or does not, know -march=x86-64-v2.
class FakeCompiler : public build::ProcessRunner {
 public:
  explicit FakeCompiler(bool levels) : levels_(levels) {}
  std::vector<std::vector<std::string>> calls;
  bool run(const std::vector<std::string>& argv, const std::string&, const std::function<bool()>&,
           build::ProcessResult* r, std::string*) override {
    calls.push_back(argv);
    bool march = false;
    for (const auto& a : argv) march |= a == "-march=x86-64-v2";
    if (argv.size() > 1 && argv[1] == "--version") {
      r->exit_code = 0;
      r->output = "fake c++ 1.0\n";
    } else if (march && !levels_) {
      r->exit_code = 1;
      r->output = "error: bad value 'x86-64-v2' for '-march=' switch\n";
    } else {
      r->exit_code = 0;
      r->output = "#include <...> search starts here:\n /usr/include\nEnd of search list.\n";
    }
    return true;
  }

 private:
  bool levels_;
};
}  // namespace

TEST(compiler_identity_probes_the_level_names_once_and_remembers) {
  cachetest::TempDir dir;
  const std::string& root = dir.path;
  using cachetest::read_file;
  using cachetest::write_file;
  std::string cxx = root + "/fake-c++";
  write_file(cxx, "#!/bin/sh\n");
  chmod(cxx.c_str(), 0755);
  for (bool levels : {true, false}) {
    std::string memo = root + (levels ? "/with" : "/without");
    FakeCompiler runner(levels);
    build::CompilerIdentity id;
    std::string err;
    CHECK(build::compiler_identity(cxx, memo, runner, &id, &err));
    CHECK_EQ(id.x86_levels, levels);
    CHECK(id.system_dirs == V{"/usr/include"});
    CHECK_EQ(runner.calls.size(), levels ? 2u : 3u);  // --version, probe (, probe without -march)
    build::CompilerIdentity again;
    CHECK(build::compiler_identity(cxx, memo, runner, &again, &err));
    CHECK_EQ(runner.calls.size(), levels ? 2u : 3u);  // read from the memo
    CHECK_EQ(again.x86_levels, levels);
    CHECK_EQ(again.version, id.version);
    CHECK(again.system_dirs == id.system_dirs);
  }
  // A memo of the format before the levels line is probed again, not misread.
  std::string memo = root + "/old";
  FakeCompiler runner(true);
  build::CompilerIdentity id;
  std::string err;
  CHECK(build::compiler_identity(cxx, memo, runner, &id, &err));
  for (const auto& entry : std::filesystem::directory_iterator(memo)) {
    if (entry.path().filename().string().rfind("name-", 0) == 0) continue;
    std::string text = read_file(entry.path().string());
    std::size_t line2 = text.find('\n') + 1;
    write_file(entry.path().string(), text.substr(0, line2) + text.substr(text.find('\n', line2) + 1));
  }
  build::CompilerIdentity reread;
  CHECK(build::compiler_identity(cxx, memo, runner, &reread, &err));
  CHECK_EQ(runner.calls.size(), 4u);
  CHECK(reread.x86_levels);
  CHECK_EQ(reread.version, "fake c++ 1.0\n");
}

TEST(host_specific_flags_are_recognised) {
  scan::Directives d;
  CHECK(!build::host_specific(d));
  d.cxxflags = {"-O2", "-march=x86-64-v3"};
  CHECK(!build::host_specific(d));
  d.cxxflags = {"-mtune=native"};
  CHECK(build::host_specific(d));
  d.cxxflags = {};
  d.arch = "native";
  CHECK(build::host_specific(d));
  d.arch = "x86-64-v3";  // a fixed level: the flag itself is in the key
  CHECK(!build::host_specific(d));
}

namespace {
bool has_flag(const build::Flags& f, const std::string& flag) {
  for (const auto& a : f.cxxflags)
    if (a == flag) return true;
  return false;
}
}  // namespace

TEST(numerics_flags_follow_vecmath_and_the_compiler) {
  build::FlagInput in;
  in.templates_dir = "/t";
  build::Flags on = build::module_flags(in);
  for (const char* flag :
       {"-fopenmp-simd", "-fno-math-errno", "-fno-trapping-math", "-fcx-fortran-rules", "/t/pyx/vecmath.hpp"})
    CHECK(has_flag(on, flag));
  in.clang = true;
  build::Flags clang = build::module_flags(in);
  CHECK(has_flag(clang, "-fveclib=libmvec") && !has_flag(clang, "-fcx-fortran-rules"));
  in.clang = false;
  in.directives.no_vecmath = true;
  build::Flags off = build::module_flags(in);
  CHECK(has_flag(off, "-fopenmp-simd"));
  for (const char* flag : {"-fno-math-errno", "-fno-trapping-math", "-fcx-fortran-rules", "/t/pyx/vecmath.hpp"})
    CHECK(!has_flag(off, flag));
}
