"""``cxximport`` / ``python -m cxximport``: a thin shell over the package.

Each command is a module of ``commands/`` (demo, annotate, build, show,
doctor, generate, flags, stubgen, ide, cache) with a ``register(sub,
parents)`` function, listed in ``commands.COMMANDS``; a new command is a new
module registered the same way.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from . import _options
from .commands import COMMANDS, make_parents


class _CMakeDirAction(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any) -> None:
        from . import _aot

        print(_aot.cmake_dir())
        parser.exit()


def _make_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="cxximport",
        description="Import .cxxpyx C++ files from Python: build, inspect and manage the cache.",
    )
    parser.add_argument("--version", action="version", version=f"cxximport {__version__}")
    parser.add_argument(
        "--cmake-dir",
        action=_CMakeDirAction,
        help="print the directory of cxximportConfig.cmake (for find_package) and exit",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    parents = make_parents()
    for name in COMMANDS:
        importlib.import_module(f".commands.{name}", __package__).register(sub, parents)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _make_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        code = int(args.run(args) or 0)
        sys.stdout.flush()  # here, so a closed pipe is caught below, not at exit
        return code
    except _options.OptionError as e:
        print(e, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `cxximport cache list | head`: the reader has what it wanted. Quiet,
        # as `ls | head`; stdout goes to /dev/null so the exit flush is silent.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for `ls | head`'s ls


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
