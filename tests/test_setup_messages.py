"""The first ten minutes' messages (issue 16, point 10): a C compiler driver
in CXX and a launcher that is not installed are named as such by the build
and by doctor; an unusable default cache root means the private fallback,
one warning with one prefix, in an import, in %%cxx and in doctor alike;
`cxximport cache list | head` exits quietly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import needs_core, run_cli

pytestmark = needs_core

SOURCE = "PYX_EXPORT int twice(int x) { return 2 * x; }\n"

IMPORT = """
import json, logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="WARNING %(message)s")
sys.path.insert(0, {src!r})
import cxximport
cxximport.install({args})
try:
    import twice_mod
    print(json.dumps({{"value": twice_mod.twice(21), "so": twice_mod.__file__}}))
except ImportError as e:
    print(json.dumps({{"error": type(e).__name__, "message": str(e)}}))
"""


@pytest.fixture
def src(tmp_path: Path) -> Path:
    d = tmp_path / "src"
    d.mkdir()
    (d / "twice_mod.cxxpyx").write_text(SOURCE)
    return d


def _c_driver() -> str | None:
    return next((c for c in ("gcc", "clang", "cc") if shutil.which(c)), None)


def test_driver_problem_maps_c_drivers_to_their_cxx_driver():
    from cxximport import _core

    cases = {
        "gcc": "CXX=g++",
        "/usr/bin/gcc-12": "CXX=g++-12",
        "x86_64-linux-gnu-gcc-12": "CXX=x86_64-linux-gnu-g++-12",
        "clang": "CXX=clang++",
        "clang-18": "CXX=clang++-18",
        "cc": "CXX=c++",
    }
    for cxx, fix in cases.items():
        problem = _core.driver_problem(cxx)
        assert "is a C compiler driver" in problem and fix in problem, (cxx, problem)
    for cxx in ("g++", "c++", "clang++", "clang++-18", "/usr/bin/g++-12", "icpx", "distcc"):
        assert _core.driver_problem(cxx) == "", cxx


@pytest.mark.skipif(_c_driver() is None, reason="no C compiler driver installed")
def test_cxx_naming_a_c_driver_fails_the_build_with_the_fix(python, cache_dir, src):
    driver = _c_driver()
    proc = python(IMPORT.format(src=str(src), args=""), env={"CXX": driver})
    assert proc.result and proc.result.get("error") == "ImportError", proc.stdout + proc.stderr
    message = proc.result["message"]
    assert f"'{driver}' is a C compiler driver" in message and "set CXX=" in message, message
    assert "undefined" not in message  # not a link error from the missing libstdc++


@pytest.mark.skipif(_c_driver() is None, reason="no C compiler driver installed")
def test_doctor_names_a_c_driver_in_cxx(cache_dir, tmp_path):
    p = run_cli("doctor", env={"CXX": _c_driver()}, cwd=tmp_path)
    assert p.returncode == 1
    assert "FAIL  C++ compiler:" in p.stdout and "is a C compiler driver" in p.stdout, p.stdout
    assert "fix: set CXX=" in p.stdout


def test_a_missing_launcher_is_named_as_such(python, cache_dir, src):
    proc = python(
        IMPORT.format(src=str(src), args=""),
        env={"CXXIMPORT_COMPILER_LAUNCHER": "no-such-launcher-xyz"},
    )
    assert proc.result and proc.result.get("error") == "ImportError", proc.stdout + proc.stderr
    message = proc.result["message"]
    assert "the compiler launcher 'no-such-launcher-xyz'" in message
    assert "is not installed" in message and "CXXIMPORT_COMPILER_LAUNCHER" in message
    assert "/bin/sh" not in message and "CompileError" not in proc.stdout


def test_a_missing_launcher_does_not_stop_a_cached_module(python, cache_dir, src):
    assert python(IMPORT.format(src=str(src), args="")).result["value"] == 42
    proc = python(
        IMPORT.format(src=str(src), args=""),
        env={"CXXIMPORT_COMPILER_LAUNCHER": "no-such-launcher-xyz"},
    )
    assert proc.result == {"value": 42, "so": proc.result["so"]}, proc.stdout + proc.stderr


@pytest.fixture
def unusable_root(cache_dir: Path, tmp_path: Path, monkeypatch) -> Path:
    """A default cache root the store refuses (a file where the directory
    should be); the private fallback goes under this test's TMPDIR."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    cache_dir.write_text("not a directory")
    return cache_dir


