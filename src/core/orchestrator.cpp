#include "core/orchestrator.hpp"

#include <chrono>
#include <mutex>
#include <set>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "toolchain/depfile.hpp"
#include "toolchain/ninja_file.hpp"
#include "toolchain/toolchain.hpp"
#include "toolchain/undefined_symbols.hpp"
#include "cache/admin.hpp"
#include "cache/fs_util.hpp"
#include "cache/layout.hpp"
#include "cache/units.hpp"
#include "cache/store.hpp"
#include "codegen/module_gen.hpp"
#include "codegen/module_name.hpp"
#include "codegen/stub_gen.hpp"
#include "core/include_shadow.hpp"
#include "core/key.hpp"
#include "scan/scanner.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"

#ifndef CXXIMPORT_VERSION
#define CXXIMPORT_VERSION "0.0.0-dev"
#endif

namespace cxximport::core {

namespace {

using Clock = std::chrono::steady_clock;

std::string dirname_of(const std::string& path) {
  auto pos = path.rfind('/');
  return pos == std::string::npos ? "." : pos == 0 ? "/" : path.substr(0, pos);
}

std::string absolute_in(const std::string& dir, const std::string& p) {
  return !p.empty() && p[0] == '/' ? p : dir + "/" + p;
}

bool under(const std::string& path, const std::string& dir) {
  if (dir.empty()) return false;
  std::string d = dir.back() == '/' ? dir : dir + "/";
  return path.rfind(d, 0) == 0;
}

// Options first, then the file's own directives: lists concatenate, flags OR,
// the file's arch/std/optimize win.
scan::Directives merge(const scan::Directives& opt, const scan::Directives& file) {
  scan::Directives d = opt;
  d.openmp |= file.openmp;
  d.boundscheck |= file.boundscheck;
  d.no_vecmath |= file.no_vecmath;
  if (!file.arch.empty()) d.arch = file.arch;
  if (!file.std.empty()) d.std = file.std;
  if (!file.optimize.empty()) d.optimize = file.optimize;
  auto append = [](std::vector<std::string>& a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
  };
  append(d.cxxflags, file.cxxflags);
  append(d.ldflags, file.ldflags);
  append(d.libraries, file.libraries);
  append(d.include_dirs, file.include_dirs);
  append(d.library_dirs, file.library_dirs);
  append(d.sources, file.sources);
  append(d.depends, file.depends);
  return d;
}

// The command ninja reports after "FAILED: ...".
std::string failed_command(const std::string& output) {
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("FAILED:", 0) == 0) {
      std::string cmd;
      if (std::getline(in, cmd)) return cmd;
    }
  }
  return "";
}

void set_failure(BuildFailure* f, BuildFailure::Kind kind, std::string message) {
  f->kind = kind;
  f->message = std::move(message);
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void set_done(PreparedModule* pm, const cache::Hit& hit, bool built) {
  pm->state = PreparedModule::State::Done;
  pm->result.so_path = hit.so_path;
  pm->result.entry_dir = hit.entry_dir;
  pm->result.so_dev = hit.so_dev;
  pm->result.so_ino = hit.so_ino;
  pm->result.built = built;
  pm->result.seconds = seconds_since(pm->started);
}

// Drops a Ready module's build dir and lock; the module becomes Failed.
void abandon(PreparedModule* pm, BuildFailure::Kind kind, const std::string& message, bool keep_log = false) {
  if (pm->store && !pm->build_dir.empty()) pm->store->discard(pm->build_dir, pm->result.key, keep_log);
  pm->build_dir.clear();
  pm->lock.reset();
  pm->state = PreparedModule::State::Failed;
  set_failure(&pm->failure, kind, message);
}

// Once per process and root: every import would otherwise repeat it.
void warn_once(Reporter& reporter, const std::string& root, const std::string& warning) {
  static std::mutex warned_mu;
  static std::set<std::string> warned;
  std::lock_guard<std::mutex> lock(warned_mu);
  if (warned.insert(root).second) reporter.event("warning", warning);
}

bool later(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
}

// Whether path was written or replaced after `since`, or is gone. By ctime,
// which every write, rename into place or chmod sets and nobody can set back
// (an mtime may be anything: tar, touch -d). A ctime later than now is a file
// server's clock running ahead, not an edit during the build: not counted.
bool changed_since(const std::string& path, const struct timespec& since) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return true;
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  now.tv_sec += 1;
  return later(st.st_ctim, since) && !later(st.st_ctim, now);
}

