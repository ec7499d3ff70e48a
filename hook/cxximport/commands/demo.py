"""``cxximport demo``: the Cython NumPy tutorial's steps against NumPy (demo.py)."""

from __future__ import annotations

import argparse

from . import Parents


def run(args: argparse.Namespace) -> int:
    from .. import demo

    return demo.run(args)


def register(sub: argparse._SubParsersAction, parents: Parents) -> None:
    p = sub.add_parser(
        "demo",
        help="run the Cython NumPy tutorial's steps against NumPy",
        description="Builds the seed tutorial's steps, checks each result "
        "against NumPy and prints their timings.",
        parents=[parents.cache],
    )
    p.add_argument("--quick", action="store_true", help="small arrays and few runs (for tests)")
    p.add_argument(
        "--repeat",
        type=int,
        default=None,
        metavar="N",
        help="timed runs per step (default 7; 3 with --quick)",
    )
    p.add_argument("--examples", metavar="DIR", help="directory of the tutorial's .cxxpyx files")
    p.add_argument(
        "--annotate",
        action="store_true",
        help="also write each step's annotated report (cxximport annotate) and print where",
    )
    p.add_argument(
        "--annotate-dir",
        metavar="DIR",
        default="cxximport-demo-reports",
        help="where --annotate writes the reports (default: ./cxximport-demo-reports)",
    )
    p.set_defaults(run=run)
