// The orchestrator (core/orchestrator.cpp, core/batch.cpp) driven with a
// fake process runner (compiler identity, ninja, ldd) and a fake store behind
// the core::ModuleStore seam: a hit, a miss, a lock wait that ends in another
// process's entry, a lock timeout, a compile failure and a publish race, for
// a single import (a batch of one) and for a batch.
#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "cache_test_util.hpp"
#include "check.hpp"
#include "core/batch.hpp"
#include "core/orchestrator.hpp"

using namespace cxximport;
using namespace cxximport::core;
using cachetest::TempDir;

namespace {

// The cache, in memory; build directories are real (the orchestrator writes
// module.cpp and build.ninja into them).
struct FakeStore {
  std::string root;
  std::map<std::string, cache::Hit> entries;
  std::set<std::string> refused;  // keys whose entry is refused (wrong owner, say)
  std::map<std::string, int> counts;
  std::vector<std::string> build_dirs, discarded, published;
  std::vector<cache::Manifest> manifests;
  int lock_calls = 0;
  // Lock behaviour: another process holds it for `held_for` polls (on_wait
  // is told each time), then either publishes `theirs` (the waiter then hits
  // it) or keeps it (a timeout).
  int held_for = 0;
  bool holder_publishes = false, times_out = false;
  // A publish race: another process publishes this entry just before us.
  std::optional<cache::Hit> race;

  cache::Hit entry(const std::string& key, const std::string& dir) {
    cache::Hit h;
    h.entry_dir = dir;
    h.so_path = dir + "/m.so";
    h.manifest.key = key;
    return h;
  }
};

class FakeModuleStore : public ModuleStore {
 public:
  explicit FakeModuleStore(FakeStore* s) : s_(s) {}
  const std::string& root() const override { return s_->root; }
  bool read_only() const override { return false; }
  bool lookup(const std::string& key, cache::Hit* hit, cache::Miss* miss) override {
    if (s_->refused.count(key)) {
      *miss = {cache::MissKind::kForeignOwner, s_->root + "/v1/entries/" + key, "owned by someone else", {}, 0};
      return false;
    }
    auto it = s_->entries.find(key);
    if (it == s_->entries.end()) {
      *miss = cache::Miss();
      return false;
    }
    *hit = it->second;
    return true;
  }
  std::unique_ptr<cache::KeyLock> lock(const std::string& key, double, const cache::WaitCallback& on_wait,
                                       bool* timed_out, std::string* err) override {
    ++s_->lock_calls;
    *timed_out = false;
    for (int i = 0; i < s_->held_for; ++i)
      if (on_wait) on_wait(4242, i + 1.0);
    if (s_->times_out) {
      *timed_out = true;
      *err = "timed out after 1.0 s waiting for the build lock of key " + key;
      return nullptr;
    }
    if (s_->holder_publishes) s_->entries[key] = s_->entry(key, s_->root + "/theirs");
    return std::make_unique<cache::KeyLock>();
  }
  bool make_build_dir(const std::string&, std::string* dir, std::string*) override {
    *dir = s_->root + "/tmp/" + std::to_string(s_->build_dirs.size());
    std::filesystem::create_directories(*dir);
    s_->build_dirs.push_back(*dir);
    return true;
  }
  bool publish(const std::string& build_dir, const cache::Manifest& m, cache::Hit* hit, std::string*) override {
    s_->manifests.push_back(m);
    if (s_->race) {  // theirs wins; ours is thrown away
      *hit = *s_->race;
      s_->entries[m.key] = *hit;
      discard(build_dir, m.key, false);
      return true;
    }
    *hit = s_->entry(m.key, build_dir);
    hit->so_path = build_dir + "/" + m.so_name;
    s_->entries[m.key] = *hit;
    s_->published.push_back(build_dir);
    return true;
  }
  void discard(const std::string& build_dir, const std::string&, bool) override {
    s_->discarded.push_back(build_dir);
    std::filesystem::remove_all(build_dir);
  }
  std::string failed_log_path(const std::string& key) const override { return s_->root + "/failed/" + key + ".log"; }
  void count(std::string_view stat) override { ++s_->counts[std::string(stat)]; }
  bool keep_under(std::uint64_t, const std::string&, std::string*) override { return true; }

 private:
  FakeStore* s_;
};

class FakeStores : public StoreOpener {
 public:
  explicit FakeStores(FakeStore* s) : s_(s) {}
  std::unique_ptr<ModuleStore> open(const std::string&, std::string*) override {
    return std::make_unique<FakeModuleStore>(s_);
  }
  std::unique_ptr<ModuleStore> open_private_fallback(const std::string&, std::string*, std::string* err) override {
    *err = "no fallback in this test";
    return nullptr;
  }

 private:
  FakeStore* s_;
};

// The compiler's identity runs, ldd, and ninja: ninja "builds" every module
// build directory of the store (writes the shared object and a depfile that
// names a user header), or fails the ones whose module is in `fail`.
class FakeRunner : public build::ProcessRunner {
 public:
  FakeStore* store = nullptr;
  std::string header;              // a user header every module "includes"
  std::set<std::string> fail;      // module names whose compile fails
  std::vector<std::string> ninja;  // the cwd of each ninja run

