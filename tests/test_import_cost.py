"""What `import cxximport`, `install()` and a warm import of a module load:
only the hot path (issue 15, target 1). The CLI, TOML, error formatting,
progress display, logging and the C++ core are imported when they are used,
not at start-up; each check runs in a fresh interpreter."""

from __future__ import annotations

import json

import pytest
from conftest import needs_core

# Modules the hot path must not import (each costs from 0.1 to several ms).
NOT_ON_THE_HOT_PATH = (
    "argparse",
    "shutil",
    "tomllib",
    "tomli",
    "logging",
    "subprocess",
    "dataclasses",
    "cxximport.cli",
    "cxximport.commands",
    "cxximport._progress",
    "cxximport._errors",
    "cxximport._aot",
    "cxximport.magic",
)


def _loaded(python, code: str, cwd=None) -> dict:
    """Which of the names ``code`` imported (those the interpreter's start-up,
    site and .pth files already imported do not count)."""
    names = NOT_ON_THE_HOT_PATH + ("numpy", "typing", "cxximport._core")
    report = f"print(json.dumps({{m: m in sys.modules and m not in _before for m in {names!r}}}))"
    proc = python(
        "import sys\n_before = set(sys.modules)\n" + code + "\nimport json\n" + report, cwd=cwd
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_import_cxximport_and_install_load_neither_core_nor_numpy_nor_typing(python):
    loaded = _loaded(python, "import cxximport; cxximport.install()")
    assert [m for m, yes in loaded.items() if yes] == []


@needs_core
def test_a_warm_import_loads_only_the_hot_path(cache_dir, tmp_path, python):
    (tmp_path / "warm.cxxpyx").write_text("PYX_EXPORT int add(int a, int b) { return a + b; }\n")
    code = "import sys, cxximport; sys.path.insert(0, '.'); cxximport.install(); import warm"
    assert python(code, cwd=tmp_path).returncode == 0  # the build
    loaded = _loaded(python, code + "\nassert warm.add(2, 3) == 5", cwd=tmp_path)
    assert [m for m in NOT_ON_THE_HOT_PATH if loaded[m]] == []
    assert loaded["cxximport._core"]


def test_the_finder_submodule_is_not_hidden_by_the_installed_finder(python):
    """`import cxximport._finder as f` gave None: a module-level `_finder`
    variable of the package hid the submodule."""
    proc = python(
        "import cxximport._finder as f, cxximport\n"
        "cxximport.install()\n"
        "import cxximport._finder as g\n"
        "print(f.__name__, g.__name__, f is g, cxximport.installed() is not None)"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["cxximport._finder", "cxximport._finder", "True", "True"]


@pytest.mark.parametrize("name", ["OptionError", "CompileError", "NotCachedError"])
def test_public_names_still_resolve(name, python):
    proc = python(f"import cxximport; print(cxximport.{name}.__name__)")
    assert proc.returncode == 0 and proc.stdout.strip() == name, proc.stderr
