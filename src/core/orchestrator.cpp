#include "core/orchestrator.hpp"

#include <chrono>
#include <mutex>
#include <set>
#include <cstdlib>
#include <fstream>
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
#include "scan/directives.hpp"
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

namespace {

// Everything one module's build depends on, resolved once from the request,
// the file and the machine; the steps below read it instead of copying the
// request field by field.
struct Resolved {
  std::string text;  // the source, as read (its bytes join the key)
  scan::ScanResult scan;
  std::string source_dir, short_name;
  scan::Directives dirs;                   // the request's options, the file's directives over them
  std::vector<std::string> extra_sources;  // `sources`, absolute
  std::vector<std::pair<std::string, std::string>> extra_files;  // `sources` and `depends`: (path, hash)
  std::string cxx;                                               // as named (request, $CXX, "c++")
  build::CompilerIdentity compiler;
  build::Flags flags;
  std::string runtime_hash;  // of the templates the module compiles
};

// Step: what can be refused before reading anything.
bool check_request(const BuildRequest& req, BuildFailure* failure) {
  std::string why;
  if (req.source.empty() || req.source[0] != '/')
    why = "source path must be absolute: " + req.source;
  else if (std::string path_why = unbuildable_path(req.source, false); !path_why.empty())
    why = "cannot build " + shown_path(req.source) + ": " + path_why;
  else if (std::string name_why; !codegen::check_module_name(req.module, &name_why))
    why = "cannot build a module named " + req.module + " from " + req.source + ": " + name_why;
  if (why.empty()) return true;
  set_failure(failure, BuildFailure::Kind::Input, why);
  return false;
}

// Step: read and scan the source; a scan error carries file, line and column.
bool read_and_scan(const BuildRequest& req, Resolved* in, BuildFailure* failure) {
  std::string err;
  if (!read_file(req.source, &in->text, &err)) {
    set_failure(failure, BuildFailure::Kind::Input, err);
    return false;
  }
  if (scan::scan_source(in->text, req.source, &in->scan, &err)) return true;
  set_failure(failure, BuildFailure::Kind::Scan, err);
  failure->filename = req.source;
  scan_error_location(err, req.source, &failure->line, &failure->column);
  return false;
}

// Step: the request's options with the file's directives merged over them,
// and the extra files (`sources`, `depends`) whose content joins the key.
bool resolve_directives(const BuildRequest& req, Resolved* in, BuildFailure* failure) {
  std::uint64_t cap = 0;
  std::string err;
  if (!cache::parse_size(req.max_size, &cap, &err)) {
    set_failure(failure, BuildFailure::Kind::Input, "build option 'max_size' is invalid: " + err);
    return false;
  }
  in->source_dir = dirname_of(req.source);
  in->short_name = req.module.substr(req.module.rfind('.') + 1);
  in->dirs = scan::merge_directives(req.options, in->scan.directives);
  // Ufunc loops report floating-point errors through the CPU's flags, as
  // NumPy's do; errno would keep std::sqrt and friends from vectorising.
  // First, so a -fmath-errno of the user's still wins.
  for (const auto& e : in->scan.exports)
    if (e.kind != scan::ExportKind::function) {
      in->dirs.cxxflags.insert(in->dirs.cxxflags.begin(), "-fno-math-errno");
      break;
    }
  for (const auto& s : in->dirs.sources) {
    in->extra_sources.push_back(absolute_in(in->source_dir, s));
    if (std::string why = unbuildable_path(in->extra_sources.back(), true); !why.empty()) {
      set_failure(
          failure, BuildFailure::Kind::Input,
          req.source + ": cannot build its `sources` file " + shown_path(in->extra_sources.back()) + ": " + why);
      return false;
    }
  }
  std::vector<std::string> extras = in->extra_sources;
  for (const auto& d : in->dirs.depends) extras.push_back(absolute_in(in->source_dir, d));
  for (const auto& path : extras) {
    std::string h;
    if (!hash_file(path, &h, &err)) {
      set_failure(failure, BuildFailure::Kind::Input,
                  req.source + ": a `sources`/`depends` file cannot be read: " + err);
      return false;
    }
    in->extra_files.emplace_back(path, h);
  }
  return true;
}

// Step: the cache, with a private fallback when the chosen place is unusable.
bool open_store(const BuildRequest& req, StoreOpener& stores, Reporter& reporter, PreparedModule* pm) {
  std::string err;
  pm->store = stores.open(req.cache_dir.empty() ? default_cache_dir() : req.cache_dir, &err);
  if (!pm->store) {
    std::string warning, err2;
    pm->store = stores.open_private_fallback(err, &warning, &err2);
    if (!pm->store) {
      set_failure(&pm->failure, BuildFailure::Kind::Cache, err + "; and no private fallback cache: " + err2);
      return false;
    }
    warn_once(reporter, pm->store->root(), warning);
  } else if (pm->store->read_only()) {
    warn_once(reporter, pm->store->root(),
              "the cache directory " + pm->store->root() +
                  " is read-only: it serves the modules it holds but cannot store new ones "
                  "(a module it lacks is built into a private cache)");
  }
  return true;
}

// Step: which compiler, what it is (memoised in the store), the flags the
// module compiles with and the hash of the runtime headers.
bool identify_toolchain(const BuildRequest& req, build::ProcessRunner& runner, const std::string& memo_dir,
                        Resolved* in, BuildFailure* failure) {
  std::string err;
  in->cxx = req.cxx;
  if (in->cxx.empty()) {
    const char* env = getenv("CXX");
    in->cxx = env && *env ? env : "c++";
  }
  // A cache-only worker may have no compiler: the identity recorded when the
  // entries were built (in the same cache) stands in for it.
  if (!build::compiler_identity(in->cxx, memo_dir, runner, &in->compiler, &err) &&
      !(req.no_build && build::remembered_identity(in->cxx, memo_dir, &in->compiler))) {
    if (req.no_build) {
      set_failure(failure, BuildFailure::Kind::NotCached,
                  "CXXIMPORT_NO_BUILD is set and " + req.module + " (" + req.source +
                      ") cannot be looked up: the cache key includes the compiler's identity, and " + err +
                      " (install the same compiler as the machine that ran `cxximport build`, or set CXX to it)");
    } else {
      set_failure(failure, BuildFailure::Kind::Input, err);
    }
    return false;
  }
  build::FlagInput fin;
  fin.build_type = req.build_type;
  fin.templates_dir = req.templates_dir;
  fin.python_include = req.python_include;
  fin.numpy_include = req.numpy_include;
  fin.source_dir = in->source_dir;
  fin.directives = in->dirs;
  fin.auto_march = build::auto_march(in->compiler, build::host_x86_level());
  fin.clang = in->compiler.version.find("clang") != std::string::npos;
  in->flags = build::module_flags(fin);
  if (!tree_hash(req.templates_dir, memo_dir, &in->runtime_hash, &err)) {
    set_failure(failure, BuildFailure::Kind::Input, err);
    return false;
  }
  return true;
}

build::NinjaModule ninja_module(const BuildRequest& req, const Resolved& in) {
  build::NinjaModule nm;
  if (!req.launcher.empty()) nm.launcher.push_back(req.launcher);
  nm.compiler.push_back(in.compiler.path);
  nm.cxxflags = in.flags.cxxflags;
  nm.ldflags = in.flags.ldflags;
  nm.extra_sources = in.extra_sources;
  nm.output = in.short_name + req.ext_suffix;
  return nm;
}

std::string module_key(const BuildRequest& req, const Resolved& in, cache::KeyFields* fields) {
  KeyInput kin;
  kin.version = CXXIMPORT_VERSION;
  kin.generator = CXXIMPORT_GENERATOR_HASH;
  kin.runtime_hash = in.runtime_hash;
  kin.module = req.module;
  kin.source_path = req.source;
  kin.source_text = in.text;
  kin.compiler_path = in.compiler.path;
  kin.compiler_version = in.compiler.version;
  kin.compile_argv = in.flags.cxxflags;
  kin.link_argv = in.flags.ldflags;
  kin.ext_suffix = req.ext_suffix;
  kin.numpy_version = req.numpy_version;
  kin.numpy_include = req.numpy_include;
  kin.python_include = req.python_include;
  // Host-specific code is only valid on this CPU: the key must say which CPU.
  kin.cpu = build::host_specific(in.dirs) ? build::cpu_identity() : std::string();
  kin.build_type = req.build_type;
  kin.extra_files = in.extra_files;
  *fields = key_fields(kin);
  return compute_key(kin);
}

// Step: a hit settles the module (true); so does a failure. False: it must
// be built, into pm->store (a read-only cache is swapped for the private one).
bool look_up(const BuildRequest& req, const Resolved& in, StoreOpener& stores, Reporter& reporter, PreparedModule* pm) {
  const std::string& key = pm->result.key;
  cache::Hit hit;
  cache::Miss miss;
  if (!req.force && pm->store->lookup(key, &hit, &miss)) {
    pm->store->count("hit");
    set_done(pm, hit, false);
    return true;
  }
  if (!req.force) pm->store->explain_miss(req.source, pm->key_fields, &miss);
  if (cache::refused(miss))
    reporter.event("warning", "an entry for " + req.module +
                                  " in the cache was refused and will be rebuilt: " + cache::describe(miss));
  else if (req.verbose && !req.force)
    reporter.event("output", "cache miss for " + req.module + ": " + cache::describe(miss));
  if (req.no_build) {
    set_failure(&pm->failure, BuildFailure::Kind::NotCached,
                "CXXIMPORT_NO_BUILD is set and " + req.module + " (" + req.source + ") is not in the cache at " +
                    pm->store->root() + " (" + cache::describe(miss) +
                    "; build it ahead of time with `cxximport build`)");
    pm->failure.miss = miss;
    return true;
  }
  // Only a build needs them: a cached module loads whatever CXX names.
  if (std::string why_not = build::driver_problem(in.cxx, req.launcher); !why_not.empty()) {
    set_failure(&pm->failure, BuildFailure::Kind::Input, "cannot build " + req.module + ": " + why_not);
    return true;
  }
  if (pm->store->read_only()) {
    // Build into the private cache (which may already hold it).
    std::string warning, err;
    auto fallback =
        stores.open_private_fallback("the cache directory " + pm->store->root() + " is read-only", &warning, &err);
    if (!fallback) {
      set_failure(&pm->failure, BuildFailure::Kind::Cache, err);
      return true;
    }
    // The read-only warning already said where builds go: one message, not two.
    if (req.verbose) reporter.event("output", warning);
    pm->store = std::move(fallback);
    if (!req.force && pm->store->lookup(key, &hit, &miss)) {
      pm->store->count("hit");
      set_done(pm, hit, false);
      return true;
    }
  }
  pm->store->count("miss");
  return false;
}

// Step: the key's build lock (waiting for, or with LockWait::Try skipping, a
// process that holds it), then a second look: it may have published meanwhile.
// True when the module is settled (hit, busy or failed).
bool lock_key(const BuildRequest& req, LockWait wait, Reporter& reporter, PreparedModule* pm) {
  const std::string& key = pm->result.key;
  auto on_wait = [&](int pid, double waited) {
    reporter.event("wait", "waiting for another process (pid " + std::to_string(pid) + ") building " + req.module +
                               " (" + std::to_string(static_cast<int>(waited)) + " s)");
  };
  std::string err;
  bool timed_out = false;
  pm->lock = pm->store->lock(key, wait == LockWait::Try ? 0 : req.lock_timeout, on_wait, &timed_out, &err);
  if (!pm->lock) {
    // Try: someone else builds it (or the lock is unusable: the blocking retry says so).
    pm->state = wait == LockWait::Try ? PreparedModule::State::Busy : PreparedModule::State::Failed;
    set_failure(&pm->failure, timed_out ? BuildFailure::Kind::LockTimeout : BuildFailure::Kind::Cache, err);
    return true;
  }
  cache::Hit hit;
  cache::Miss miss;
  if (!req.force && pm->store->lookup(key, &hit, &miss)) {
    pm->lock.reset();
    set_done(pm, hit, false);
    return true;
  }
  return false;
}

// Step: module.cpp, wrappers.map, build.ninja and the .pyi in a private
// build directory; the module becomes Ready.
void generate_build_dir(const BuildRequest& req, const Resolved& in, PreparedModule* pm) {
  std::string err;
  if (!pm->store->make_build_dir(pm->result.key, &pm->build_dir, &err)) {
    pm->build_dir.clear();
    return abandon(pm, BuildFailure::Kind::Cache, err);
  }
  codegen::ModuleInput min{req.module, req.source, in.text, CXXIMPORT_VERSION, req.templates_dir};
  codegen::GeneratedModule& gen = pm->generated;
  if (!codegen::generate_module(in.scan, min, &gen, &err)) return abandon(pm, BuildFailure::Kind::Cache, err);
  std::string spans;
  for (const auto& s : gen.spans)
    spans += std::to_string(s.first_line) + " " + std::to_string(s.last_line) + " " + std::to_string(s.source_line) +
             " " + s.export_name + "\n";
  const std::string& dir = pm->build_dir;
  if (!write_file(dir + "/module.cpp", gen.module_cpp, &err) || !write_file(dir + "/wrappers.map", spans, &err) ||
      !write_file(dir + "/build.ninja", build::write_ninja(pm->ninja), &err) ||
      !write_file(dir + "/" + in.short_name + ".pyi", codegen::generate_stub(in.scan, req.module, req.source), &err))
    return abandon(pm, BuildFailure::Kind::Cache, err);
  pm->state = PreparedModule::State::Ready;
}

}  // namespace

