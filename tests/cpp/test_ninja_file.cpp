// The ninja writer (one module, batch fragments, the top-level batch file)
// and the reading of ninja's output, plus one run of the real ninja over a
// batch with a fake compiler.
#include <string>

#include "toolchain/ninja_file.hpp"
#include "toolchain/ninja_output.hpp"
#include "toolchain/process.hpp"
#include "cache_test_util.hpp"
#include "check.hpp"

using namespace cxximport::build;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

NinjaModule sample() {
  NinjaModule m;
  m.launcher = {"ccache"};
  m.compiler = {"/usr/bin/g++"};
  m.cxxflags = {"-O2", "-DX=$1"};
  m.ldflags = {"-lm"};
  m.extra_sources = {"/src/extra one.cpp"};
  m.output = "m.so";
  return m;
}

}  // namespace

TEST(ninja_module_file_uses_paths_relative_to_its_build_dir) {
  std::string text = write_ninja(sample());
  CHECK(contains(text, "build module.o: cxx module.cpp\n"));
  CHECK(contains(text, "build source_1.o: cxx /src/extra$ one.cpp\n"));
  CHECK(contains(text, "build m.so: link module.o source_1.o\n"));
  CHECK(contains(text, "default m.so\n"));
  CHECK(contains(text, "description = CXX $in\n"));
  CHECK(contains(text, "Run `ninja` here"));
}

TEST(ninja_launcher_prefixes_compiles_but_not_the_link) {
  std::string text = write_ninja(sample());
  CHECK(contains(text, "cxx = ccache /usr/bin/g++\n"));
  CHECK(contains(text, "link = /usr/bin/g++\n"));
  CHECK(contains(text, "command = $link -shared"));
  CHECK(contains(text, "cxxflags = -O2 '-DX=$$1'\n"));  // shell-quoted, then $-escaped
  auto argv = compile_argv(sample(), "module.cpp", "module.o");
  CHECK_EQ(argv.front(), std::string("ccache"));
  CHECK_EQ(argv[1], std::string("/usr/bin/g++"));
}

TEST(ninja_batch_fragment_prefixes_every_build_dir_path_escaped) {
  NinjaModule m = sample();
  m.dir = "/cache dir/v1/tmp/ab$c:1";
  m.label = "pkg.kernels";
  std::string text = write_ninja(m);
  const std::string d = "/cache$ dir/v1/tmp/ab$$c$:1";
  CHECK(contains(text, "build " + d + "/module.o: cxx " + d + "/module.cpp\n"));
  CHECK(contains(text, "build " + d + "/source_1.o: cxx /src/extra$ one.cpp\n"));  // absolute: unchanged
  CHECK(contains(text, "build " + d + "/m.so: link " + d + "/module.o " + d + "/source_1.o\n"));
  // Commands run in the build dir with relative names (launcher cache hits).
  CHECK(contains(text, "dir = '/cache dir/v1/tmp/ab$$c:1'\n"));
  CHECK(contains(text, "command = cd $dir && $cxx $cxxflags -MD -MF $rel_out.d -c $rel_in -o $rel_out\n"));
  CHECK(contains(text, "  rel_in = module.cpp\n  rel_out = module.o\n"));
  CHECK(contains(text, "  rel_in = '/src/extra one.cpp'\n  rel_out = source_1.o\n"));
  CHECK(contains(text, "  rel_in = module.o source_1.o\n  rel_out = m.so\n"));
  CHECK(!contains(text, "depfile"));
  CHECK(contains(text, "description = CXX pkg.kernels\n"));
  CHECK(contains(text, "description = LINK pkg.kernels\n"));
  CHECK(!contains(text, "Run `ninja` here"));
  // The depfiles stay named relative to the build dir (read back by the orchestrator).
  CHECK_EQ(object_depfiles(m).front(), std::string("module.o.d"));
}

TEST(ninja_batch_file_subninjas_each_fragment) {
  std::string text = write_batch_ninja({"/c/t/module0.ninja", "/c d/t/module1.ninja"});
  CHECK(contains(text, "subninja /c/t/module0.ninja\nsubninja /c$ d/t/module1.ninja\n"));
  CHECK(contains(text, "ninja_required_version"));
}

TEST(ninja_status_lines_are_recognised) {
  std::string d;
  CHECK(parse_status_line("[3/10] CXX pkg.kernels", &d));
  CHECK_EQ(d, std::string("CXX pkg.kernels"));
  CHECK(!parse_status_line("[3/10]CXX", &d));
  CHECK(!parse_status_line("[a/10] CXX x", &d));
  CHECK(!parse_status_line("x.cxxpyx:1:2: error: [3/4] ", &d));
  CHECK(!parse_status_line("", &d));
}

