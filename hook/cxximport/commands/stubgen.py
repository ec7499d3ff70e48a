"""``cxximport stubgen``: FILE.pyi next to FILE.cxxpyx (../stubgen.py)."""

from __future__ import annotations

import argparse
import sys

from . import Parents, sources_or_exit


def run(args: argparse.Namespace) -> int:
    from .. import stubgen

    sources = sources_or_exit("stubgen", args.paths)
    if args.output and len(sources) != 1:
        raise SystemExit("cxximport stubgen: -o/--output needs exactly one source")
    for source in sources:
        try:
            print(stubgen.write_stub(source, args.output))
        except (OSError, ValueError) as e:  # ScanError is a ValueError
            print(f"cxximport stubgen: {e}", file=sys.stderr)
            return 1
    return 0


def register(sub: argparse._SubParsersAction, parents: Parents) -> None:
    p = sub.add_parser(
        "stubgen",
        help="write FILE.pyi next to FILE.cxxpyx for type checkers and IDEs",
        description="Writes the type stub of each .cxxpyx file (or of those found under "
        "the named directories) next to it, as FILE.pyi.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help=".cxxpyx files or directories")
    p.add_argument("-o", "--output", metavar="FILE", help="write the stub here (one source only)")
    p.set_defaults(run=run)
