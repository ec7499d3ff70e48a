"""``cxximport generate``: the module source of a .cxxpyx for CMake builds (_aot.py)."""

from __future__ import annotations

import argparse
import os
import sys

from .._finder import module_name_for
from . import Parents


def run(args: argparse.Namespace) -> int:
    from .. import _aot

    module = args.module or module_name_for(os.path.abspath(args.source))
    output = args.output or os.path.splitext(os.path.basename(args.source))[0] + "_module.cpp"
    try:
        _aot.generate(args.source, module, output, args.pyi, args.display_path)
    except (OSError, ValueError, RuntimeError) as e:  # ScanError is a ValueError
        print(f"cxximport generate: {e}", file=sys.stderr)
        return 1
    return 0


def register(sub: argparse._SubParsersAction, parents: Parents) -> None:
    p = sub.add_parser(
        "generate",
        help="write the generated C++ module source of a .cxxpyx (for CMake builds)",
        description="Writes the complete C++ source of the extension module that "
        "the import hook would compile, and optionally its .pyi stub.",
    )
    p.add_argument("source", metavar="FILE.cxxpyx")
    p.add_argument("--module", metavar="NAME", help="full module name (default: from the path)")
    p.add_argument("-o", "--output", metavar="OUT.cpp", help="default: NAME_module.cpp")
    p.add_argument("--pyi", metavar="OUT.pyi", help="also write the stub here")
    p.add_argument(
        "--display-path",
        metavar="PATH",
        help="how the module docstring and the stub name the source (default: its "
        "absolute path; cxximport_add_module passes the project-relative path)",
    )
    p.set_defaults(run=run)