// A path for a message, its line breaks and tabs shown as \r, \n and \t.
std::string shown_path(const std::string& path) {
  std::string out;
  for (char c : path) out += c == '\r' ? "\\r" : c == '\n' ? "\\n" : c == '\t' ? "\\t" : std::string(1, c);
  return out;
}

// Why a path cannot be built, or "". build.ninja has no escape for a line
// break (nor for '|' in a build edge, where only `sources` files appear), and
// compilers write a tab into their depfile unescaped, so the headers beside
// the source would be misread.
std::string unbuildable_path(const std::string& path, bool in_build_edge) {
  if (path.find_first_of("\r\n") != std::string::npos)
    return "its path holds a newline or carriage return, which ninja cannot express; rename the directory or the file";
  if (path.find('\t') != std::string::npos)
    return "its path holds a tab, which the compiler's dependency file cannot express; rename the directory or the "
           "file";
  if (in_build_edge && path.find('|') != std::string::npos)
    return "its path holds '|', which ninja cannot express in a build edge; rename the directory or the file";
  return "";
}

}  // namespace

std::string default_cache_dir() { return cache::Store::default_root(); }

void prepare_module(const BuildRequest& req, build::ProcessRunner& runner, Reporter& reporter, LockWait wait,
                    PreparedModule* pm) {
  pm->req = req;
  pm->runner = &runner;
  pm->started = Clock::now();
  ::clock_gettime(CLOCK_REALTIME, &pm->inputs_read);
  pm->state = PreparedModule::State::Failed;
  BuildFailure* failure = &pm->failure;
  std::string err;

  if (req.source.empty() || req.source[0] != '/') {
    set_failure(failure, BuildFailure::Kind::Input, "source path must be absolute: " + req.source);
    return;
  }
  if (std::string why = unbuildable_path(req.source, false); !why.empty()) {
    set_failure(failure, BuildFailure::Kind::Input, "cannot build " + shown_path(req.source) + ": " + why);
    return;
  }
  if (std::string why; !codegen::check_module_name(req.module, &why)) {
    set_failure(failure, BuildFailure::Kind::Input,
                "cannot build a module named " + req.module + " from " + req.source + ": " + why);
    return;
  }
  std::string text;
  if (!read_file(req.source, &text, &err)) {
    set_failure(failure, BuildFailure::Kind::Input, err);
    return;
  }
  scan::ScanResult scan;
  if (!scan::scan_source(text, req.source, &scan, &err)) {
    set_failure(failure, BuildFailure::Kind::Scan, err);
    failure->filename = req.source;
    // "path:LINE:COL: ..." -> LINE
    std::size_t p = err.find(':', req.source.size());
    if (err.rfind(req.source, 0) == 0 && p != std::string::npos) failure->line = std::atoi(err.c_str() + p + 1);
    return;
  }
  {
    std::uint64_t cap = 0;
    std::string why;
    if (!cache::parse_size(req.max_size, &cap, &why)) {
      set_failure(failure, BuildFailure::Kind::Input, "build option 'max_size' is invalid: " + why);
      return;
    }
  }
  const std::string source_dir = dirname_of(req.source);
  scan::Directives dirs = merge(req.options, scan.directives);
  // Ufunc loops report floating-point errors through the CPU's flags, as
  // NumPy's do; errno would keep std::sqrt and friends from vectorising.
  // First, so a -fmath-errno of the user's still wins.
  for (const auto& e : scan.exports)
    if (e.kind != scan::ExportKind::function) {
      dirs.cxxflags.insert(dirs.cxxflags.begin(), "-fno-math-errno");
      break;
    }

  // Extra inputs whose content joins the key.
  std::vector<std::pair<std::string, std::string>> extra_files;
  std::vector<std::string> extra_sources;
  for (const auto& s : dirs.sources) {
    extra_sources.push_back(absolute_in(source_dir, s));
    if (std::string why = unbuildable_path(extra_sources.back(), true); !why.empty()) {
      set_failure(failure, BuildFailure::Kind::Input,
                  req.source + ": cannot build its `sources` file " + shown_path(extra_sources.back()) + ": " + why);
      return;
    }
  }
  std::vector<std::string> extras = extra_sources;
  for (const auto& d : dirs.depends) extras.push_back(absolute_in(source_dir, d));
  for (const auto& path : extras) {
    std::string h;
    if (!hash_file(path, &h, &err)) {
      set_failure(failure, BuildFailure::Kind::Input,
                  req.source + ": a `sources`/`depends` file cannot be read: " + err);
      return;
    }
    extra_files.emplace_back(path, h);
  }
  pm->key_files = extras;

  // The cache, with a private fallback when the chosen place is unusable.
  pm->store.emplace(req.cache_dir.empty() ? default_cache_dir() : req.cache_dir);
  cache::Store& store = *pm->store;
  if (!store.open(&err)) {
    std::string warning, err2;
    if (!cache::Store::open_private_fallback(err, &store, &warning, &err2)) {
      set_failure(failure, BuildFailure::Kind::Cache, err + "; and no private fallback cache: " + err2);
      return;
    }
    warn_once(reporter, store.root(), warning);
  } else if (store.read_only()) {
    warn_once(reporter, store.root(),
              "cxximport: the cache directory " + store.root() +
                  " is read-only: it serves the modules it holds but cannot store new ones "
                  "(a module it lacks is built into a private cache)");
  }

  std::string cxx = req.cxx;
  if (cxx.empty()) {
    const char* env = getenv("CXX");
    cxx = env && *env ? env : "c++";
  }
  build::CompilerIdentity id;
  std::string memo_dir = cache::layout::memo_dir(store.root());
  // A cache-only worker may have no compiler: the identity recorded when the
  // entries were built (in the same cache) stands in for it.
  if (!build::compiler_identity(cxx, memo_dir, runner, &id, &err) &&
      !(req.no_build && build::remembered_identity(cxx, memo_dir, &id))) {
    if (req.no_build)
      return set_failure(
          failure, BuildFailure::Kind::NotCached,
          "CXXIMPORT_NO_BUILD is set and " + req.module + " (" + req.source +
              ") cannot be looked up: the cache key includes the compiler's identity, and " + err +
              " (install the same compiler as the machine that ran `cxximport build`, or set CXX to it)");
    set_failure(failure, BuildFailure::Kind::Input, err);
    return;
  }
  pm->system_dirs = id.system_dirs;

  build::FlagInput fin;
  fin.build_type = req.build_type;
  fin.templates_dir = req.templates_dir;
  fin.python_include = req.python_include;
  fin.numpy_include = req.numpy_include;
  fin.source_dir = source_dir;
  fin.directives = dirs;
  fin.auto_march = build::auto_march(id, build::host_x86_level());
  fin.clang = id.version.find("clang") != std::string::npos;
  build::Flags flags = build::module_flags(fin);

  const std::string short_name = req.module.substr(req.module.rfind('.') + 1);
  build::NinjaModule& nm = pm->ninja;
  if (!req.launcher.empty()) nm.launcher.push_back(req.launcher);
  nm.compiler.push_back(id.path);
  nm.cxxflags = flags.cxxflags;
  nm.ldflags = flags.ldflags;
  nm.extra_sources = extra_sources;
  nm.output = short_name + req.ext_suffix;

  KeyInput kin;
  kin.version = CXXIMPORT_VERSION;
  if (!tree_hash(req.templates_dir, memo_dir, &kin.runtime_hash, &err)) {
    set_failure(failure, BuildFailure::Kind::Input, err);
    return;
  }
  kin.module = req.module;
  kin.source_path = req.source;
  kin.source_text = text;
  kin.compiler_path = id.path;
  kin.compiler_version = id.version;
  kin.compile_argv = flags.cxxflags;
  kin.link_argv = flags.ldflags;
  kin.ext_suffix = req.ext_suffix;
  kin.numpy_version = req.numpy_version;
  kin.numpy_include = req.numpy_include;
  kin.python_include = req.python_include;
  // Host-specific code is only valid on this CPU: the key must say which CPU.
  kin.cpu = build::host_specific(dirs) ? build::cpu_identity() : std::string();
  kin.build_type = req.build_type;
  kin.extra_files = extra_files;
  const std::string key = compute_key(kin);
  pm->result.key = key;
  pm->key_fields = key_fields(kin);

  cache::Hit hit;
  cache::Miss miss;
  if (!req.force && store.lookup(key, &hit, &miss)) {
    store.count("hit");
    return set_done(pm, hit, false);
  }
  if (!req.force) store.explain_miss(req.source, pm->key_fields, &miss);
  if (cache::refused(miss))
    reporter.event("warning", "an entry for " + req.module +
                                  " in the cache was refused and will be rebuilt: " + cache::describe(miss));
  else if (req.verbose && !req.force)
    reporter.event("output", "cache miss for " + req.module + ": " + cache::describe(miss));
  if (req.no_build) {
    set_failure(failure, BuildFailure::Kind::NotCached,
                "CXXIMPORT_NO_BUILD is set and " + req.module + " (" + req.source + ") is not in the cache at " +
                    store.root() + " (" + cache::describe(miss) + "; build it ahead of time with `cxximport build`)");
    failure->miss = miss;
    return;
  }
  if (store.read_only()) {
    // Build into the private cache (which may already hold it).
    std::string warning, fb_err;
    cache::Store fallback("");
    if (!cache::Store::open_private_fallback("the cache directory " + store.root() + " is read-only", &fallback,
                                             &warning, &fb_err)) {
      set_failure(failure, BuildFailure::Kind::Cache, fb_err);
      return;
    }
    // The read-only warning already said where builds go: one message, not two.
    if (req.verbose) reporter.event("output", warning);
    store = std::move(fallback);
    if (!req.force && store.lookup(key, &hit, &miss)) {
      store.count("hit");
      return set_done(pm, hit, false);
    }
  }
  store.count("miss");

  auto on_wait = [&](int pid, double waited) {
    reporter.event("wait", "waiting for another process (pid " + std::to_string(pid) + ") building " + req.module +
                               " (" + std::to_string(static_cast<int>(waited)) + " s)");
  };
  pm->lock = store.lock(key, wait == LockWait::Try ? 0 : req.lock_timeout, on_wait, &err);
  if (!pm->lock) {
    // Try: someone else builds it (or the lock is unusable: the blocking retry says so).
    pm->state = wait == LockWait::Try ? PreparedModule::State::Busy : PreparedModule::State::Failed;
    set_failure(failure, BuildFailure::Kind::Cache, err);
    return;
  }
  // Another process may have published while we waited.
  if (!req.force && store.lookup(key, &hit, &miss)) {
    pm->lock.reset();
    return set_done(pm, hit, false);
  }

  if (!store.make_build_dir(key, &pm->build_dir, &err)) {
    pm->build_dir.clear();
    return abandon(pm, BuildFailure::Kind::Cache, err);
  }
  codegen::ModuleInput min{req.module, req.source, text, CXXIMPORT_VERSION, req.templates_dir};
  codegen::GeneratedModule gen;
  if (!codegen::generate_module(scan, min, &gen, &err)) return abandon(pm, BuildFailure::Kind::Cache, err);
  std::string spans;
  for (const auto& s : gen.spans)
    spans += std::to_string(s.first_line) + " " + std::to_string(s.last_line) + " " + std::to_string(s.source_line) +
             " " + s.export_name + "\n";
  const std::string& dir = pm->build_dir;
  if (!write_file(dir + "/module.cpp", gen.module_cpp, &err) || !write_file(dir + "/wrappers.map", spans, &err) ||
      !write_file(dir + "/build.ninja", build::write_ninja(nm), &err) ||
      !write_file(dir + "/" + short_name + ".pyi", codegen::generate_stub(scan, req.module, req.source), &err))
    return abandon(pm, BuildFailure::Kind::Cache, err);
  pm->state = PreparedModule::State::Ready;
}

