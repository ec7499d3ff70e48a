"""``cxximport cache list|info|clean|prune``: the cache administration
commands over ``_core.cache_*``, and the size/age/table helpers they use."""

from __future__ import annotations

import argparse
import re
import time
from typing import Any

from . import _options
from ._loader import _core
from ._table import format_table


def _human_size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _parse_size(text: str) -> int:
    """Bytes, as cache/units.hpp: k/M/G/T are powers of 1000 (as ccache),
    Ki/Mi/Gi/Ti powers of 1024, an optional B, fractions allowed."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(i?))?b?\s*", text.lower())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 500M, 2G or 1.5Gi)")
    base = 1024 if m.group(3) else 1000
    size = int(float(m.group(1)) * base ** " kmgt".index(m.group(2) or " "))
    if size <= 0:
        # The core reads 0 as "no limit": refuse it rather than prune nothing.
        raise argparse.ArgumentTypeError(
            f"the size must be positive, not {text!r} (`cxximport cache clean` removes everything)"
        )
    return size


def _parse_age(text: str) -> int:
    """Whole seconds (the core takes an integer)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text.lower())
    if not m:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (try 12h or 30d)")
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]
    seconds = round(float(m.group(1)) * unit)
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"the age must be at least 1 s, not {text!r}")
    return seconds


def _when(timestamp: Any) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(float(timestamp)))
    except (TypeError, ValueError, OverflowError):
        return "-"


def _cache_dir(args: argparse.Namespace) -> str:
    return (
        _options.check({"cache_dir": args.cache_dir}, "--cache-dir")["cache_dir"]
        if (args.cache_dir)
        else _options.default_cache_dir()
    )


def _cache_call(name: str, *args: Any, **kwargs: Any) -> Any:
    fn = getattr(_core(), name, None)
    if fn is None:
        raise SystemExit(f"cxximport cache: this build of cxximport._core has no {name}() yet")
    return fn(*args, **kwargs)


def _cmd_cache_list(args: argparse.Namespace) -> int:
    entries = sorted(
        _cache_call("cache_list", _cache_dir(args)),
        key=lambda e: (e.get("module", ""), -float(e.get("last_used") or 0)),
    )
    if not entries:
        print(f"no entries in {_cache_dir(args)}")
        return 0
    rows = [
        (
            e.get("module", "?"),
            _human_size(e.get("size", 0)),
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
    from ._loader import NotCachedError, build
    from .cli import _build_options, _resolve_target

    source, name = _resolve_target(args.target)
    options = _build_options(args)
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
    entries = [e for e in _cache_call("cache_list", _cache_dir(args)) if e.get("source") == source]
    rows.append(("entries", f"{len(entries)} for this source"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    return 0


def _cmd_cache_info(args: argparse.Namespace) -> int:
    if getattr(args, "target", None):
        return _module_info(args)
    info = _cache_call("cache_info", _cache_dir(args))
    rows = [
        ("location", info.get("location", _cache_dir(args))),
        ("entries", info.get("entries", 0)),
        ("size", _human_size(info.get("size", 0))),
        ("builds in progress", _human_size(info.get("tmp_size", 0))),
        ("failed build logs", info.get("failed_logs", 0)),
        ("hits", info.get("hit", 0)),
        ("misses", info.get("miss", 0)),
        ("builds", info.get("build", 0)),
        ("failed builds", info.get("build_failed", 0)),
    ]
    from ._remote_cli import info_rows

    rows += info_rows(args, info.get("counters", {}))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    return 0


def _print_removed(result: Any) -> None:
    result = result if isinstance(result, dict) else {"removed": result or 0}
    line = f"removed {result.get('removed', 0)} entries"
    if "freed" in result:
        line += f", freed {_human_size(result['freed'])}"
    if "kept" in result:
        line += f"; kept {result['kept']} entries, {_human_size(result.get('kept_size', 0))}"
    print(line)


def _cmd_cache_clean(args: argparse.Namespace) -> int:
    _print_removed(_cache_call("cache_clean", _cache_dir(args), module=args.module))
    return 0


def _cmd_cache_prune(args: argparse.Namespace) -> int:
    if args.max_size is None and args.older_than is None:
        raise SystemExit("cxximport cache prune: give --max-size and/or --older-than")
    _print_removed(
        _cache_call(
            "cache_prune", _cache_dir(args), max_size=args.max_size, older_than=args.older_than
        )
    )
    return 0
