"""The ``cxximport`` commands, one module each (``commands/<name>.py``), all
registered the same way: a module defines ``register(sub, parents)``, which
adds its parser to the ``cxximport`` subparsers and sets ``run`` to the
function that carries the command out. ``cli.py`` imports the modules of
``COMMANDS`` in that order (the order ``cxximport --help`` lists them).

What several commands share lives here: the common options (``Parents``),
the command-line build options and the collection of ``.cxxpyx`` files.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

from .. import _options
from .._finder import SUFFIX

COMMANDS = (
    "demo",
    "annotate",
    "build",
    "show",
    "doctor",
    "generate",
    "flags",
    "stubgen",
    "ide",
    "cache",
)


class Parents(NamedTuple):
    """Option groups several commands take (argparse parents)."""

    cache: argparse.ArgumentParser  # --cache-dir
    build: argparse.ArgumentParser  # --cxx, --build-type, -v


def make_parents() -> Parents:
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
    return Parents(cache_opt, build_opt)


def cache_dir(args: argparse.Namespace) -> str:
    """--cache-dir, else the core's default root (the one an import uses)."""
    if getattr(args, "cache_dir", None):
        return str(_options.check({"cache_dir": args.cache_dir}, "--cache-dir")["cache_dir"])
    return _options.default_cache_dir()


def build_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options given on the command line (they act like install() arguments)."""
    given = {}
    for name in ("cache_dir", "cxx", "build_type", "jobs", "force", "verbose"):
        value = getattr(args, name, None)
        if value not in (None, False):
            given[name] = value
    return _options.check(given, "command line")


def collect(paths: Sequence[str]) -> tuple[list[str], list[str]]:
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


def sources_or_exit(command: str, paths: Sequence[str]) -> list[str]:
    sources, missing = collect(paths)
    for path in missing:
        print(f"cxximport {command}: no such file or directory: {path}", file=sys.stderr)
    if missing or not sources:
        raise SystemExit(f"cxximport {command}: no .cxxpyx files" if not missing else 1)
    return sources
