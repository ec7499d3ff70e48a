#include "toolchain/toolchain.hpp"

#include <cctype>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.hpp"
#include "util/hash.hpp"

namespace cxximport::build {

bool resolve_program(const std::string& name, std::string* path, std::string* err) {
  if (name.find('/') != std::string::npos) {
    if (access(name.c_str(), X_OK) != 0) {
      *err = "compiler '" + name + "' is not an executable file";
      return false;
    }
    char* real = realpath(name.c_str(), nullptr);
    *path = real ? real : name;
    free(real);
    return true;
  }
  const char* env = getenv("PATH");
  std::string dirs = env ? env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0) {
      // Keep the name as found on PATH (ccache-style masquerade links must stay links).
      *path = candidate;
      return true;
    }
    start = end + 1;
  }
  *err = "compiler '" + name + "' not found on PATH (install g++, or set CXX)";
  return false;
}

namespace {

// "gcc" -> "g++", "x86_64-linux-gnu-gcc-12" -> "x86_64-linux-gnu-g++-12",
// "clang-18" -> "clang++-18", "cc" -> "c++"; "" for anything else.
std::string cxx_of_c_driver(const std::string& name) {
  std::string base = name.substr(name.rfind('/') + 1);
  std::size_t end = base.size();
  while (end > 0 && (std::isdigit(static_cast<unsigned char>(base[end - 1])) || base[end - 1] == '.')) --end;
  if (end > 0 && end < base.size() && base[end - 1] == '-') --end;  // a version suffix: -12, -18.1
  std::string stem = base.substr(0, end), suffix = base.substr(end);
  for (auto [c, cxx] : {std::pair{"gcc", "g++"}, {"clang", "clang++"}, {"cc", "c++"}}) {
    std::string_view s(c);
    if (stem == s || (stem.size() > s.size() && stem.compare(stem.size() - s.size(), s.size(), s) == 0 &&
                      stem[stem.size() - s.size() - 1] == '-'))
      return stem.substr(0, stem.size() - s.size()) + cxx + suffix;
  }
  return "";
}

}  // namespace

std::string driver_problem(const std::string& cxx, const std::string& launcher) {
  if (std::string fix = cxx_of_c_driver(cxx); !fix.empty())
    return "the compiler '" + cxx +
           "' is a C compiler driver: it links without the C++ standard library; set CXX=" + fix +
           " (or the cxx option) to its C++ driver";
  std::string path, err;
  if (!launcher.empty() && !resolve_program(launcher, &path, &err))
    return "the compiler launcher '" + launcher +
           "' (CXXIMPORT_COMPILER_LAUNCHER or the launcher option) is not installed: install it, or unset "
           "CXXIMPORT_COMPILER_LAUNCHER to compile without a launcher";
  return "";
}

namespace {

// Memo format: line 1 "<size> <mtime_ns>" of the binary, line 2 "levels=0|1",
// then the version text, a line "\x1e", and the system include directories
// one per line. A memo without the levels line (an older format) is not read,
// so it is probed again. An empty stamp accepts any (the compiler is gone:
// see remembered_identity).
bool read_memo(const std::string& file, const std::string& stamp, CompilerIdentity* id) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  const std::string sep = "\n\x1e\n";
  std::size_t a = text.find('\n');
  if (a == std::string::npos || (!stamp.empty() && text.substr(0, a) != stamp)) return false;
  const std::string levels = "levels=";
  if (text.compare(a + 1, levels.size(), levels) != 0 || text.size() < a + levels.size() + 3) return false;
  char flag = text[a + 1 + levels.size()];
  if ((flag != '0' && flag != '1') || text[a + 2 + levels.size()] != '\n') return false;
  id->x86_levels = flag == '1';
  a += levels.size() + 2;
  std::size_t b = text.find(sep, a + 1);
  if (b == std::string::npos) return false;
  id->version = text.substr(a + 1, b - a - 1);
  std::string dirs = text.substr(b + sep.size());
  std::istringstream ds(dirs);
  std::string line;
  id->system_dirs.clear();
  while (std::getline(ds, line))
    if (!line.empty()) id->system_dirs.push_back(line);
  return !id->version.empty();
}

void write_memo(const std::string& memo_dir, const std::string& file, const std::string& stamp,
                const CompilerIdentity& id) {
  mkdir(memo_dir.c_str(), 0700);
  std::string text = stamp + "\nlevels=" + (id.x86_levels ? '1' : '0') + "\n" + id.version + "\n\x1e\n";
  for (const auto& d : id.system_dirs) text += d + "\n";
  std::string ignored;  // a memo is an optimisation: failing to write it is fine
  write_file_atomic(file, text, 0600, &ignored, false);
}