namespace {

// An input changed while the module was built: what the compiler read is
// unknown, so the result must not be published under hashes read afterwards
// (every later import would hit stale code). As ccache does, it is not
// cached: this import loads it from its build directory, which stays in tmp/
// until this process exits (then the next Store::open removes it), and the
// next import builds again.
void keep_unpublished(Reporter& reporter, const std::vector<std::string>& changed, PreparedModule* pm) {
  std::string err;
  const std::string so_path = pm->build_dir + "/" + pm->ninja.output;
  struct stat st;
  if (!cache::fs::make_tree_private(pm->build_dir, &err) || ::stat(so_path.c_str(), &st) != 0)
    return abandon(pm, BuildFailure::Kind::Cache, "cannot use the shared object in " + pm->build_dir + ": " + err);
  std::string list;
  for (const auto& c : changed) list += (list.empty() ? "" : ", ") + c;
  reporter.event("warning", "cxximport: " + list + " changed while " + pm->req.module +
                                " was being built: this build is used but not cached, the next import builds again");
  pm->store->count("build");
  pm->lock.reset();
  pm->state = PreparedModule::State::Done;
  pm->result.so_path = so_path;
  pm->result.entry_dir = pm->build_dir;
  pm->result.so_dev = static_cast<std::uint64_t>(st.st_dev);
  pm->result.so_ino = static_cast<std::uint64_t>(st.st_ino);
  pm->result.built = true;
  pm->result.seconds = seconds_since(pm->started);
  pm->build_dir.clear();
}

}  // namespace

