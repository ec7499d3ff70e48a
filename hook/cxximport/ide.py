"""``cxximport ide FILE.cxxpyx``: a ``compile_commands.json`` entry per
source, so clangd (and any tool reading compilation databases) understands
``.cxxpyx`` files: C++20, the runtime header ``pyx/pyx.hpp`` force-included
as the build does, the runtime, Python and NumPy headers on the include path,
and the file's own directives (``openmp``, ``include_dirs``, ``cxxflags``,
``boundscheck``...) and ``[tool.cxximport]`` settings.

The database lives in the source's directory (or ``output_dir``); entries for
other files are kept, an entry for the same file is replaced.
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import subprocess
from collections.abc import Iterable
from typing import Any

from . import _aot, _options
from ._files import write_atomic

DATABASE = "compile_commands.json"


def compile_command(source: str, cxx: str | None = None) -> dict[str, Any]:
    """The compilation database entry of one .cxxpyx file."""
    source = os.path.abspath(source)
    flags = _aot.module_flags(source)
    interp = _options.interpreter_options()
    compiler = shlex.split(cxx or os.environ.get("CXX") or "c++")
    std = next((f for f in flags["cxxflags"] if f.startswith("-std=")), "-std=c++20")
    arguments = [*compiler, "-x", "c++", std, "-include", "pyx/pyx.hpp"]
    if _has_ufuncs(source):  # as module.cpp: the ufunc runtime only where it is used
        arguments += ["-include", "pyx/ufunc.hpp"]
    # As the build: the warnings a build counts, the runtime a system directory.
    arguments += ["-Wall", "-Wextra", "-isystem", interp["templates_dir"]]
    arguments += ["-isystem", interp["python_include"], "-isystem", interp["numpy_include"]]
    arguments += [f"-I{d}" for d in flags["include_dirs"]]  # the source's directory first
    arguments += [f for f in flags["cxxflags"] if not f.startswith("-std=")]
    if flags["openmp"]:
        arguments.append("-fopenmp")
    # The compiler's own include directories, searched last: clangd parses
    # with its own headers first (its intrinsics, its libstdc++ detection) and
    # finds here what only the build's compiler has, such as GCC's omp.h.
    for directory in compiler_include_dirs(tuple(compiler)):
        arguments += ["-idirafter", directory]
    arguments += ["-c", source]
    return {"directory": os.path.dirname(source), "file": source, "arguments": arguments}


@functools.lru_cache(maxsize=8)
def compiler_include_dirs(compiler: tuple[str, ...]) -> list[str]:
    """The ``#include <...>`` search list the compiler prints with ``-v``
    (empty when it cannot be run: the entry still names everything else)."""
    try:
        p = subprocess.run(
            [*compiler, "-x", "c++", "-E", "-v", "-o", os.devnull, "-"],
            input="",
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    lines = p.stderr.splitlines()
    try:
        start = lines.index("#include <...> search starts here:") + 1
        end = lines.index("End of search list.", start)
    except ValueError:
        return []
    # Clang marks framework directories "(framework directory)"; never ours.
    return [os.path.normpath(line.strip()) for line in lines[start:end] if "(" not in line]


def _has_ufuncs(source: str) -> bool:
    from . import _core

    try:
        exports = _core.scan(source)["exports"]
    except (OSError, ValueError):
        return False
    return any(e.get("kind", "function") != "function" for e in exports)


def _read(path: str) -> list[dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return []  # missing or unreadable: start afresh
    return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []


def _write(path: str, entries: list[dict[str, Any]]) -> None:
    write_atomic(path, json.dumps(entries, indent=2) + "\n")


def update_database(
    sources: Iterable[str], output_dir: str | None = None, cxx: str | None = None
) -> list[str]:
    """Merges the entries of ``sources`` into ``compile_commands.json`` of
    each source's directory (or of ``output_dir``); returns the files written."""
    by_database: dict[str, list[dict[str, Any]]] = {}
    for source in sources:
        entry = compile_command(source, cxx)
        directory = os.path.abspath(output_dir) if output_dir else entry["directory"]
        by_database.setdefault(os.path.join(directory, DATABASE), []).append(entry)
    for path, new in by_database.items():
        entries = _read(path)
        index = {os.path.abspath(e.get("file", "")): i for i, e in enumerate(entries)}
        for entry in new:
            if entry["file"] in index:
                entries[index[entry["file"]]] = entry
            else:
                index[entry["file"]] = len(entries)
                entries.append(entry)
        _write(path, entries)
    return list(by_database)
