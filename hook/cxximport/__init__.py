"""cxximport: import ``.cxxpyx`` C++ files from Python.

    import cxximport
    cxximport.install()   # idempotent; returns the finder; uninstall() undoes it
    import compute        # finds compute.cxxpyx on sys.path, builds if needed, loads

Builds go into a per-user, content-hashed cache (never into the source tree);
see docs/configuration.md for the options and where they come from.

Importing this package is cheap: it does not import numpy nor the C++ core,
which are loaded on the first build.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys

from . import _options
from ._finder import SUFFIX, CxxFinder, module_name_for
from ._loader import CxxLoader
from ._loader import build as _build_source
from .errors import CacheError, CompileError, LockTimeoutError, NotCachedError, OptionError

# Names for annotations only: typing and collections.abc cost milliseconds
# in a process that has not imported them (one without NumPy).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any


__version__ = "0.1.0"


def _openmp_defaults() -> None:
    # libgomp reads its wait policy once, when the first module built with
    # `openmp` loads it. Its default spins ~300000 times at every barrier,
    # which on a machine whose cores are busy elsewhere makes a 2-thread
    # region tens of times slower than 1 thread (benchmarks/README.md,
    # OpenMP). Threads that sleep at once cost a few microseconds per region
    # on an idle machine instead. A user's own setting always wins
    # (docs/language.md, "OpenMP on a busy machine").
    if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
        os.environ["OMP_WAIT_POLICY"] = "passive"


_openmp_defaults()

__all__ = [
    "CacheError",
    "CompileError",
    "CxxFinder",
    "CxxLoader",
    "LockTimeoutError",
    "NotCachedError",
    "OptionError",
    "SUFFIX",
    "__version__",
    "annotate",
    "build",
    "install",
    "installed",
    "load",
    "module_name_for",
    "uninstall",
]

# The installed finder. Not named `_finder`: that would hide the submodule
# cxximport._finder (`import cxximport._finder as f` would give None).
_installed: CxxFinder | None = None


def install(**options: Any) -> CxxFinder:
    """Puts the .cxxpyx finder into ``sys.meta_path`` (before the path-based
    finder) and returns it. Idempotent: there is one finder; calling again
    merges the new options into it (later calls win) and re-inserts it if it
    was removed from ``sys.meta_path``.

    Options (all optional, checked here): cache_dir, cxx, launcher, ninja,
    build_type ("release"/"debug"), jobs, no_build, force, verbose,
    lock_timeout, max_size, openmp, boundscheck, vecmath, arch, std, optimize, cxxflags, ldflags,
    libraries, include_dirs, library_dirs, depends, progress.
    They override the environment and pyproject.toml; a file's own
    directives override them (docs/configuration.md).
    """
    global _installed
    checked = _options.check(options, "install()")
    if _installed is None:
        _installed = CxxFinder(checked)
    else:
        _installed.options.update(checked)
    if _installed not in sys.meta_path:
        position = len(sys.meta_path)
        for i, finder in enumerate(sys.meta_path):
            if finder is importlib.machinery.PathFinder:
                position = i
                break
        sys.meta_path.insert(position, _installed)
    return _installed


def uninstall() -> None:
    """Removes the finder from ``sys.meta_path`` and forgets its options.
    Idempotent. Modules already imported stay usable."""
    global _installed
    if _installed is not None:
        while _installed in sys.meta_path:
            sys.meta_path.remove(_installed)
    _installed = None


def installed() -> CxxFinder | None:
    """The installed finder, or None."""
    if _installed is not None and _installed in sys.meta_path:
        return _installed
    return None


def _merged(options: dict[str, Any], origin: str) -> dict[str, Any]:
    merged = dict(_installed.options) if _installed is not None else {}
    merged.update(_options.check(options, origin))
    return merged


def build(path: str | os.PathLike[str], *, module: str | None = None, **options: Any) -> str:
    """Builds a .cxxpyx file (when it is not cached) without importing it and
    returns the path of the shared object. ``module`` is the fully qualified
    module name (default: derived from the path and enclosing packages).
    Options as for install(), on top of the installed finder's."""
    source = os.path.abspath(os.fspath(path))
    name = module or module_name_for(source)
    return _build_source(source, name, _merged(options, "build()"))["so_path"]


def load(path: str | os.PathLike[str], *, module: str | None = None, **options: Any) -> ModuleType:
    """Builds (when needed) and imports a .cxxpyx file by path, without the
    finder. The module is registered in ``sys.modules`` under ``module``
    (default: derived from the path), as an import would."""
    source = os.path.abspath(os.fspath(path))
    name = module or module_name_for(source)
    loader = CxxLoader(name, source, _merged(options, "load()"))
    spec = importlib.util.spec_from_file_location(
        name,
        source,
        loader=loader,  # type: ignore[arg-type] # typeshed wants the legacy load_module; the import system calls create/exec_module
    )
    assert spec is not None  # None only without a loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        loader.exec_module(mod)
    except BaseException:
        if sys.modules.get(name) is mod:
            del sys.modules[name]
        raise
    return mod


def annotate(
    path: str | os.PathLike[str],
    *,
    output: str | os.PathLike[str] | None = None,
    module: str | None = None,
    **options: Any,
) -> Any:
    """The annotated report of a .cxxpyx file (``cxximport annotate``): builds it
    as an import would (reusing the cache), then returns a report with
    ``text()``, ``html()``, ``save(path)``, ``lines`` and ``counts()``; in
    Jupyter it displays inline. ``output``: also write the HTML there.
    Options as for install(), on top of the installed finder's."""
    from ._annotate import annotate as run

    report = run(path, module=module, options=_merged(options, "annotate()"))
    report.display = os.fspath(path)
    if output is not None:
        report.save(os.fspath(output))
    return report


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext cxximport``: registers the ``%%cxx`` cell magic
    (cxximport.magic; IPython is imported only here)."""
    from .magic import load_ipython_extension as load

    load(ipython)
