"""``cxximport build``: every stale module of the named paths in one ninja
run (``_core.build_many``), one line per module."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from .. import _options
from .._finder import module_name_for
from .._loader import _core, translate_error
from . import Parents, build_options, collect


def _error_from(result: dict[str, Any]) -> BaseException:
    """The exception an import would raise, from one failed build_many result."""
    from .. import _core as core  # as _loader._core() does, but typed by _core.pyi

    kind, message = result["error"], result.get("message", "")
    exc: BaseException
    if kind == "compile":
        failed = core.BuildError(message)
        failed.log, failed.command = result["log"], result["command"]
        failed.log_path = result["log_path"]
        failed.module_cpp, failed.spans = result["module_cpp"], result["spans"]
        exc = failed
    elif kind == "scan":
        scan = core.ScanError(message)
        scan.filename = result["filename"]
        scan.lineno, scan.col = result["line"] or None, result["column"] or None
        exc = scan
    elif kind == "not_cached":
        missing = core.NotCachedError(message)
        missing.miss = result["miss"]  # always a dict for not_cached (outcome_dict)
        exc = missing
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


def run(args: argparse.Namespace) -> int:
    sources, missing = collect(args.paths)
    for path in missing:
        print(f"cxximport build: no such file or directory: {path}", file=sys.stderr)
    if not sources:
        print("cxximport build: no .cxxpyx files found", file=sys.stderr)
        return 1
    overrides = build_options(args)
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
    from .. import _warnings

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


def register(sub: argparse._SubParsersAction, parents: Parents) -> None:
    p = sub.add_parser(
        "build",
        help="build .cxxpyx files ahead of time",
        description="Builds every .cxxpyx file named or found under the named "
        "directories; exits non-zero listing every failure.",
        parents=[parents.cache, parents.build],
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help=".cxxpyx files or directories")
    p.add_argument("-j", "--jobs", type=int, metavar="N", help="parallel compile jobs")
    p.add_argument("--force", action="store_true", help="rebuild even when cached")
    p.set_defaults(run=run)
