"""What the installed package promises its users' tools: stubs and py.typed
for type checkers, tomli on Python 3.10 for [tool.cxximport]."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
from pathlib import Path

import cxximport
import pytest


def test_package_ships_py_typed():
    assert (Path(cxximport.__file__).parent / "py.typed").is_file()


def test_package_ships_the_stub_of_its_extension():
    assert (Path(cxximport.__file__).parent / "_core.pyi").is_file()


def test_python_3_10_gets_tomli_for_pyproject_tables():
    requires = importlib.metadata.requires("cxximport") or []
    tomli = [r for r in requires if r.replace(" ", "").startswith("tomli")]
    assert tomli, requires
    assert "python_version" in tomli[0] and "3.11" in tomli[0]


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_mypy_checks_a_user_file_that_imports_cxximport(tmp_path: Path):
    user = tmp_path / "user.py"
    user.write_text(
        "import cxximport\n\nfinder = cxximport.install()\ncxximport.uninstall()\n"
        "x: int = cxximport.install()  # a real type error mypy must see\n"
    )
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "mc"),
            str(user),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = p.stdout + p.stderr
    assert "import-untyped" not in out and "missing library stubs" not in out, out
    # The package's types are used: the wrong annotation is reported on line 5.
    assert "user.py:5: error" in out, out


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_mypy_checks_callers_of_the_extension_against_its_stub(tmp_path: Path):
    user = tmp_path / "user.py"
    user.write_text(
        "from cxximport import _core\n\n"
        "size: int = _core.parse_size('500M')\n"
        "_core.parse_size(500)  # a str is required: mypy must see it\n"
    )
    p = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mc"), str(user)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = p.stdout + p.stderr
    assert "import-not-found" not in out and "import-untyped" not in out, out
    assert "user.py:4: error" in out and "[arg-type]" in out, out
    assert "user.py:3:" not in out, out
