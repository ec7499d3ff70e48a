"""``cxximport show``: the cache entry of a module (generated code, build log)."""

from __future__ import annotations

import argparse
import os
import sys

from .. import _options
from .._finder import SUFFIX, find_source, module_name_for
from .._loader import CompileError, NotCachedError, _core
from .._loader import build as build_source
from . import Parents, build_options


def _resolve_target(target: str) -> tuple[str, str]:
    if target.endswith(SUFFIX) or os.sep in target or os.path.isfile(target):
        source = os.path.abspath(target)
        if not os.path.isfile(source):
            raise SystemExit(f"cxximport show: no such file: {target}")
        return source, module_name_for(source)
    found = find_source(target, [os.getcwd(), *sys.path])
    if found is None:
        raise SystemExit(f"cxximport show: no {target.replace('.', '/')}{SUFFIX} on sys.path")
    return found, target


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


def run(args: argparse.Namespace) -> int:
    source, name = _resolve_target(args.module)
    options = build_options(args)
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
        from .. import _warnings

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


def register(sub: argparse._SubParsersAction, parents: Parents) -> None:
    p = sub.add_parser(
        "show",
        help="show the generated code and build log of a module",
        description="Prints the cache entry of a module: the generated "
        "module.cpp and the build log.",
        parents=[parents.cache, parents.build],
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
    p.set_defaults(run=run)