std::string default_cache_dir() { return cache::Store::default_root(); }

void scan_error_location(const std::string& err, const std::string& path, int* line, int* column) {
  if (err.rfind(path, 0) != 0 || err.size() <= path.size() || err[path.size()] != ':') return;
  char* end = nullptr;
  *line = static_cast<int>(std::strtol(err.c_str() + path.size() + 1, &end, 10));
  if (end && *end == ':') *column = static_cast<int>(std::strtol(end + 1, nullptr, 10));
}

void prepare_module(const BuildRequest& req, build::ProcessRunner& runner, StoreOpener& stores, Reporter& reporter,
                    LockWait wait, PreparedModule* pm) {
  pm->req = req;
  pm->runner = &runner;
  pm->started = Clock::now();
  ::clock_gettime(CLOCK_REALTIME, &pm->inputs_read);
  pm->state = PreparedModule::State::Failed;
  Resolved in;
  if (!check_request(req, &pm->failure) || !read_and_scan(req, &in, &pm->failure) ||
      !resolve_directives(req, &in, &pm->failure) || !open_store(req, stores, reporter, pm) ||
      !identify_toolchain(req, runner, cache::layout::memo_dir(pm->store->root()), &in, &pm->failure))
    return;
  for (const auto& f : in.extra_files) pm->key_files.push_back(f.first);
  pm->system_dirs = in.compiler.system_dirs;
  pm->ninja = ninja_module(req, in);
  pm->result.key = module_key(req, in, &pm->key_fields);
  if (look_up(req, in, stores, reporter, pm) || lock_key(req, wait, reporter, pm)) return;
  generate_build_dir(req, in, pm);
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
  reporter.event("warning", list + " changed while " + pm->req.module +
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
  ModuleStore& store = *pm->store;
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
    pm->failure.module_cpp = std::move(pm->generated.module_cpp);
    pm->failure.spans = std::move(pm->generated.spans);
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
  // Ninja's own state, wherever a ninja run left it: not part of an entry.
  for (const char* spent : {"/.ninja_log", "/.ninja_deps"}) ::unlink((build_dir + spent).c_str());
  cache::Hit hit;
  if (!store.publish(build_dir, m, &hit, &err)) return abandon(pm, BuildFailure::Kind::Cache, err);
  store.count("build");
  store.remember_key_fields(req.source, pm->key_fields);
  std::uint64_t cap = 0;
  if (cache::parse_size(req.max_size, &cap, &err) && cap > 0 && !store.keep_under(cap, hit.entry_dir, &err))
    reporter.event("warning", "cannot keep the cache under max_size " + req.max_size + ": " + err);
  pm->build_dir.clear();
  pm->lock.reset();
  set_done(pm, hit, true);
}

}  // namespace cxximport::core
