"""``cxximport annotate``: the per-line report of a .cxxpyx (_annotate.py)."""

from __future__ import annotations

import argparse
import os
import sys

from . import Parents, build_options


def run(args: argparse.Namespace) -> int:
    from .. import _annotate

    try:
        report = _annotate.annotate(args.source, options=build_options(args))
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


def register(sub: argparse._SubParsersAction, parents: Parents) -> None:
    p = sub.add_parser(
        "annotate",
        help="HTML report: per line, what the optimiser did and what touches Python",
        description="Builds a .cxxpyx as an import would (reusing the cache) and reports, "
        "per source line, the optimiser's verdicts (loops vectorised or not and why, "
        "inlining, OpenMP), the machine code, the generated wrappers and the lines that "
        "talk to Python: one self-contained HTML file (FILE.html by default), or "
        "compiler-style lines with --text.",
        parents=[parents.cache, parents.build],
    )
    p.add_argument("source", metavar="FILE.cxxpyx")
    p.add_argument("-o", "--output", metavar="OUT.html", help="default: FILE.html next to FILE")
    p.add_argument("--open", action="store_true", help="open the report in a web browser")
    p.add_argument(
        "--text", action="store_true", help="print the findings as file:line: lines instead"
    )
    p.set_defaults(run=run)
