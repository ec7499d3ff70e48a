#include "core/option_table.hpp"

#include <array>

namespace cxximport::core {

namespace {

constexpr unsigned A = kArgument, P = kPyproject, D = kDirective;

constexpr std::array kOptions = {
    OptionSpec{"cache_dir", "path", "", "`$XDG_CACHE_HOME/cxximport`, else `~/.cache/cxximport`", "CXXIMPORT_CACHE_DIR",
               A, "", "path", "cache root"},
    OptionSpec{"cxx", "str", "", "`$CXX`, else `c++`", "CXX", A, "", "str", "C++ compiler"},
    OptionSpec{"launcher", "str", "", "none", "CXXIMPORT_COMPILER_LAUNCHER", A | P, "", "str",
               "compiler launcher put before every compile (`ccache`, `sccache`, `distcc`)"},
    OptionSpec{"ninja", "path", "", "the `ninja` package's, else `ninja` on `PATH`", "", A, "", "path",
               "ninja executable"},
    OptionSpec{"build_type", "str", "release", "`release`", "CXXIMPORT_BUILD_TYPE", A | P, "release debug",
               "`\"release\"` / `\"debug\"`", "debug: `-O0 -g`, bounds checks on"},
    OptionSpec{"jobs", "int", "", "ninja's default", "CXXIMPORT_JOBS", A | P, "", "int > 0", "ninja `-j`"},
    OptionSpec{"no_build", "bool", "false", "false", "CXXIMPORT_NO_BUILD", A, "", "bool",
               "never compile; a module that is not cached raises `cxximport.NotCachedError` (an `ImportError`)"},
    OptionSpec{"force", "bool", "false", "false", "", A, "", "bool", "rebuild even when cached"},
    OptionSpec{"verbose", "bool", "false", "false", "CXXIMPORT_VERBOSE", A, "", "bool",
               "print compiler commands and output to stderr"},
    OptionSpec{"show_warnings", "bool", "false", "false", "CXXIMPORT_SHOW_WARNINGS", A | P, "", "bool",
               "after a build, print the compiler's warnings on the module's code in full instead of the one-line "
               "count (\"What the user sees while building\"); display only, not part of the key"},
    OptionSpec{"lock_timeout", "float", "600", "600", "", A, "", "seconds",
               "how long to wait for another process building the same module; then `cxximport.LockTimeoutError` (a "
               "`CacheError`)"},
    OptionSpec{"max_size", "size", "5G", "`5G`", "CXXIMPORT_MAX_SIZE", A, "",
               "size: bytes, or `500M`, `5G`, `2Gi` (`0`: no cap)",
               "the cache's size cap: after each build the least recently used entries go until the cache fits "
               "(docs/cache.md, \"Size cap\")"},
    OptionSpec{"openmp", "bool", "false", "false", "", A | P | D, "", "bool", "compile and link with OpenMP"},
    OptionSpec{"boundscheck", "bool", "false", "false", "", A | P | D, "", "bool", "`v(i, j)` checked (IndexError)"},
    OptionSpec{"vecmath", "bool", "true", "true", "", A | P | D, "", "bool",
               "vectorised math (libmvec), `-fno-math-errno`, NumPy's complex multiplication (docs/language.md, "
               "\"Numerics defaults\"); false in any place turns it off"},
    OptionSpec{"arch", "str", "auto", "`auto`", "CXXIMPORT_ARCH", A | P | D, "",
               "`\"auto\"`, `\"native\"`, `\"portable\"`, or an `-march` value",
               "what CPU the code is compiled for (docs/language.md, \"CPU\")"},
    OptionSpec{"std", "str", "c++20", "`c++20`", "", A | P | D, "", "str", "C++ standard (`c++20`, `c++23`)"},
    OptionSpec{"optimize", "str", "", "the build type's (`3` in release)", "", A | P | D, "0 1 2 3 s fast",
               "`\"0\"`..`\"3\"`, `\"s\"`, `\"fast\"`", "optimisation level"},
    OptionSpec{"cxxflags", "flags", "", "none", "", A | P | D, "", "list of str (a str is split like a shell)",
               "extra compile flags"},
    OptionSpec{"ldflags", "flags", "", "none", "", A | P | D, "", "list of str (a str is split like a shell)",
               "extra link flags"},
    OptionSpec{"libraries", "words", "", "none", "", A | P | D, "", "list of str", "libraries to link (`-l`)"},
    OptionSpec{"include_dirs", "paths", "", "none", "", A | P | D, "", "list of paths", "`-I` directories"},
    OptionSpec{"library_dirs", "paths", "", "none", "", A | P | D, "", "list of paths",
               "`-L` directories (also the run path)"},
    OptionSpec{"sources", "paths", "", "none", "", D, "", "list of paths",
               "more C++ files compiled into the module (directive only)"},
    OptionSpec{"depends", "paths", "", "none", "", A | P | D, "", "list of paths",
               "extra files whose content joins the key"},
    OptionSpec{"progress", "callable", "", "built in", "", A, "", "callable `progress(event, message)` or None",
               "replaces the built-in progress display"},
    OptionSpec{"remote_cache", "str", "", "none", "CXXIMPORT_REMOTE_CACHE", A | P, "",
               "URL `redis://host:port/db`, `rediss://...`, `http(s)://host/path`, `file:///path`",
               "the remote module cache, a second level behind the local one ([cache.md](cache.md), \"Remote "
               "cache\")"},
    OptionSpec{"remote_cache_mode", "str", "read", "`read`", "CXXIMPORT_REMOTE_CACHE_MODE", A | P, "read readwrite",
               "`\"read\"` / `\"readwrite\"`",
               "`read`: fetch only; `readwrite`: also take leases and upload what this process builds"},
    OptionSpec{"remote_cache_trusted", "bool", "false", "false", "CXXIMPORT_REMOTE_TRUST", A, "", "bool",
               "load unsigned entries from the store (it trusts everyone who can write to it)"},
    OptionSpec{"remote_key_file", "path", "", "none", "CXXIMPORT_REMOTE_KEY_FILE", A, "", "path",
               "signing key (HMAC-SHA256): uploads are signed, fetched entries must verify; a file only its owner "
               "can read"},
    OptionSpec{"remote_timeout", "float", "2", "2", "CXXIMPORT_REMOTE_TIMEOUT", A | P, "", "seconds > 0",
               "limit of each request to the store"},
    OptionSpec{"remote_wait", "float", "300", "300", "CXXIMPORT_REMOTE_WAIT", A | P, "", "seconds",
               "how long to wait for another node's upload of a module it is building"},
    OptionSpec{"remote_lease_ttl", "float", "10", "10", "CXXIMPORT_REMOTE_LEASE_TTL", A | P, "", "seconds > 0",
               "how long a lease lives after its holder stops renewing it (a dead holder)"},
};

}  // namespace

std::span<const OptionSpec> option_table() { return kOptions; }

const OptionSpec* find_option(std::string_view name) {
  for (const auto& o : kOptions)
    if (o.name == name) return &o;
  return nullptr;
}

}  // namespace cxximport::core
