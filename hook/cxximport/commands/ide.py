"""``cxximport ide``: compile_commands.json for clangd (../ide.py)."""

from __future__ import annotations

import argparse
import sys

from . import Parents, sources_or_exit


def run(args: argparse.Namespace) -> int:
    from .. import ide

    sources = sources_or_exit("ide", args.paths)
    try:
        written = ide.update_database(sources, args.output_dir, args.cxx)
    except (OSError, ValueError) as e:  # ScanError is a ValueError
        print(f"cxximport ide: {e}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


def register(sub: argparse._SubParsersAction, parents: Parents) -> None:
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
    p.set_defaults(run=run)