TEST(ninja_output_is_split_per_module_with_failures_and_commands) {
  std::vector<OutputOwner> owners = {{"/c/t/aaa", "a"}, {"/c/t/bbb", "b"}, {"/c/t/ccc", "c"}};
  const std::string out =
      "[1/6] CXX a\n"
      "a.cxxpyx:3:1: warning: unused\n"
      "[2/6] CXX b\n"
      "FAILED: [code=1] /c/t/bbb/module.o \n"
      "ccache g++ -c /c/t/bbb/module.cpp\n"
      "b.cxxpyx:1:5: error: nope\n"
      "[3/6] LINK a\n"
      "ninja: build stopped: subcommands failed.\n";
  std::string rest;
  auto parts = split_ninja_output(out, owners, &rest);
  CHECK_EQ(parts.size(), std::size_t(3));
  CHECK(!parts[0].failed);
  CHECK_EQ(parts[0].log, std::string("[1/6] CXX a\na.cxxpyx:3:1: warning: unused\n[3/6] LINK a\n"));
  CHECK(parts[1].failed);
  CHECK_EQ(parts[1].command, std::string("ccache g++ -c /c/t/bbb/module.cpp"));
  CHECK(contains(parts[1].log, "b.cxxpyx:1:5: error: nope\n"));
  CHECK(!contains(parts[1].log, "warning: unused"));
  CHECK(!parts[2].failed);
  CHECK(parts[2].log.empty());
  CHECK_EQ(rest, std::string("ninja: build stopped: subcommands failed.\n"));
}

TEST(ninja_output_failure_is_owned_by_path_even_without_a_label_match) {
  // -v prints commands instead of descriptions: the FAILED line still decides.
  std::vector<OutputOwner> owners = {{"/c/t/aaa", "a"}, {"/c/t/bbb", "b"}};
  std::string rest;
  auto parts = split_ninja_output("[1/2] g++ -c x\nFAILED: /c/t/bbb/m.so\ng++ -shared\nld: error\n", owners, &rest);
  CHECK(!parts[0].failed);
  CHECK(parts[1].failed);
  CHECK(contains(parts[1].log, "ld: error"));
  CHECK_EQ(rest, std::string("[1/2] g++ -c x\n"));
}

// The real ninja runs a batch of two modules (build dirs with a space) with a
// fake compiler: subninja scopes and absolute paths work, one failure does
// not stop the other module (-k 0).
TEST(ninja_batch_runs_in_real_ninja_with_keep_going) {
  RealProcessRunner runner;
  ProcessResult probe;
  std::string err;
  if (!runner.run({"ninja", "--version"}, "", {}, &probe, &err) || probe.exit_code != 0) {
    std::cerr << "  (skipped: no ninja on PATH)\n";
    return;
  }
  cachetest::TempDir tmp;
  const std::string fake = tmp / "fakecxx";
  // Compiles by copying $in to $out (fails when the source says FAIL); links by concatenating.
  CHECK(cachetest::write_file(fake,
                              "#!/bin/sh\n"
                              "out=; in=; dep=; shared=; objs=\n"
                              "while [ $# -gt 0 ]; do case $1 in\n"
                              "  -o) out=$2; shift;; -MF) dep=$2; shift;; -c) in=$2; shift;; -MD) ;;\n"
                              "  -shared) shared=1;; -*) ;; *) objs=\"$objs $1\";; esac; shift; done\n"
                              "if [ -n \"$shared\" ]; then cat $objs > \"$out\"; exit 0; fi\n"
                              "if grep -q FAIL \"$in\"; then echo \"$in:1:1: error: failing on purpose\"; exit 1; fi\n"
                              "cp \"$in\" \"$out\" && echo \"$out: $in\" > \"$dep\"\n",
                              0700));
  std::vector<std::string> fragments;
  std::vector<OutputOwner> owners;
  for (const char* name : {"good", "bad"}) {
    const std::string dir = tmp / (std::string("dir ") + name);
    CHECK(::mkdir(dir.c_str(), 0700) == 0);
    CHECK(cachetest::write_file(dir + "/module.cpp", std::string(name) == "bad" ? "FAIL\n" : "ok\n"));
    NinjaModule m;
    m.compiler = {fake};
    m.output = std::string(name) + ".so";
    m.dir = dir;
    m.label = name;
    fragments.push_back(tmp / (std::string(name) + ".ninja"));
    CHECK(cachetest::write_file(fragments.back(), write_ninja(m)));
    owners.push_back({dir, name});
  }
  const std::string top = tmp / "top";
  CHECK(::mkdir(top.c_str(), 0700) == 0);
  CHECK(cachetest::write_file(top + "/build.ninja", write_batch_ninja(fragments)));
  ProcessResult pr;
  CHECK(runner.run({"ninja", "-j", "2", "-k", "0"}, top, {}, &pr, &err));
  CHECK(pr.exit_code != 0);
  CHECK(::access((tmp / "dir good/good.so").c_str(), F_OK) == 0);
  CHECK(::access((tmp / "dir bad/bad.so").c_str(), F_OK) != 0);
  std::string rest;
  auto parts = split_ninja_output(pr.output, owners, &rest);
  CHECK(!parts[0].failed);
  CHECK(contains(parts[0].log, "LINK good"));
  CHECK(parts[1].failed);
  CHECK(contains(parts[1].log, "error: failing on purpose"));
  CHECK(contains(parts[1].command, "fakecxx"));
}
