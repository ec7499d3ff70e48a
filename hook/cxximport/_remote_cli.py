"""``cxximport cache push|pull`` and the remote cache's part of ``cache
info`` and ``doctor`` (docs/cache.md, "Remote cache")."""

from __future__ import annotations

import argparse
from typing import Any

from . import _options
from ._loader import _core
from .commands import cache_dir as _cache_dir


def _settings(args: argparse.Namespace) -> Any:
    from ._remote import config

    options = _options.environment_options()
    if getattr(args, "remote", None):
        options.update(_options.check({"remote_cache": args.remote}, "--remote"))
    return config.settings_from(options)


def _need_settings(args: argparse.Namespace, command: str) -> Any:
    settings = _settings(args)
    if settings is None:
        raise SystemExit(
            f"cxximport cache {command}: no remote cache "
            "(set CXXIMPORT_REMOTE_CACHE or pass --remote URL)"
        )
    return settings


def _sources(paths: list[str], command: str) -> list[str]:
    from .commands import collect as _collect

    sources, missing = _collect(paths)
    if missing:
        raise SystemExit(
            f"cxximport cache {command}: no such file or directory: {', '.join(missing)}"
        )
    return sources


def _key_of(source: str, cache_dir: str) -> tuple[str, str, bool]:
    """(module, key, cached here) of a source, as an import would compute them."""
    from ._finder import module_name_for

    core = _core()
    name = module_name_for(source)
    options = _options.resolve(source, {"cache_dir": cache_dir, "no_build": True})
    options["progress"] = None
    try:
        return name, core.build(source, name, options)["key"], True
    except core.NotCachedError as e:
        return name, getattr(e, "key", "") or "", False


def _session(args: argparse.Namespace, command: str, loads: bool) -> Any:
    from . import _remote

    settings = _need_settings(args, command)
    session = _remote.Session(_core(), settings, _cache_dir(args), loads=loads)
    if not session.usable:
        raise SystemExit(
            f"cxximport cache {command}: the remote cache {settings.name} is not usable"
        )
    return session


def _cmd_cache_push(args: argparse.Namespace) -> int:
    session = _session(args, "push", loads=False)
    cache_dir = _cache_dir(args)
    targets: list[tuple[str, str]] = []
    if args.paths:
        for source in _sources(args.paths, "push"):
            name, key, cached = _key_of(source, cache_dir)
            if not cached:
                print(f"not built  {name}  ({source}: build it first, `cxximport build`)")
                continue
            targets.append((name, key))
    else:
        entries = _core().cache_list(cache_dir)
        seen: dict[str, str] = {}
        for e in entries:
            if not e.get("problem"):
                seen.setdefault(e["key"], e.get("module", "?"))
        targets = [(module, key) for key, module in seen.items()]
    pushed = present = 0
    for name, key in targets:
        if session.call("exists", key, default=False):
            present += 1
            print(f"present    {name}  {key[:12]}")
        elif session.upload(key):
            pushed += 1
            print(f"pushed     {name}  {key[:12]}")
        else:
            print(f"FAILED     {name}  {key[:12]}")
    ok = session.usable
    print(
        f"cxximport cache push: {pushed} pushed, {present} already there ({session.settings.name})"
    )
    return 0 if ok else 1


def _cmd_cache_pull(args: argparse.Namespace) -> int:
    session = _session(args, "pull", loads=True)
    cache_dir = _cache_dir(args)
    failed = 0
    for source in _sources(args.paths, "pull"):
        name, key, cached = _key_of(source, cache_dir)
        if cached:
            print(f"cached     {name}")
        elif not key:
            failed += 1
            print(f"FAILED     {name}  (its key cannot be computed: is the compiler installed?)")
        elif session.fetch(key) is not None:
            print(f"pulled     {name}  {key[:12]}")
        else:
            failed += 1
            print(f"missing    {name}  {key[:12]}  (not in {session.settings.name}, or refused)")
    return 1 if failed or not session.usable else 0


def info_rows(args: argparse.Namespace, counters: dict[str, int]) -> list[tuple[str, Any]]:
    """The remote lines of `cxximport cache info`."""
    rows: list[tuple[str, Any]] = [
        ("remote hits", counters.get("remote_hit", 0)),
        ("remote misses", counters.get("remote_miss", 0)),
        ("remote uploads", counters.get("remote_upload", 0)),
        ("remote lease waits", counters.get("remote_lease_wait", 0)),
        ("remote errors", counters.get("remote_error", 0)),
    ]
    settings = _settings(args)
    if settings is not None:
        rows.insert(0, ("remote cache", f"{settings.name} ({settings.mode})"))
        from ._remote import config
        from ._remote.errors import StoreError

        try:
            server = config.make_store(settings.url, settings.timeout).stats()
        except StoreError as e:
            rows.insert(1, ("remote store", f"unreachable: {e}"))
        else:
            if server:
                text = ", ".join(f"{k} {v}" for k, v in sorted(server.items()))
                rows.insert(1, ("remote store counters", text))
    return rows


def check_remote(report: Any) -> None:
    """doctor: is the remote store reachable, and in which mode and trust?"""
    try:
        settings = _settings(argparse.Namespace())
    except _options.OptionError as e:
        report(False, "remote cache", str(e), "fix CXXIMPORT_REMOTE_CACHE")
        return
    if settings is None:
        print("SKIP  remote cache: none configured (CXXIMPORT_REMOTE_CACHE)")
        return
    from ._remote import config
    from ._remote.errors import StoreError

    if settings.key_file:
        try:
            config.read_key_file(settings.key_file)
            trust = f"entries must be signed with {settings.key_file}"
        except StoreError as e:
            report(False, "remote cache", str(e), f"chmod 600 {settings.key_file}")
            return
    elif settings.trusted:
        trust = "trusted without a signing key"
    else:
        report(
            False,
            "remote cache",
            f"{settings.name} is neither trusted nor signed: imports will not use it",
            "set CXXIMPORT_REMOTE_KEY_FILE (signed entries) or CXXIMPORT_REMOTE_TRUST=1",
        )
        return
    try:
        config.make_store(settings.url, settings.timeout).ping()
    except StoreError as e:
        report(
            False,
            "remote cache",
            f"{settings.name} is not reachable: {e}",
            "start the server or fix CXXIMPORT_REMOTE_CACHE (imports build locally meanwhile)",
        )
        return
    report(True, "remote cache", f"{settings.name} reachable, mode {settings.mode}, {trust}")