std::vector<std::string> parse_search_dirs(const std::string& verbose_output) {
  std::vector<std::string> dirs;
  std::istringstream in(verbose_output);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("#include <...> search starts here:", 0) == 0) {
      inside = true;
      continue;
    }
    if (line.rfind("End of search list.", 0) == 0) break;
    if (inside && !line.empty() && line[0] == ' ') {
      std::string d = line.substr(line.find_first_not_of(' '));
      auto fw = d.find(" (framework directory)");
      if (fw != std::string::npos) d = d.substr(0, fw);
      char* real = realpath(d.c_str(), nullptr);
      dirs.push_back(real ? real : d);
      free(real);
    }
  }
  return dirs;
}

}  // namespace

bool compiler_identity(const std::string& cxx, const std::string& memo_dir, ProcessRunner& runner, CompilerIdentity* id,
                       std::string* err) {
  if (!resolve_program(cxx, &id->path, err)) return false;
  struct stat st;
  char* real = realpath(id->path.c_str(), nullptr);  // stat the binary behind any symlink
  int rc = stat(real ? real : id->path.c_str(), &st);
  free(real);
  if (rc != 0) {
    *err = id->path + ": " + std::strerror(errno);
    return false;
  }
  std::string stamp = std::to_string(st.st_size) + " " +
                      std::to_string(static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec);
  std::string file = memo_dir + "/" + hash_bytes(id->path).substr(0, 24);
  if (read_memo(file, stamp, id)) return true;

  ProcessResult version, search;
  if (!runner.run({id->path, "--version"}, "", nullptr, &version, err)) return false;
  if (version.exit_code != 0) {
    *err = id->path + " --version failed:\n" + version.output;
    return false;
  }
  id->version = version.output;
  // The search path run also asks whether the compiler knows the psABI level
  // names (for arch = auto); only a compiler that refuses them runs twice.
  auto search_run = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = {id->path, "-x", "c++", "-E", "-v"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), {"/dev/null", "-o", "/dev/null"});
    return runner.run(argv, "", nullptr, &search, err);
  };
  if (!search_run({"-march=x86-64-v2"})) return false;
  id->x86_levels = search.exit_code == 0;
  if (!id->x86_levels && !search_run({})) return false;
  id->system_dirs = parse_search_dirs(search.output);
  write_memo(memo_dir, file, stamp, *id);
  // Which binary `cxx` named, for machines that have the cache but not the compiler.
  std::string name_file = memo_dir + "/name-" + hash_bytes(cxx).substr(0, 24);
  std::string ignored;
  write_file_atomic(name_file, id->path, 0600, &ignored, false);
  return true;
}

bool remembered_identity(const std::string& cxx, const std::string& memo_dir, CompilerIdentity* id) {
  std::ifstream in(memo_dir + "/name-" + hash_bytes(cxx).substr(0, 24), std::ios::binary);
  if (!in || !std::getline(in, id->path) || id->path.empty()) return false;
  return read_memo(memo_dir + "/" + hash_bytes(id->path).substr(0, 24), "", id);
}

namespace {

// The lines of the first processor's block of /proc/cpuinfo whose field is
// one of `fields`, in file order (none where the file does not exist).
std::vector<std::string> cpuinfo_lines(std::initializer_list<std::string_view> fields) {
  std::ifstream in("/proc/cpuinfo");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line) && !line.empty()) {
    for (std::string_view field : fields) {
      std::size_t n = field.size();
      if (line.compare(0, n, field) == 0 && line.size() > n && (line[n] == ' ' || line[n] == '\t')) {
        out.push_back(line);
        break;
      }
    }
  }
  return out;
}

}  // namespace

std::string cpu_identity() {
  std::string out;
  for (const auto& line :
       cpuinfo_lines({"vendor_id", "cpu family", "model", "model name", "flags", "Features", "CPU part"}))
    out += line + "\n";
  return out;
}

int x86_level(const std::string& cpuinfo_flags) {
  // Each name searched between blanks: a std::set of the ~150 words through
  // an istringstream was a tenth of the instructions of a warm hit's
  // _core.build (callgrind, issue 15).
  std::string padded = " ";
  for (char c : cpuinfo_flags) padded += c == '\t' || c == '\n' || c == '\r' ? ' ' : c;
  padded += ' ';
  auto all = [&](std::initializer_list<const char*> names) {
    for (const char* n : names)
      if (padded.find(std::string(" ") + n + " ") == std::string::npos) return false;
    return true;
  };
  // The psABI's lists, in /proc/cpuinfo's names (abm is LZCNT).
  if (!all({"lm", "cmov", "cx8", "fpu", "fxsr", "mmx", "sse", "sse2"})) return 0;
  if (!all({"cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3"})) return 1;
  if (!all({"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"})) return 2;
  if (!all({"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"})) return 3;
  return 4;
}

int host_x86_level() {
  static const int level = [] {
    std::vector<std::string> flags = cpuinfo_lines({"flags"});
    if (flags.empty()) return 0;
    std::size_t colon = flags[0].find(':');
    return x86_level(colon == std::string::npos ? std::string() : flags[0].substr(colon + 1));
  }();
  return level;
}

