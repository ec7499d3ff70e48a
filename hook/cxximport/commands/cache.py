"""``cxximport cache list|info|clean|prune|push|pull``: the cache
administration commands over ``_core.cache_*`` (push and pull: _remote_cli.py).
Sizes and ages are read and shown by the core's cache/units.hpp."""

from __future__ import annotations

import argparse
import time
from typing import Any

from .._loader import _core
from .._table import format_table
from . import Parents, cache_dir


def _size(n: float) -> str:
    return str(_core().format_size(max(0, int(n))))


def parse_size(text: str) -> int:
    """Bytes (cache/units.hpp: k/M/G/T are powers of 1000, as ccache; Ki/Mi/Gi/Ti
    powers of 1024; an optional B; fractions allowed)."""
    try:
        size = int(_core().parse_size(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 500M, 2G or 1.5Gi)") from None
    if size <= 0:
        # The core reads 0 as "no limit": refuse it rather than prune nothing.
        raise argparse.ArgumentTypeError(
            f"the size must be positive, not {text!r} (`cxximport cache clean` removes everything)"
        )
    return size


def parse_age(text: str) -> int:
    """Whole seconds (cache/units.hpp: s, m, h, d, w; fractions allowed)."""
    try:
        seconds = int(_core().parse_age(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (try 12h or 30d)") from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"the age must be at least 1 s, not {text!r}")
    return seconds


def _when(timestamp: Any) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(float(timestamp)))
    except (TypeError, ValueError, OverflowError):
        return "-"


def _cache_call(name: str, *args: Any, **kwargs: Any) -> Any:
    fn = getattr(_core(), name, None)
    if fn is None:
        raise SystemExit(f"cxximport cache: this build of cxximport._core has no {name}() yet")
    return fn(*args, **kwargs)


def _list(args: argparse.Namespace) -> int:
    entries = sorted(
        _cache_call("cache_list", cache_dir(args)),
        key=lambda e: (e.get("module", ""), -float(e.get("last_used") or 0)),
    )
    if not entries:
        print(f"no entries in {cache_dir(args)}")
        return 0
    rows = [
        (
            e.get("module", "?"),
            _size(e.get("size", 0)),
            _when(e.get("created")),
            _when(e.get("last_used")),
            str(e.get("key", ""))[:12],
            e.get("source", ""),
        )
        for e in entries
    ]
    print(
        format_table(("MODULE", "SIZE", "CREATED", "LAST USED", "KEY", "SOURCE"), rows, right=(1,))
    )
    return 0


def _module_info(args: argparse.Namespace) -> int:
    """``cache info MODULE``: whether an import would hit, and if not why
    (the core's typed miss: docs/cache.md, "Why a miss"). Nothing is built."""
    from .._loader import NotCachedError, build
    from . import build_options
    from .show import _resolve_target

    source, name = _resolve_target(args.target)
    options = build_options(args)
    options["no_build"] = True
    rows: list[tuple[str, Any]] = [("module", name), ("source", source)]
    try:
        result = build(source, name, options)
    except NotCachedError as exc:
        miss = exc.miss or {"kind": "absent", "text": "not cached", "changes": []}
        rows += [("status", miss["text"]), ("reason", miss["kind"])]
        if miss.get("path"):
            rows.append(("concerns", miss["path"]))
        for field, before, after in miss.get("changes", []):
            rows.append((f"  {field}", f"{before or '(none)'} \u2192 {after or '(none)'}"))
    else:
        rows += [
            ("status", "cached"),
            ("key", result.get("key", "")),
            ("entry", result["entry_dir"]),
        ]
    entries = [e for e in _cache_call("cache_list", cache_dir(args)) if e.get("source") == source]
    rows.append(("entries", f"{len(entries)} for this source"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    return 0


def _info(args: argparse.Namespace) -> int:
    if getattr(args, "target", None):
        return _module_info(args)
    info = _cache_call("cache_info", cache_dir(args))
    rows = [
        ("location", info.get("location", cache_dir(args))),
        ("entries", info.get("entries", 0)),
        ("size", _size(info.get("size", 0))),
        ("builds in progress", _size(info.get("tmp_size", 0))),
        ("failed build logs", info.get("failed_logs", 0)),
        ("hits", info.get("hit", 0)),
        ("misses", info.get("miss", 0)),
        ("builds", info.get("build", 0)),
        ("failed builds", info.get("build_failed", 0)),
    ]
    from .._remote_cli import info_rows

    rows += info_rows(args, info.get("counters", {}))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    return 0


def _print_removed(result: Any) -> None:
    result = result if isinstance(result, dict) else {"removed": result or 0}
    line = f"removed {result.get('removed', 0)} entries"
    if "freed" in result:
        line += f", freed {_size(result['freed'])}"
    if "kept" in result:
        line += f"; kept {result['kept']} entries, {_size(result.get('kept_size', 0))}"
    print(line)


def _clean(args: argparse.Namespace) -> int:
    _print_removed(_cache_call("cache_clean", cache_dir(args), module=args.module))
    return 0


def _prune(args: argparse.Namespace) -> int:
    if args.max_size is None and args.older_than is None:
        raise SystemExit("cxximport cache prune: give --max-size and/or --older-than")
    _print_removed(
        _cache_call(
            "cache_prune", cache_dir(args), max_size=args.max_size, older_than=args.older_than
        )
    )
    return 0


def register(sub: argparse._SubParsersAction, parents: Parents) -> None:
    from .._remote_cli import _cmd_cache_pull, _cmd_cache_push

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
        parents=[parents.cache],
        description="One line per cache entry.",
    )
    q.set_defaults(run=_list)
    q = cache_sub.add_parser(
        "info",
        help="location, size and hit/miss counters; or whether a module is cached, and why not",
        parents=[parents.cache, parents.build],
        description="Cache location, size, counters. With a module name or a .cxxpyx path: "
        "whether importing it would hit the cache and, if not, why (what changed since "
        "its last build, which header, which owner). Builds nothing.",
    )
    q.add_argument("target", nargs="?", metavar="MODULE_OR_SOURCE", help="a module or .cxxpyx file")
    q.set_defaults(run=_info)
    q = cache_sub.add_parser(
        "clean",
        help="remove entries (all, or one module's)",
        parents=[parents.cache],
        description="Removes cache entries.",
    )
    q.add_argument("module", nargs="?", help="remove only this module's entries")
    q.set_defaults(run=_clean)
    q = cache_sub.add_parser(
        "prune",
        help="remove least recently used entries",
        parents=[parents.cache],
        description="Removes entries older than --older-than, then least "
        "recently used ones until the cache fits --max-size.",
    )
    q.add_argument("--max-size", type=parse_size, metavar="SIZE", help="e.g. 500M, 2G")
    q.add_argument("--older-than", type=parse_age, metavar="AGE", help="e.g. 12h, 30d")
    q.set_defaults(run=_prune)
    remote_opt = argparse.ArgumentParser(add_help=False)
    remote_opt.add_argument(
        "--remote", metavar="URL", help="remote cache (default: $CXXIMPORT_REMOTE_CACHE)"
    )
    q = cache_sub.add_parser(
        "push",
        help="upload what is built locally to the remote cache",
        parents=[parents.cache, remote_opt],
        description="Uploads the local entries of PATHS (.cxxpyx files or directories; "
        "default: every entry of the local cache) to the remote cache, signed when "
        "CXXIMPORT_REMOTE_KEY_FILE is set. Entries already there are left alone.",
    )
    q.add_argument("paths", nargs="*", metavar="PATH")
    q.set_defaults(run=_cmd_cache_push)
    q = cache_sub.add_parser(
        "pull",
        help="fetch modules from the remote cache (prefetch for an offline node)",
        parents=[parents.cache, remote_opt],
        description="Fetches, verifies and installs into the local cache the remote "
        "entries of PATHS (.cxxpyx files or directories), without compiling.",
    )
    q.add_argument("paths", nargs="+", metavar="PATH")
    q.set_defaults(run=_cmd_cache_pull)