  bool run(const std::vector<std::string>& argv, const std::string& cwd, const std::function<bool()>& tick,
           build::ProcessResult* result, std::string*) override {
    result->exit_code = 0;
    result->output.clear();
    if (argv.size() > 1 && argv[1] == "--version") {
      result->output = "fake-c++ 1.0\n";
    } else if (argv[0] == "ninja") {
      ninja.push_back(cwd);
      if (tick) tick();
      for (const auto& dir : store->build_dirs) {
        std::string module_cpp = cachetest::read_file(dir + "/module.cpp");
        if (module_cpp.empty()) continue;  // the batch directory, or gone
        const bool fails = std::any_of(fail.begin(), fail.end(), [&](const std::string& m) {
          return module_cpp.find("PyInit_" + m) != std::string::npos;
        });
        if (fails) {
          result->exit_code = 1;
          result->output += "FAILED: " + dir + "/module.o\ncd " + dir + " && c++ -c module.cpp\n" + dir +
                            "/module.cpp:3:1: error: boom\n";
          continue;
        }
        for (const auto& f : std::filesystem::directory_iterator(dir))  // <module>.pyi -> <module>.so
          if (f.path().extension() == ".pyi")
            cachetest::write_file(dir + "/" + f.path().stem().string() + ".so", "ELF");
        cachetest::write_file(dir + "/module.o.d", "module.o: module.cpp " + header + "\n");
      }
      if (result->exit_code != 0) result->output += "ninja: build stopped: subcommand failed.\n";
    }
    return true;  // `-E -v` and ldd: nothing to say
  }
};

class Events : public Reporter {
 public:
  std::vector<std::pair<std::string, std::string>> seen;
  void event(const std::string& kind, const std::string& message) override { seen.emplace_back(kind, message); }
  int count(const std::string& kind) const {
    int n = 0;
    for (const auto& e : seen) n += e.first == kind;
    return n;
  }
};

// A source tree, a fake store and runner, and a request for module `name`.
struct World {
  TempDir dir;
  FakeStore store;
  FakeRunner runner;
  FakeStores stores{&store};
  Events events;

  World() {
    store.root = dir / "cache";
    cachetest::write_file(dir / "user.h", "int three();\n");
    runner.store = &store;
    runner.header = dir / "user.h";
  }

  BuildRequest request(const std::string& name) {
    const std::string source = dir / (name + ".cxxpyx");
    cachetest::write_file(source, "PYX_EXPORT int twice_" + name + "(int x) { return 2 * x; }\n");
    BuildRequest r;
    r.source = source;
    r.module = name;
    r.cache_dir = store.root;
    r.cxx = "/bin/sh";  // any file: its identity comes from the fake runner
    r.templates_dir = std::string(CXXIMPORT_SOURCE_DIR) + "/templates";
    r.ext_suffix = ".so";
    r.max_size = "0";
    r.lock_timeout = 1;
    return r;
  }

  bool build(const BuildRequest& req, BuildResult* result, BuildFailure* failure) {
    return build_module(req, runner, stores, events, result, failure);
  }
};

}  // namespace

TEST(orchestrator_miss_builds_publishes_and_records_the_header) {
  World w;
  BuildResult r;
  BuildFailure f;
  CHECK(w.build(w.request("m"), &r, &f));
  CHECK_EQ(f.message, std::string());
  if (!r.built) return;
  CHECK_EQ(r.key.size(), std::size_t{32});
  CHECK_EQ(w.runner.ninja.size(), std::size_t{1});
  CHECK_EQ(w.store.counts["miss"], 1);
  CHECK_EQ(w.store.counts["build"], 1);
  CHECK_EQ(w.store.published.size(), std::size_t{1});
  CHECK_EQ(r.so_path, w.store.published[0] + "/m.so");
  CHECK_EQ(w.store.manifests[0].headers.size(), std::size_t{1});
  CHECK_EQ(w.store.manifests[0].headers[0].path, w.runner.header);
  // The batch directory (top-level build.ninja) is gone; the module's build
  // directory became the entry. wrappers.map was written next to module.cpp.
  CHECK_EQ(w.store.discarded.size(), std::size_t{1});
  CHECK(cachetest::exists(w.store.published[0] + "/wrappers.map"));
}

TEST(orchestrator_hit_runs_no_ninja_and_takes_no_lock) {
  World w;
  BuildResult first, r;
  BuildFailure f;
  CHECK(w.build(w.request("m"), &first, &f));
  CHECK(w.build(w.request("m"), &r, &f));
  CHECK(!r.built);
  CHECK_EQ(r.key, first.key);
  CHECK_EQ(r.so_path, first.so_path);
  CHECK_EQ(w.runner.ninja.size(), std::size_t{1});
  CHECK_EQ(w.store.lock_calls, 1);
  CHECK_EQ(w.store.counts["hit"], 1);
}