std::string auto_march(const CompilerIdentity& id, int host_level) {
  if (!id.x86_levels || host_level < 2) return "";
  return "x86-64-v" + std::to_string(std::min(host_level, 3));
}

bool host_specific(const scan::Directives& d) {
  bool tuned = d.arch == "native";
  for (const auto& f : d.cxxflags) tuned |= f.size() > 7 && f.compare(f.size() - 7, 7, "=native") == 0;
  return tuned;
}

Flags module_flags(const FlagInput& in) {
  Flags f;
  const auto& d = in.directives;
  const bool cmake = in.for_cmake;
  bool debug = in.build_type == "debug";
  f.cxxflags.push_back("-std=" + (d.std.empty() ? std::string("c++20") : d.std));
  if (debug) {
    f.cxxflags.insert(f.cxxflags.end(), {"-O0", "-g"});
  } else {
    f.cxxflags.push_back("-O" + (d.optimize.empty() ? std::string("3") : d.optimize));
    f.cxxflags.push_back("-DNDEBUG");
  }
  if (!cmake) f.cxxflags.insert(f.cxxflags.end(), {"-fPIC", "-fvisibility=hidden"});
  f.cxxflags.push_back("-fno-plt");
  // `#pragma omp simd` (reductions, pyx::sum) works without the openmp
  // directive: it adds no runtime library and no threads.
  f.cxxflags.push_back("-fopenmp-simd");
  if (!d.no_vecmath) {
    // Loops of exp/log/sin/cos/pow call glibc's libmvec (<= 4 ULP) and sqrt
    // becomes vsqrtpd; errno is no longer set by math functions. Complex
    // multiplication skips C99 Annex G's inf/nan recovery (as NumPy does).
    // No trapping math (Clang's default): a branch whose both sides compute
    // (`v > 0 ? v : 0.1 * v`, a guarded division) becomes a vector select.
    // docs/language.md, "Numerics defaults".
    f.cxxflags.insert(f.cxxflags.end(), {"-fno-math-errno", "-fno-trapping-math"});
    // A CMake target's compiler is CMake's choice: these two are not portable between compilers.
    if (!cmake && in.clang) {
      f.cxxflags.push_back("-fveclib=libmvec");
    } else if (!cmake) {
      f.cxxflags.insert(f.cxxflags.end(), {"-fcx-fortran-rules", "-include", in.templates_dir + "/pyx/vecmath.hpp"});
    }
  }
  if (debug || d.boundscheck) f.cxxflags.push_back("-DPYX_BOUNDSCHECK=1");
  if (d.openmp && !cmake) f.cxxflags.push_back("-fopenmp");
  // A wheel runs on any CPU of its platform tag: no -march for CMake.
  if (!cmake && (d.arch.empty() || d.arch == "auto")) {
    if (!in.auto_march.empty()) f.cxxflags.push_back("-march=" + in.auto_march);
  } else if (!cmake && d.arch != "portable") {
    f.cxxflags.push_back("-march=" + d.arch);
  }
  auto absolute = [&](const std::string& dir) {
    return !dir.empty() && dir[0] == '/' ? dir : in.source_dir + "/" + dir;
  };
  // The user's code gets the common warnings (counted after a build, never
  // errors), in an AOT build too.
  f.cxxflags.insert(f.cxxflags.end(), {"-Wall", "-Wextra"});
  if (cmake) {
    f.cxxflags.push_back("-iquote" + in.source_dir);  // one word: CMake de-duplicates options
    f.include_dirs.push_back(in.source_dir);
    for (const auto& dir : d.include_dirs) f.include_dirs.push_back(absolute(dir));
  } else {
    // The runtime comes first, so a user header can never shadow pyx/; its
    // headers say `#pragma GCC system_header`, so they never add to the
    // warnings counted.
    f.cxxflags.insert(f.cxxflags.end(), {"-I" + in.templates_dir, "-isystem", in.python_include, "-isystem",
                                         in.numpy_include, "-iquote", in.source_dir, "-I" + in.source_dir});
    for (const auto& dir : d.include_dirs) f.cxxflags.push_back("-I" + absolute(dir));
  }
  // Last, so a user's -w or -Wno-... wins.
  f.cxxflags.insert(f.cxxflags.end(), d.cxxflags.begin(), d.cxxflags.end());

  if (d.openmp && !cmake) f.ldflags.push_back("-fopenmp");
  for (const auto& dir : d.library_dirs) {
    std::string p = absolute(dir);
    f.ldflags.push_back("-L" + p);
    f.ldflags.push_back("-Wl,-rpath," + p);
  }
  for (const auto& lib : d.libraries) f.ldflags.push_back("-l" + lib);
  f.ldflags.insert(f.ldflags.end(), d.ldflags.begin(), d.ldflags.end());
  return f;
}

}  // namespace cxximport::build