void finish_module(const NinjaOutcome& outcome, Reporter& reporter, PreparedModule* pm) {
  if (pm->state != PreparedModule::State::Ready) return;
  const BuildRequest& req = pm->req;
  const std::string key = pm->result.key;
  cache::Store& store = *pm->store;
  std::string err;
  if (!outcome.ran) return abandon(pm, BuildFailure::Kind::Cache, outcome.log + " (is the ninja package installed?)");
  write_file(pm->build_dir + "/build.log", outcome.log, &err);
  if (req.verbose) reporter.event("output", outcome.log);
  if (outcome.cancelled) return abandon(pm, BuildFailure::Kind::Input, "build of " + req.module + " interrupted");
  if (outcome.failed) {
    store.count("build_failed");
    const std::string log_path = store.failed_log_path(key);
    abandon(pm, BuildFailure::Kind::Compile, "building " + req.module + " from " + req.source + " failed", true);
    pm->failure.log = outcome.log;
    pm->failure.command = outcome.command;
    pm->failure.log_path = log_path;
    return;
  }

  // A symbol left undefined would only fail at import, after publishing.
  std::vector<std::string> undefined;
  if (pm->runner) build::check_undefined_symbols(*pm->runner, pm->build_dir + "/" + pm->ninja.output, &undefined);
  if (!undefined.empty()) {
    std::string explain = "error: the module uses functions that are declared but never defined:";
    for (const auto& u : undefined) explain += "\n  " + u;
    explain +=
        "\n(define them, or name their files with `// cxximport: sources = ...` or their libraries with "
        "`// cxximport: libraries = ...`)\n";
    store.count("build_failed");
    const std::string log_path = store.failed_log_path(key);
    const std::string log = outcome.log + "\n" + explain;
    write_file(pm->build_dir + "/build.log", log, &err);
    abandon(pm, BuildFailure::Kind::Compile, "building " + req.module + " from " + req.source + " failed", true);
    pm->failure.log = log;
    pm->failure.log_path = log_path;
    return;
  }

  // Record every user header the compiler read, with its hash.
  const std::string& build_dir = pm->build_dir;
  cache::Manifest m;
  m.module = req.module;
  m.source = req.source;
  m.key = key;
  m.so_name = pm->ninja.output;
  std::vector<std::string> changed;  // inputs edited while the compiler ran
  for (const auto& dep_file : build::object_depfiles(pm->ninja)) {
    std::string dtext;
    std::vector<std::string> deps;
    if (!read_file(build_dir + "/" + dep_file, &dtext, &err) || !build::parse_depfile(dtext, &deps, &err))
      return abandon(pm, BuildFailure::Kind::Cache, "cannot read the compiler's depfile: " + err);
    for (const auto& dep : deps) {
      if (dep.empty() || dep[0] != '/') continue;  // module.cpp and other build-dir files
      if (dep == req.source || under(dep, req.templates_dir) || under(dep, req.python_include) ||
          under(dep, req.numpy_include) || under(dep, build_dir))
        continue;
      bool system = false;
      for (const auto& sd : pm->system_dirs) system |= under(dep, sd);
      if (system) continue;
      bool seen = false;
      for (const auto& h : m.headers) seen |= h.path == dep;
      if (seen) continue;
      cache::HeaderDigest hd{dep, ""};
      if (changed_since(dep, pm->inputs_read)) changed.push_back(dep);
      if (!hash_file(dep, &hd.hash, &err)) return abandon(pm, BuildFailure::Kind::Cache, err);
      m.headers.push_back(hd);
    }
  }
  for (const auto& f : pm->key_files)
    if (changed_since(f, pm->inputs_read)) changed.push_back(f);
  if (!changed.empty()) return keep_unpublished(reporter, changed, pm);
  std::vector<std::string> used;
  for (const auto& h : m.headers) used.push_back(h.path);
  m.absent = shadow_candidates(include_search_dirs(pm->ninja.cxxflags), used);
  // Objects and depfiles are spent once linked and read: an entry keeps only
  // what loading, `cxximport show` and debugging need (about halves its size).
  for (const auto& dep_file : build::object_depfiles(pm->ninja)) {
    ::unlink((build_dir + "/" + dep_file).c_str());
    ::unlink((build_dir + "/" + dep_file.substr(0, dep_file.size() - 2)).c_str());
  }
  cache::Hit hit;
  if (!store.publish(build_dir, m, &hit, &err)) return abandon(pm, BuildFailure::Kind::Cache, err);
  store.count("build");
  store.remember_key_fields(req.source, pm->key_fields);
  std::uint64_t cap = 0;
  cache::PruneResult pruned;
  if (cache::parse_size(req.max_size, &cap, &err) && cap > 0 &&
      !cache::prune_to_fit(store.root(), cap, hit.entry_dir, &pruned, &err))
    reporter.event("warning", "cxximport: cannot keep the cache under max_size " + req.max_size + ": " + err);
  pm->build_dir.clear();
  pm->lock.reset();
  set_done(pm, hit, true);
}