TEST(orchestrator_refused_entry_is_rebuilt_with_a_warning) {
  World w;
  BuildRequest req = w.request("m");
  BuildResult r;
  BuildFailure f;
  CHECK(w.build(req, &r, &f));
  w.store.refused.insert(r.key);
  w.store.entries.clear();
  CHECK(w.build(req, &r, &f));
  CHECK(r.built);
  CHECK_EQ(w.events.count("warning"), 1);
}

TEST(orchestrator_lock_wait_reports_and_then_hits_the_other_process_entry) {
  World w;
  w.store.held_for = 3;
  w.store.holder_publishes = true;
  BuildResult r;
  BuildFailure f;
  CHECK(w.build(w.request("m"), &r, &f));
  CHECK(!r.built);
  CHECK_EQ(r.entry_dir, w.store.root + "/theirs");
  CHECK_EQ(w.events.count("wait"), 3);
  CHECK(w.runner.ninja.empty());
  CHECK(w.store.build_dirs.empty());
}

TEST(orchestrator_lock_timeout_is_its_own_kind) {
  World w;
  w.store.held_for = 1;
  w.store.times_out = true;
  BuildResult r;
  BuildFailure f;
  CHECK(!w.build(w.request("m"), &r, &f));
  CHECK(f.kind == BuildFailure::Kind::LockTimeout);
  CHECK(w.runner.ninja.empty());
}

TEST(orchestrator_compile_failure_keeps_the_log_and_returns_the_wrapper_spans) {
  World w;
  w.runner.fail.insert("m");
  BuildResult r;
  BuildFailure f;
  CHECK(!w.build(w.request("m"), &r, &f));
  CHECK(f.kind == BuildFailure::Kind::Compile);
  CHECK(f.log.find("error: boom") != std::string::npos);
  CHECK(f.log.find("ninja: build stopped") != std::string::npos);  // a batch of one owns ninja's own lines
  CHECK_EQ(f.command, std::string("c++ -c module.cpp"));           // without the fragment's `cd DIR &&`
  CHECK_EQ(f.log_path, w.store.root + "/failed/" + r.key + ".log");
  CHECK_EQ(f.spans.size(), std::size_t{1});
  CHECK_EQ(f.spans[0].export_name, std::string("twice_m"));
  CHECK_EQ(f.spans[0].source_line, 1);
  CHECK(f.spans[0].first_line > 0 && f.spans[0].last_line >= f.spans[0].first_line);
  CHECK(f.module_cpp.find("twice_m") != std::string::npos);
  CHECK(w.store.published.empty());
  CHECK_EQ(w.store.counts["build_failed"], 1);
}

TEST(orchestrator_publish_race_uses_the_first_publishers_entry) {
  World w;
  w.store.race = w.store.entry("k", w.store.root + "/first");
  BuildResult r;
  BuildFailure f;
  CHECK(w.build(w.request("m"), &r, &f));
  CHECK(r.built);
  CHECK_EQ(r.entry_dir, w.store.root + "/first");
  CHECK(w.store.published.empty());
  CHECK_EQ(w.store.discarded.size(), std::size_t{2});  // ours and the batch directory
}

TEST(orchestrator_scan_error_carries_line_and_column) {
  World w;
  BuildRequest req = w.request("m");
  cachetest::write_file(req.source, "int ok;\nPYX_EXPORT void f(const T&);\n");
  BuildResult r;
  BuildFailure f;
  CHECK(!w.build(req, &r, &f));
  CHECK(f.kind == BuildFailure::Kind::Scan);
  CHECK_EQ(f.filename, req.source);
  CHECK_EQ(f.line, 2);
  CHECK_EQ(f.column, 19);
  CHECK(w.store.build_dirs.empty());
}

TEST(orchestrator_batch_builds_misses_in_one_ninja_run_and_settles_each) {
  World w;
  BuildResult r;
  BuildFailure f;
  CHECK(w.build(w.request("cached"), &r, &f));  // one ninja run
  CHECK_EQ(f.message, std::string());
  w.runner.fail.insert("bad");
  std::vector<BuildRequest> reqs = {w.request("cached"), w.request("fresh"), w.request("bad")};
  auto out = build_many(reqs, 2, w.runner, w.stores, w.events);
  CHECK_EQ(out.size(), std::size_t{3});
  CHECK(out[0].ok && !out[0].result.built);
  CHECK(out[1].ok && out[1].result.built);
  CHECK(!out[2].ok);
  CHECK(out[2].failure.kind == BuildFailure::Kind::Compile);
  CHECK(out[2].failure.log.find("error: boom") != std::string::npos);
  CHECK(out[1].failure.log.empty());
  CHECK_EQ(w.runner.ninja.size(), std::size_t{2});  // the batch's misses: one run
}

TEST(orchestrator_not_cached_failure_carries_the_miss) {
  World w;
  BuildRequest req = w.request("m");
  req.no_build = true;
  BuildResult r;
  BuildFailure f;
  CHECK(!w.build(req, &r, &f));
  CHECK(f.kind == BuildFailure::Kind::NotCached);
  CHECK(f.miss.kind == cache::MissKind::kAbsent);
  CHECK(f.message.find("(not cached;") != std::string::npos);
}
