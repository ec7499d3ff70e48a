"""The option table as Python sees it: read from the C++ core
(``_core.option_table()``, defined in ``src/core/option_table.cpp``), the one
place that names every option, its kind, default, environment variable,
where it may be set and its line in docs/configuration.md.

Read on first use, so ``import cxximport`` loads neither the core nor the
table; ``tests/test_options_table.py`` fails when this view, the core and
the docs disagree.
"""

from __future__ import annotations

import functools

# Names for annotations only: typing and collections.abc cost milliseconds
# in a process that has not imported them (one without NumPy).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

LIST_KINDS = ("flags", "paths", "words")


@functools.lru_cache(maxsize=1)
def rows() -> dict[str, dict[str, Any]]:
    """name -> the table's row (keys: kind, default, default_doc, env,
    argument, pyproject, directive, choices, type_doc, doc)."""
    from . import _core

    return {row["name"]: row for row in _core.option_table()}


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, str]:
    """Every option an argument (install(), build(), the CLI) may set -> its kind."""
    return {name: row["kind"] for name, row in rows().items() if row["argument"]}


@functools.lru_cache(maxsize=1)
def list_options() -> frozenset[str]:
    return frozenset(name for name, kind in schema().items() if kind in LIST_KINDS)


@functools.lru_cache(maxsize=1)
def pyproject_keys() -> frozenset[str]:
    """What [tool.cxximport] may set: what the code needs and the build defaults
    a team shares, not what only one machine knows (compiler, cache, trust)."""
    return frozenset(name for name, row in rows().items() if row["pyproject"])


@functools.lru_cache(maxsize=1)
def environment() -> dict[str, str]:
    """Environment variable -> option."""
    return {row["env"]: name for name, row in rows().items() if row["env"]}


def default(name: str) -> str:
    """The table's default of ``name`` as text ("" when computed or none)."""
    return str(rows()[name]["default"])


def choices(name: str) -> tuple[str, ...]:
    return tuple(rows()[name]["choices"])


def docs_markdown() -> str:
    """The two tables of docs/configuration.md ("Options", "Environment
    variables"), generated from the table; the docs must contain them verbatim."""
    lines = ["| option | type | meaning | default | set in |", "|---|---|---|---|---|"]
    for name, row in rows().items():
        places = [
            label
            for key, label in (
                ("argument", "arguments"),
                ("env", "environment"),
                ("pyproject", "pyproject"),
                ("directive", "directive"),
            )
            if row[key]
        ]
        lines.append(
            f"| `{name}` | {row['type_doc']} | {row['doc']} | {row['default_doc']} |"
            f" {', '.join(places)} |"
        )
    lines += ["", "| variable | option |", "|---|---|"]
    for var, name in environment().items():
        lines.append(f"| `{var}` | `{name}` |")
    return "\n".join(lines) + "\n"
