"""The meta-path finder: maps ``import name`` to ``name.cxxpyx`` (PEP 451).

It sits in ``sys.meta_path`` before the path-based finder, so it sees every
import that is not built in or frozen. To cost close to nothing for imports
that are not ours it keeps, like importlib's ``FileFinder``, one listing per
directory keyed by the directory's mtime: a lookup is one ``os.stat`` per
path entry and no ``listdir`` unless the directory changed. It never builds
or probes anything: building happens when the loader creates the module.
"""

from __future__ import annotations

import importlib.util
import os
import stat
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from ._loader import CxxLoader

SUFFIX = ".cxxpyx"


# Not a subclass of importlib.abc.MetaPathFinder: the import system needs only
# find_spec/invalidate_caches, and importing importlib.abc costs a third of a
# millisecond on every warm start.
class CxxFinder:
    """Finds ``<last component>.cxxpyx`` on ``sys.path`` (top-level names) or on
    the parent package's ``__path__`` (submodules)."""

    def __init__(self, options: Mapping[str, Any] | None = None):
        # Checked build options from install(); loaders read them at build time.
        self.options: dict[str, Any] = dict(options or {})
        # directory -> (st_mtime_ns, names of the *.cxxpyx entries without suffix)
        self._listings: dict[str, tuple[int, frozenset[str]]] = {}

    def __repr__(self) -> str:
        return f"<cxximport.CxxFinder options={sorted(self.options)}>"

    def find_spec(self, fullname: str, path: Iterable[Any] | None = None, target: Any = None):
        last = fullname.rpartition(".")[2]
        source = self._find(last, sys.path if path is None else path)
        if source is None:
            return None
        loader = CxxLoader(fullname, source, self.options)
        return importlib.util.spec_from_file_location(fullname, source, loader=loader)

    def _find(self, name: str, entries: Iterable[Any]) -> str | None:
        for entry in entries:
            if not isinstance(entry, str):
                continue  # bytes or other exotic entries: not ours
            directory = entry or os.getcwd()
            if name in self._names(directory):
                candidate = os.path.join(directory, name + SUFFIX)
                if os.path.isfile(candidate):
                    return os.path.abspath(candidate)
        return None

    def _names(self, directory: str) -> frozenset[str]:
        try:
            st = os.stat(directory)
        except OSError:
            return frozenset()
        if not stat.S_ISDIR(st.st_mode):
            return frozenset()  # a zip file or anything else on sys.path
        cached = self._listings.get(directory)
        if cached is not None and cached[0] == st.st_mtime_ns:
            return cached[1]
        try:
            entries = os.listdir(directory)
        except OSError:
            entries = []
        names = frozenset(e[: -len(SUFFIX)] for e in entries if e.endswith(SUFFIX))
        self._listings[directory] = (st.st_mtime_ns, names)
        return names

    def invalidate_caches(self) -> None:
        """Forgets every directory listing (``importlib.invalidate_caches()`` calls this)."""
        self._listings.clear()


def find_source(fullname: str, entries: Iterable[str] | None = None) -> str | None:
    """The .cxxpyx that ``import fullname`` would load, found without importing
    any parent package: ``a.b.c`` is ``<entry>/a/b/c.cxxpyx`` for the first path
    entry that has it. For tools (``cxximport show``), not for the import system."""
    parts = fullname.split(".")
    for entry in sys.path if entries is None else entries:
        if not isinstance(entry, str):
            continue
        candidate = os.path.join(entry or os.getcwd(), *parts[:-1], parts[-1] + SUFFIX)
        if os.path.isfile(candidate):
            return os.path.abspath(candidate)
    return None


def module_name_for(source: str) -> str:
    """The fully qualified module name of a .cxxpyx file: its stem, prefixed by
    the enclosing regular packages (directories with ``__init__.py``)."""
    source = os.path.abspath(source)
    directory, filename = os.path.split(source)
    parts = [filename[: -len(SUFFIX)] if filename.endswith(SUFFIX) else filename]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        if not package:
            break
        parts.append(package)
    return ".".join(reversed(parts))