bool build_module(const BuildRequest& req, build::ProcessRunner& runner, Reporter& reporter, BuildResult* result,
                  BuildFailure* failure) {
  PreparedModule pm;
  prepare_module(req, runner, reporter, LockWait::Block, &pm);
  if (pm.state == PreparedModule::State::Ready) {
    std::vector<std::string> ninja_argv = {req.ninja};
    if (req.jobs > 0) ninja_argv.push_back("-j" + std::to_string(req.jobs));
    if (req.verbose) ninja_argv.push_back("-v");
    if (req.verbose)
      reporter.event("command", build::shell_join(build::compile_argv(pm.ninja, "module.cpp", "module.o")));
    auto tick = [&] {
      reporter.event("building", std::to_string(seconds_since(pm.started)));
      return !reporter.cancelled();
    };
    build::ProcessResult pr;
    NinjaOutcome outcome;
    std::string err;
    outcome.ran = runner.run(ninja_argv, pm.build_dir, tick, &pr, &err);
    outcome.cancelled = reporter.cancelled();
    outcome.failed = pr.exit_code != 0;
    outcome.log = outcome.ran ? pr.output : err;
    outcome.command = failed_command(pr.output);
    finish_module(outcome, reporter, &pm);
  }
  *result = pm.result;
  *failure = pm.failure;
  return pm.state == PreparedModule::State::Done;
}

}  // namespace cxximport::core
