"""``cxximport`` / ``python -m cxximport``: a thin shell over the package.

Subcommands: demo, build, show, doctor (doctor.py), generate, flags, stubgen, ide,
annotate (_annotate.py), cache (list, info, clean, prune: _cache_cli.py;
push, pull: _remote_cli.py).
Each one is a ``_cmd_*`` function registered in ``_make_parser``; new ones
(stubgen, ide, ...) are added the same way.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from collections.abc import Sequence
from typing import Any

from . import _options
from ._cache_cli import (
    _cmd_cache_clean,
    _cmd_cache_info,
    _cmd_cache_list,
    _cmd_cache_prune,
    _parse_age,
    _parse_size,
)
from ._finder import SUFFIX, find_source, module_name_for
from ._loader import CompileError, NotCachedError, _core, translate_error
from ._loader import build as build_source
from ._remote_cli import _cmd_cache_pull, _cmd_cache_push
from .doctor import _cmd_doctor

# --------------------------------------------------------------------------
# Small helpers.


def _build_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options given on the command line (they act like install() arguments)."""
    given = {}
    for name in ("cache_dir", "cxx", "build_type", "jobs", "force", "verbose"):
        value = getattr(args, name, None)
        if value not in (None, False):
            given[name] = value
    return _options.check(given, "command line")


# --------------------------------------------------------------------------
# build


