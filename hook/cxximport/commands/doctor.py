"""``cxximport doctor``: checks what building needs (the checks: ../doctor.py)."""

from __future__ import annotations

import argparse

from . import Parents


def run(args: argparse.Namespace) -> int:
    from ..doctor import _cmd_doctor

    return _cmd_doctor(args)


def register(sub: argparse._SubParsersAction, parents: Parents) -> None:
    p = sub.add_parser(
        "doctor",
        help="check the compiler, OpenMP, ninja, headers and cache",
        description="Checks what building .cxxpyx modules needs and says what "
        "to do about anything missing; exits 1 if a check fails.",
        parents=[parents.cache],
    )
    p.set_defaults(run=run)
