"""The compiler's warnings on a user's module (``-Wall -Wextra``, never
errors): counted in one line after a build, shown in full by ``cxximport show
MODULE --warnings`` or the ``show_warnings`` option.

They are read back from the entry's ``build.log``, which is published with
the entry: the count of a module is the same on every later hit, in any
process, as long as the entry lives.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from typing import Any

# "file:line:col: warning: ..." (GCC, Clang) or "file:line: warning: ..."
_WARNING = re.compile(r"^\S.*?:\d+(?::\d+)?: warning: ")
_NINJA_STATUS = re.compile(r"^\[\d+/\d+\] ")


def log_text(entry_dir: str) -> str:
    try:
        with open(os.path.join(entry_dir, "build.log"), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""  # an entry without its log (never fatal: the module is built)


def count(log: str) -> int:
    return sum(1 for line in log.splitlines() if _WARNING.match(line))


def diagnostics(log: str) -> str:
    """The compiler's own output (warnings with their context lines), without
    ninja's ``[n/N]`` status lines."""
    lines = [line for line in log.splitlines() if not _NINJA_STATUS.match(line)]
    return "\n".join(lines).strip("\n")


def summary(module: str, n: int) -> str:
    noun = "warning" if n == 1 else "warnings"
    return f"{n} {noun}, see `cxximport show {module} --warnings`"


def report(result: Mapping[str, Any], module: str, resolved: Mapping[str, Any]) -> None:
    """After a build: the one-line count, or the warnings themselves with
    ``show_warnings``; nothing for a clean build."""
    log = log_text(result.get("entry_dir", ""))
    n = count(log)
    if not n:
        return
    if resolved.get("show_warnings"):
        print(f"cxximport: {module}: {summary(module, n).split(',')[0]}:", file=sys.stderr)
        print(diagnostics(log), file=sys.stderr, flush=True)
        return
    from ._options import logger

    logger.warning("cxximport: %s: %s", module, summary(module, n))
