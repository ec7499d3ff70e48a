"""The meta-path finder: maps ``import name`` to ``name.cxxpyx`` (PEP 451).

It sits in ``sys.meta_path`` before the path-based finder, so it sees every
import that is not built in or frozen. To cost close to nothing for imports
that are not ours it keeps, like importlib's ``FileFinder``, one listing per
directory keyed by the directory's mtime: a lookup is one ``os.stat`` per
path entry and no ``listdir`` unless the directory changed. It never builds
or probes anything: building happens when the loader creates the module.

Precedence follows ``sys.path`` order, as if ``.cxxpyx`` were one more suffix
of the path-based finder, ranked first within its directory: when a
``.cxxpyx`` is found in the k-th entry, the standard path-based finder is
asked about entries 0..k-1 (a cost paid only for names that have a
``.cxxpyx``), and any module, package or extension it finds there wins (a
namespace portion does not: a regular module beats it, as in Python). In its
own directory the ``.cxxpyx`` wins (it is the file written for that name; a
``compute.so`` beside it is likely a stale build), and the module it hides
is reported once.

While cxximport itself builds or imports (``building()``), the finder finds
nothing: a stray ``logging.cxxpyx`` must never become the ``logging`` the build
imports (that recursed, or waited for its own lock).
"""

from __future__ import annotations

import importlib.util
import os
import stat
import sys

from ._loader import CxxLoader, building, in_build

# Names for annotations only: typing and collections.abc cost milliseconds
# in a process that has not imported them (one without NumPy).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from importlib.machinery import ModuleSpec
    from typing import Any, TypeGuard

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
        # Sources already reported as losing to a module in their own directory.
        self._warned: set[str] = set()

    def __repr__(self) -> str:
        return f"<cxximport.CxxFinder options={sorted(self.options)}>"

    def find_spec(
        self, fullname: str, path: Iterable[Any] | None = None, target: Any = None
    ) -> ModuleSpec | None:
        if in_build():
            return None  # cxximport's own imports are never ours
        last = fullname.rpartition(".")[2]
        entries = sys.path if path is None else path
        found = self._find(last, entries)
        if found is None:
            return None
        index, source = found
        if self._standard_wins(fullname, list(entries), index, source):
            return None
        loader = CxxLoader(fullname, source, self.options)
        return importlib.util.spec_from_file_location(
            fullname,
            source,
            loader=loader,  # type: ignore[arg-type] # typeshed wants the legacy load_module; the import system calls create/exec_module
        )

    def _find(self, name: str, entries: Iterable[Any]) -> tuple[int, str] | None:
        for index, entry in enumerate(entries):
            if not isinstance(entry, str):
                continue  # bytes or other exotic entries: not ours
            directory = entry or os.getcwd()
            if name in self._names(directory):
                candidate = os.path.join(directory, name + SUFFIX)
                if os.path.isfile(candidate):
                    return index, os.path.abspath(candidate)
        return None

    def _standard_wins(self, fullname: str, entries: list[Any], index: int, source: str) -> bool:
        """Whether the path-based finder finds fullname in an entry before
        entries[index]. In entries[index] itself the .cxxpyx wins, with one
        warning naming the module it hides."""
        with building():  # its path hooks may import: never our modules
            if _regular(importlib.machinery.PathFinder.find_spec(fullname, entries[:index])):
                return True
            if source in self._warned:
                return False
            spec = importlib.machinery.PathFinder.find_spec(fullname, entries[index : index + 1])
        if _regular(spec):
            self._warned.add(source)
            import warnings

            warnings.warn(
                f"cxximport: {source} is imported as {fullname!r}; {spec.origin} in the same "
                f"directory is ignored (a .cxxpyx wins over the .py files, packages and "
                f"extension modules of its own directory; rename or remove one of them)",
                UserWarning,
                stacklevel=2,
            )
        return False

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


def _regular(spec: ModuleSpec | None) -> TypeGuard[ModuleSpec]:
    """A spec the import system would load (not None, not a namespace portion)."""
    return spec is not None and spec.loader is not None


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