def _collect(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """Every .cxxpyx named or found under the named directories, and the
    paths that do not exist."""
    found: list[str] = []
    missing: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
                found += [os.path.join(root, f) for f in sorted(files) if f.endswith(SUFFIX)]
        elif os.path.isfile(path):
            found.append(path)
        else:
            missing.append(path)
    unique = list(dict.fromkeys(os.path.abspath(p) for p in found))
    return unique, missing


def _error_from(result: dict[str, Any]) -> BaseException:
    """The exception an import would raise, from one failed build_many result."""
    core = _core()
    kind, message = result["error"], result.get("message", "")
    exc: BaseException
    if kind == "compile":
        exc = core.BuildError(message)
        exc.log, exc.command, exc.log_path = result["log"], result["command"], result["log_path"]
        exc.module_cpp, exc.spans = result["module_cpp"], result["spans"]
    elif kind == "scan":
        exc = core.ScanError(message)
        exc.filename = result["filename"]
        exc.lineno, exc.col = result["line"] or None, result["column"] or None
    elif kind == "not_cached":
        exc = core.NotCachedError(message)
        exc.miss = result.get("miss")
    elif kind == "lock_timeout":
        exc = core.LockTimeoutError(message)
    elif kind == "cache":
        exc = core.CacheError(message)
    else:
        exc = ImportError(message)
    return translate_error(exc, result["module"], result["source"])


def _build_progress(verbose: bool) -> Any:
    """Prints ninja's ``[n/N] CXX module`` lines, waits and warnings."""

    def progress(event: str, message: Any = "") -> None:
        if event == "progress" or event == "wait":
            print(str(message), flush=True)
        elif event == "warning":
            print(f"cxximport: warning: {message}", file=sys.stderr, flush=True)
        elif verbose and event in ("command", "output"):
            print(str(message).rstrip("\n"), file=sys.stderr, flush=True)

    return progress


def _cmd_build(args: argparse.Namespace) -> int:
    """Builds every stale module in one ninja run (``_core.build_many``)."""
    sources, missing = _collect(args.paths)
    for path in missing:
        print(f"cxximport build: no such file or directory: {path}", file=sys.stderr)
    if not sources:
        print("cxximport build: no .cxxpyx files found", file=sys.stderr)
        return 1
    overrides = _build_options(args)
    items = []
    for source in sources:
        # Each file with its own [tool.cxximport]; the name an import would use
        # (pkg/kernels.cxxpyx -> pkg.kernels), since the name is part of the key.
        resolved = _options.resolve(source, overrides)
        resolved.pop("progress", None)
        items.append((source, module_name_for(source), resolved))
    jobs = overrides.get("jobs") or _options.environment_options().get("jobs") or 0
    core = _core()
    jobs = int(jobs) if jobs else core.default_jobs()
    started = time.monotonic()
    results = core.build_many(
        items, {"jobs": jobs, "progress": _build_progress(bool(overrides.get("verbose")))}
    )
    failed = [r for r in results if "error" in r]
    built = sum(1 for r in results if r.get("built"))
    from . import _warnings

    for i, r in enumerate(results, 1):
        state = "FAILED  " if "error" in r else "built   " if r.get("built") else "cached  "
        n = _warnings.count(_warnings.log_text(r["entry_dir"])) if r.get("built") else 0
        noted = f"; {_warnings.summary(r['module'], n)}" if n else ""
        print(f"[{i}/{len(results)}] {state} {r['module']}  ({r['source']}){noted}", flush=True)
    cached = len(results) - len(failed) - built
    print(
        f"cxximport build: {len(results)} modules: {built} built, {cached} cached, "
        f"{len(failed)} failed in {time.monotonic() - started:.1f} s (-j {jobs})",
        flush=True,
    )
    if failed:
        print(f"\ncxximport build: {len(failed)} of {len(results)} failed:", file=sys.stderr)
        for r in failed:
            print(f"\n--- {r['module']} ({r['source']})\n{_error_from(r)}", file=sys.stderr)
    return 1 if failed or missing else 0


# --------------------------------------------------------------------------
# show


def _resolve_target(target: str) -> tuple[str, str]:
    if target.endswith(SUFFIX) or os.sep in target or os.path.isfile(target):
        source = os.path.abspath(target)
        if not os.path.isfile(source):
            raise SystemExit(f"cxximport show: no such file: {target}")
        return source, module_name_for(source)
    source = find_source(target, [os.getcwd(), *sys.path])
    if source is None:
        raise SystemExit(f"cxximport show: no {target.replace('.', '/')}{SUFFIX} on sys.path")
    return source, target


def _print_file(title: str, path: str) -> None:
    print(f"----- {title}: {path}")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        print(f"(cannot read: {e.strerror})")
        return
    print(text.rstrip("\n") if text.strip() else "(empty)")


def _print_ufuncs(source: str) -> None:
    """One line per ufunc export with the loops NumPy will hold."""
    try:
        exports = _core().scan(source)["exports"]
    except (OSError, ValueError):
        return  # the build below reports the error
    for e in exports:
        kind = e.get("kind", "function")
        if kind == "function":
            continue
        sig = f' "{e["signature"]}"' if kind == "gufunc" else ""
        arity = f"({e['nin']} in, {e['nout']} out)"
        pad = " " * max(1, 8 - len(kind))
        print(f"{kind}:{pad}{e['name']}{sig} {arity}: {', '.join(e['loops'])}")


def _cmd_show(args: argparse.Namespace) -> int:
    source, name = _resolve_target(args.module)
    options = _build_options(args)
    options["no_build"] = not args.build
    print(f"module:  {name}")
    print(f"source:  {source}")
    _print_ufuncs(source)
    try:
        result = build_source(source, name, options)
    except NotCachedError as exc:
        miss = exc.miss or {"kind": "absent"}
        why = f": {miss['text']}" if miss["kind"] != "absent" else ""
        print(
            f"entry:   not in the cache{why} "
            "(build it with `cxximport build PATH`, or pass --build)"
        )
        generated = _core().generate(source, name, _options.templates_dir())
        print(f"----- module.cpp (what would be generated for {name})")
        print(generated["module_cpp"].rstrip("\n"))
        return 0
    except CompileError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    entry = result["entry_dir"]
    if args.warnings:
        from . import _warnings

        log = _warnings.log_text(entry)
        print(f"warnings: {_warnings.count(log)}")
        text = _warnings.diagnostics(log) if _warnings.count(log) else ""
        if text:
            print(text)
        return 0
    print(f"entry:   {entry}")
    print(f"key:     {result.get('key', '')}")
    print(f"so:      {result['so_path']}")
    _print_file("generated module", os.path.join(entry, "module.cpp"))
    _print_file("build log", os.path.join(entry, "build.log"))
    return 0


# --------------------------------------------------------------------------
# generate, flags, --cmake-dir: what the CMake function cxximport_add_module runs


def _cmd_generate(args: argparse.Namespace) -> int:
    from . import _aot

    module = args.module or module_name_for(os.path.abspath(args.source))
    output = args.output or os.path.splitext(os.path.basename(args.source))[0] + "_module.cpp"
    try:
        _aot.generate(args.source, module, output, args.pyi, args.display_path)
    except (OSError, ValueError, RuntimeError) as e:  # ScanError is a ValueError
        print(f"cxximport generate: {e}", file=sys.stderr)
        return 1
    return 0


def _cmd_flags(args: argparse.Namespace) -> int:
    from . import _aot

    try:
        flags = _aot.module_flags(args.source)
    except (OSError, ValueError) as e:  # ScanError is a ValueError
        print(f"cxximport flags: {e}", file=sys.stderr)
        return 1
    if args.cmake:
        print(_aot.to_cmake(flags), end="")
        return 0
    for key, value in flags.items():
        shown = ("yes" if value else "no") if isinstance(value, bool) else shlex.join(value)
        print(f"{key}: {shown}")
    return 0


class _CMakeDirAction(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any) -> None:
        from . import _aot

        print(_aot.cmake_dir())
        parser.exit()


# --------------------------------------------------------------------------
# stubgen, ide


def _sources_or_exit(command: str, paths: Sequence[str]) -> list[str]:
    sources, missing = _collect(paths)
    for path in missing:
        print(f"cxximport {command}: no such file or directory: {path}", file=sys.stderr)
    if missing or not sources:
        raise SystemExit(f"cxximport {command}: no .cxxpyx files" if not missing else 1)
    return sources


def _cmd_stubgen(args: argparse.Namespace) -> int:
    from . import stubgen

    sources = _sources_or_exit("stubgen", args.paths)
    if args.output and len(sources) != 1:
        raise SystemExit("cxximport stubgen: -o/--output needs exactly one source")
    for source in sources:
        try:
            print(stubgen.write_stub(source, args.output))
        except (OSError, ValueError) as e:  # ScanError is a ValueError
            print(f"cxximport stubgen: {e}", file=sys.stderr)
            return 1
    return 0


def _cmd_ide(args: argparse.Namespace) -> int:
    from . import ide

    sources = _sources_or_exit("ide", args.paths)
    try:
        written = ide.update_database(sources, args.output_dir, args.cxx)
    except (OSError, ValueError) as e:  # ScanError is a ValueError
        print(f"cxximport ide: {e}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


# --------------------------------------------------------------------------
# annotate


def _cmd_annotate(args: argparse.Namespace) -> int:
    from . import _annotate

    try:
        report = _annotate.annotate(args.source, options=_build_options(args))
    except ImportError as exc:  # CompileError, NotCachedError
        print(str(exc), file=sys.stderr)
        return 1
    except (OSError, RuntimeError) as exc:
        print(f"cxximport annotate: {exc}", file=sys.stderr)
        return 1
    report.display = args.source
    if args.text:
        print(report.text(), end="")
    if args.text and not args.output:
        return 0
    output = args.output or os.path.splitext(args.source)[0] + ".html"
    path = report.save(output)
    print(f"cxximport annotate: wrote {path}", file=sys.stderr if args.text else sys.stdout)
    if args.open:
        import pathlib
        import webbrowser

        webbrowser.open(pathlib.Path(path).as_uri())
    return 0


# --------------------------------------------------------------------------
# demo


def _cmd_demo(args: argparse.Namespace) -> int:
    from . import demo

    return demo.run(args)


# --------------------------------------------------------------------------
# The parser.


def _make_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="cxximport",
        description="Import .cxxpyx C++ files from Python: build, inspect and manage the cache.",
    )
    parser.add_argument("--version", action="version", version=f"cxximport {__version__}")
    parser.add_argument(
        "--cmake-dir",
        action=_CMakeDirAction,
        help="print the directory of cxximportConfig.cmake (for find_package) and exit",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    cache_opt = argparse.ArgumentParser(add_help=False)
    cache_opt.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="cache root (default: $CXXIMPORT_CACHE_DIR, "
        "$XDG_CACHE_HOME/cxximport, ~/.cache/cxximport)",
    )
    build_opt = argparse.ArgumentParser(add_help=False)
    build_opt.add_argument("--cxx", metavar="COMPILER", help="C++ compiler (default: $CXX, c++)")
    build_opt.add_argument("--build-type", choices=("release", "debug"))
    build_opt.add_argument(
        "-v", "--verbose", action="store_true", help="print compiler commands and output"
    )

    p = sub.add_parser(
        "demo",
        help="run the Cython NumPy tutorial's steps against NumPy",
        description="Builds the seed tutorial's steps, checks each result "
        "against NumPy and prints their timings.",
        parents=[cache_opt],
    )
    p.add_argument("--quick", action="store_true", help="small arrays and few runs (for tests)")
    p.add_argument(
        "--repeat",
        type=int,
        default=None,
        metavar="N",
        help="timed runs per step (default 7; 3 with --quick)",
    )
    p.add_argument("--examples", metavar="DIR", help="directory of the tutorial's .cxxpyx files")
    p.add_argument(
        "--annotate",
        action="store_true",
        help="also write each step's annotated report (cxximport annotate) and print where",
    )
    p.add_argument(
        "--annotate-dir",
        metavar="DIR",
        default="cxximport-demo-reports",
        help="where --annotate writes the reports (default: ./cxximport-demo-reports)",
    )
    p.set_defaults(run=_cmd_demo)

    p = sub.add_parser(
        "annotate",
        help="HTML report: per line, what the optimiser did and what touches Python",
        description="Builds a .cxxpyx as an import would (reusing the cache) and reports, "
        "per source line, the optimiser's verdicts (loops vectorised or not and why, "
        "inlining, OpenMP), the machine code, the generated wrappers and the lines that "
        "talk to Python: one self-contained HTML file (FILE.html by default), or "
        "compiler-style lines with --text.",
        parents=[cache_opt, build_opt],
    )
    p.add_argument("source", metavar="FILE.cxxpyx")
    p.add_argument("-o", "--output", metavar="OUT.html", help="default: FILE.html next to FILE")
    p.add_argument("--open", action="store_true", help="open the report in a web browser")
    p.add_argument(
        "--text", action="store_true", help="print the findings as file:line: lines instead"
    )
    p.set_defaults(run=_cmd_annotate)

    p = sub.add_parser(
        "build",
        help="build .cxxpyx files ahead of time",
        description="Builds every .cxxpyx file named or found under the named "
        "directories; exits non-zero listing every failure.",
        parents=[cache_opt, build_opt],
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help=".cxxpyx files or directories")
    p.add_argument("-j", "--jobs", type=int, metavar="N", help="parallel compile jobs")
    p.add_argument("--force", action="store_true", help="rebuild even when cached")
    p.set_defaults(run=_cmd_build)

    p = sub.add_parser(
        "show",
        help="show the generated code and build log of a module",
        description="Prints the cache entry of a module: the generated "
        "module.cpp and the build log.",
        parents=[cache_opt, build_opt],
    )
    p.add_argument(
        "module",
        metavar="MODULE_OR_PATH",
        help="a module name (searched in the current directory and sys.path) or a .cxxpyx path",
    )
    p.add_argument("--build", action="store_true", help="build the module if it is not cached")
    p.add_argument(
        "--warnings",
        action="store_true",
        help="print only the compiler's warnings of the cached build, and their count",
    )
    p.set_defaults(run=_cmd_show)

    p = sub.add_parser(
        "doctor",
        help="check the compiler, OpenMP, ninja, headers and cache",
        description="Checks what building .cxxpyx modules needs and says what "
        "to do about anything missing; exits 1 if a check fails.",
        parents=[cache_opt],
    )
    p.set_defaults(run=_cmd_doctor)

    p = sub.add_parser(
        "generate",
        help="write the generated C++ module source of a .cxxpyx (for CMake builds)",
        description="Writes the complete C++ source of the extension module that "
        "the import hook would compile, and optionally its .pyi stub.",
    )
    p.add_argument("source", metavar="FILE.cxxpyx")
    p.add_argument("--module", metavar="NAME", help="full module name (default: from the path)")
    p.add_argument("-o", "--output", metavar="OUT.cpp", help="default: NAME_module.cpp")
    p.add_argument("--pyi", metavar="OUT.pyi", help="also write the stub here")
    p.add_argument(
        "--display-path",
        metavar="PATH",
        help="how the module docstring and the stub name the source (default: its "
        "absolute path; cxximport_add_module passes the project-relative path)",
    )
    p.set_defaults(run=_cmd_generate)

    p = sub.add_parser(
        "flags",
        help="print the compile and link flags of a .cxxpyx (for CMake builds)",
        description="Prints the flags the import hook would use for a file, from "
        "[tool.cxximport] in the nearest pyproject.toml and the file's directives, "
        "without the Python, NumPy and OpenMP parts a CMake build adds itself.",
    )
    p.add_argument("source", metavar="FILE.cxxpyx")
    p.add_argument("--cmake", action="store_true", help="as a CMake script of set() lines")
    p.set_defaults(run=_cmd_flags)

    p = sub.add_parser(
        "stubgen",
        help="write FILE.pyi next to FILE.cxxpyx for type checkers and IDEs",
        description="Writes the type stub of each .cxxpyx file (or of those found under "
        "the named directories) next to it, as FILE.pyi.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help=".cxxpyx files or directories")
    p.add_argument("-o", "--output", metavar="FILE", help="write the stub here (one source only)")
    p.set_defaults(run=_cmd_stubgen)

    p = sub.add_parser(
        "ide",
        help="write compile_commands.json so clangd understands .cxxpyx files",
        description="Adds (or updates) an entry per .cxxpyx file in compile_commands.json "
        "of the file's directory: C++20 with the runtime header force-included and the "
        "runtime, Python and NumPy headers on the include path.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help=".cxxpyx files or directories")
    p.add_argument(
        "-o", "--output-dir", metavar="DIR", help="write one compile_commands.json in DIR"
    )
    p.add_argument(
        "--cxx", metavar="COMPILER", help="compiler named in the entries (default: $CXX, c++)"
    )
    p.set_defaults(run=_cmd_ide)

    cache = sub.add_parser(
        "cache",
        help="list, inspect, clean or prune the build cache",
        description="Manage the build cache.",
    )
    cache_sub = cache.add_subparsers(title="cache commands", metavar="ACTION")
    cache.set_defaults(run=lambda _args: (cache.print_help(), 2)[1])
    q = cache_sub.add_parser(
        "list",
        help="list cached modules",
        parents=[cache_opt],
        description="One line per cache entry.",
    )
    q.set_defaults(run=_cmd_cache_list)
    q = cache_sub.add_parser(
        "info",
        help="location, size and hit/miss counters; or whether a module is cached, and why not",
        parents=[cache_opt, build_opt],
        description="Cache location, size, counters. With a module name or a .cxxpyx path: "
        "whether importing it would hit the cache and, if not, why (what changed since "
        "its last build, which header, which owner). Builds nothing.",
    )
    q.add_argument("target", nargs="?", metavar="MODULE_OR_SOURCE", help="a module or .cxxpyx file")
    q.set_defaults(run=_cmd_cache_info)
    q = cache_sub.add_parser(
        "clean",
        help="remove entries (all, or one module's)",
        parents=[cache_opt],
        description="Removes cache entries.",
    )
    q.add_argument("module", nargs="?", help="remove only this module's entries")
    q.set_defaults(run=_cmd_cache_clean)
    q = cache_sub.add_parser(
        "prune",
        help="remove least recently used entries",
        parents=[cache_opt],
        description="Removes entries older than --older-than, then least "
        "recently used ones until the cache fits --max-size.",
    )
    q.add_argument("--max-size", type=_parse_size, metavar="SIZE", help="e.g. 500M, 2G")
    q.add_argument("--older-than", type=_parse_age, metavar="AGE", help="e.g. 12h, 30d")
    q.set_defaults(run=_cmd_cache_prune)
    remote_opt = argparse.ArgumentParser(add_help=False)
    remote_opt.add_argument(
        "--remote", metavar="URL", help="remote cache (default: $CXXIMPORT_REMOTE_CACHE)"
    )
    q = cache_sub.add_parser(
        "push",
        help="upload what is built locally to the remote cache",
        parents=[cache_opt, remote_opt],
        description="Uploads the local entries of PATHS (.cxxpyx files or directories; "
        "default: every entry of the local cache) to the remote cache, signed when "
        "CXXIMPORT_REMOTE_KEY_FILE is set. Entries already there are left alone.",
    )
    q.add_argument("paths", nargs="*", metavar="PATH")
    q.set_defaults(run=_cmd_cache_push)
    q = cache_sub.add_parser(
        "pull",
        help="fetch modules from the remote cache (prefetch for an offline node)",
        parents=[cache_opt, remote_opt],
        description="Fetches, verifies and installs into the local cache the remote "
        "entries of PATHS (.cxxpyx files or directories), without compiling.",
    )
    q.add_argument("paths", nargs="+", metavar="PATH")
    q.set_defaults(run=_cmd_cache_pull)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _make_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        code = int(args.run(args) or 0)
        sys.stdout.flush()  # here, so a closed pipe is caught below, not at exit
        return code
    except _options.OptionError as e:
        print(e, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `cxximport cache list | head`: the reader has what it wanted. Quiet,
        # as `ls | head`; stdout goes to /dev/null so the exit flush is silent.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for `ls | head`'s ls


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