def _warnings(stderr: str) -> list[str]:
    return [w for w in stderr.splitlines() if w.startswith("WARNING ")]


def test_fallback_warning_says_its_prefix_once(python, unusable_root, src, tmp_path):
    proc = python(IMPORT.format(src=str(src), args=""))
    assert proc.result["value"] == 42, proc.stdout + proc.stderr
    (warning,) = _warnings(proc.stderr)
    assert warning.count("cxximport:") == 1, warning
    assert str(unusable_root) in warning and "using the private cache" in warning
    assert Path(proc.result["so"]).is_relative_to(tmp_path)


CELL = """
import logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="WARNING %(message)s")
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_line_magic("load_ext", "cxximport")
shell.run_cell_magic("cxx", "", "PYX_EXPORT int thrice(int x) {{ return 3 * x; }}\\n")
print(shell.user_ns["thrice"](14))
"""


def test_cxx_magic_agrees_with_the_import_about_an_unusable_root(python, unusable_root):
    pytest.importorskip("IPython")
    proc = python(CELL.format())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-1] == "42"
    (warning,) = _warnings(proc.stderr)
    assert "using the private cache" in warning and warning.count("cxximport:") == 1


def test_doctor_warns_about_an_unusable_root_without_failing(unusable_root, tmp_path):
    p = run_cli("doctor", cwd=tmp_path)
    assert "FAIL  cache directory" not in p.stdout, p.stdout
    (line,) = [s for s in p.stdout.splitlines() if s.startswith("WARN  cache directory:")]
    assert str(unusable_root) in line and "imports use the private cache" in line, line
    assert "check(s) failed" not in p.stdout or p.returncode == 1  # other checks may fail


@pytest.fixture
def read_only_root(cache_dir: Path, tmp_path: Path, monkeypatch):
    """The default cache root on a read-only bind mount (root only)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a read-only bind mount needs root and mount(8)")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    real = tmp_path / "real-cache"
    real.mkdir(mode=0o700)
    cache_dir.mkdir(mode=0o700)
    p = subprocess.run(
        ["mount", "--bind", "-o", "ro", str(real), str(cache_dir)], capture_output=True, text=True
    )
    if p.returncode != 0:
        pytest.skip(f"mount --bind -o ro is not allowed here: {p.stderr.strip()}")
    try:
        yield cache_dir
    finally:
        subprocess.run(["umount", str(cache_dir)], capture_output=True)


def test_cxx_magic_and_doctor_with_a_read_only_root(python, read_only_root, tmp_path):
    pytest.importorskip("IPython")
    proc = python(CELL.format())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-1] == "42"
    (warning,) = _warnings(proc.stderr)
    assert "read-only" in warning and warning.count("cxximport:") == 1, warning
    p = run_cli("doctor", cwd=tmp_path)
    assert "FAIL  cache directory" not in p.stdout, p.stdout
    (line,) = [s for s in p.stdout.splitlines() if s.startswith("WARN  cache directory:")]
    assert f"{read_only_root} is read-only" in line and "imports use the private cache" in line


def test_cache_list_into_a_closed_pipe_exits_quietly(python, cache_dir, src):
    assert python(IMPORT.format(src=str(src), args="")).result["value"] == 42
    read, write = os.pipe()
    os.close(read)  # `| head` that has already gone
    try:
        p = subprocess.run(
            [sys.executable, "-m", "cxximport", "cache", "list"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)
    assert p.stderr == "", p.stderr
    assert p.returncode == 141


BROKEN_IMPORT = """
import sys, traceback
sys.path.insert(0, {src!r})
import cxximport
cxximport.install()
try:
    import broken_mod
except ImportError as e:
    print("".join(traceback.format_exception(e)))
"""


@pytest.mark.skipif(sys.version_info < (3, 11), reason="3.10's bare raise re-adds one frame")
def test_build_error_traceback_goes_from_the_import_to_the_users_line(python, cache_dir, src):
    broken = src / "broken_mod.cxxpyx"
    broken.write_text("PYX_EXPORT int f(int x) {\n    return x + undefined_name;\n}\n")
    proc = python(BROKEN_IMPORT.format(src=str(src)))
    files = [line.split('"')[1] for line in proc.stdout.splitlines() if line.startswith("  File ")]
    assert files == ["<string>", str(broken)], proc.stdout  # no frame of cxximport's
    assert "return x + undefined_name;" in proc.stdout
    assert "cxximport/_loader.py" not in proc.stdout and "importlib" not in proc.stdout
