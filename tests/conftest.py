"""Shared fixtures: a private cache per test, isolated import state, helpers
to write .cxxpyx sources and to run Python in a fresh process.

Every test that builds uses the real compiler and the real ninja; each gets
its own cache directory, so tests are independent under ``pytest -n``.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "numpy_tutorial"

# Variables that would change what a test builds or where.
_ISOLATED_ENV = (
    "CXXIMPORT_CACHE_DIR",
    "CXXIMPORT_VERBOSE",
    "CXXIMPORT_JOBS",
    "CXXIMPORT_COMPILER_LAUNCHER",
    "CXXIMPORT_BUILD_TYPE",
    "CXXIMPORT_NO_BUILD",
    "CXXIMPORT_ARCH",
    "CXXIMPORT_MAX_SIZE",
    "CXXIMPORT_REMOTE_CACHE",
    "CXXIMPORT_REMOTE_CACHE_MODE",
    "CXXIMPORT_REMOTE_TRUST",
    "CXXIMPORT_REMOTE_KEY_FILE",
    "CXXIMPORT_REMOTE_TIMEOUT",
    "CXXIMPORT_REMOTE_WAIT",
    "CXXIMPORT_REMOTE_LEASE_TTL",
)


def has_core() -> bool:
    try:
        importlib.import_module("cxximport._core")
    except ImportError:
        return False
    return True


needs_core = pytest.mark.skipif(not has_core(), reason="cxximport._core is not built")


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh cache root for this test, set as $CXXIMPORT_CACHE_DIR (and so
    inherited by subprocesses); other CXXIMPORT_* variables are cleared."""
    for var in _ISOLATED_ENV:
        monkeypatch.delenv(var, raising=False)
    root = tmp_path / "cache"
    monkeypatch.setenv("CXXIMPORT_CACHE_DIR", str(root))
    return root


class ImportState:
    """What isolated_import hands a test: install the finder, import by name."""

    def __init__(self, src: Path):
        self.src = src

    def install(self, **options):
        import cxximport

        return cxximport.install(**options)

    def import_module(self, name: str):
        importlib.invalidate_caches()
        return importlib.import_module(name)


def _is_under(module, root: Path) -> bool:
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None) or getattr(module, "__file__", None) or ""
    locations = list(getattr(spec, "submodule_search_locations", None) or [])
    return any(str(p).startswith(str(root)) for p in [origin, *locations])


@pytest.fixture
def isolated_import(tmp_path: Path, cache_dir: Path):
    """Saves and restores sys.meta_path, sys.path, sys.modules and
    sys.path_importer_cache (as CPython's test_importlib.util does), puts a
    fresh source directory first on sys.path and installs the finder."""
    import cxximport

    saved_meta_path = sys.meta_path[:]
    saved_path = sys.path[:]
    saved_modules = sys.modules.copy()
    saved_importer_cache = sys.path_importer_cache.copy()
    src = tmp_path / "src"
    src.mkdir()
    sys.path.insert(0, str(src))
    state = ImportState(src)
    state.install()
    try:
        yield state
    finally:
        cxximport.uninstall()
        sys.meta_path[:] = saved_meta_path
        sys.path[:] = saved_path
        # Forget the modules the test imported from its own directories (a
        # third-party extension such as numpy cannot be imported twice, so
        # those stay), and put back whatever the test replaced.
        for name, module in list(sys.modules.items()):
            if name not in saved_modules and _is_under(module, tmp_path):
                del sys.modules[name]
        sys.modules.update(saved_modules)
        sys.path_importer_cache.clear()
        sys.path_importer_cache.update(saved_importer_cache)
        importlib.invalidate_caches()


@pytest.fixture
def write_source(tmp_path: Path):
    """write_source("pkg/kernels.cxxpyx", code) writes dedented code under
    tmp_path/src (directories created; packages get an __init__.py when
    `package=True`) and returns the path."""

    def write(relpath: str, code: str, package: bool = False) -> Path:
        path = tmp_path / "src" / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if package:
            parent = path.parent
            while parent != tmp_path / "src":
                (parent / "__init__.py").touch()
                parent = parent.parent
        path.write_text(textwrap.dedent(code).lstrip("\n"))
        return path

    return write


def run_python(code: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 600):
    """Runs code in a new interpreter with this process's environment (so the
    test's CXXIMPORT_CACHE_DIR); returns the CompletedProcess. If the code
    prints a JSON object on its last line, it is in `.result`."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=str(cwd) if cwd else None,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    proc.result = None
    lines = proc.stdout.strip().splitlines()
    if lines:
        try:
            proc.result = json.loads(lines[-1])
        except ValueError:
            pass
    return proc


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 600):
    """Runs `python -m cxximport ARGS...` in a new process."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "cxximport", *args],
        cwd=str(cwd) if cwd else None,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def python():
    return run_python


@pytest.fixture
def cli():
    return run_cli
