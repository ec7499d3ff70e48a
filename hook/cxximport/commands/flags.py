"""``cxximport flags``: the compile and link flags of a .cxxpyx for CMake builds
(the core's ``module_flags``, through _aot.py)."""

from __future__ import annotations

import argparse
import shlex
import sys

from . import Parents


def run(args: argparse.Namespace) -> int:
    from .. import _aot

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


def register(sub: argparse._SubParsersAction, parents: Parents) -> None:
    p = sub.add_parser(
        "flags",
        help="print the compile and link flags of a .cxxpyx (for CMake builds)",
        description="Prints the flags the import hook would use for a file, from "
        "[tool.cxximport] in the nearest pyproject.toml and the file's directives, "
        "without the Python, NumPy and OpenMP parts a CMake build adds itself.",
    )
    p.add_argument("source", metavar="FILE.cxxpyx")
    p.add_argument("--cmake", action="store_true", help="as a CMake script of set() lines")
    p.set_defaults(run=run)
