"""`cxximport doctor`: each failure says what is wrong and how to fix it, and
the exit status is 1. (The all-green report is in test_cli.py.)"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from conftest import needs_core, run_cli

pytestmark = needs_core


def test_missing_compiler_path_fails_with_a_fix_and_skips_openmp(cache_dir, tmp_path):
    p = run_cli("doctor", env={"CXX": "/nonexistent"}, cwd=tmp_path)
    assert p.returncode == 1
    assert "FAIL  C++ compiler: /nonexistent not found" in p.stdout
    assert "fix: apt-get install g++ (or set CXX" in p.stdout
    assert "SKIP  OpenMP" in p.stdout
    assert "1 check(s) failed" in p.stdout


def test_compiler_without_cxx20_fails_with_a_fix(cache_dir, tmp_path):
    fake = tmp_path / "old-c++"
    fake.write_text(
        "#!/bin/sh\necho 'old-c++ 4.8'\necho 'error: unrecognized -std=c++20' >&2\nexit 1\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    p = run_cli("doctor", env={"CXX": str(fake)}, cwd=tmp_path)
    assert p.returncode == 1
    assert "does not compile C++20" in p.stdout
    assert "fix: install g++ >= 10 or clang++ >= 12, or set CXX" in p.stdout


def test_cache_dir_that_is_a_file_warns_as_imports_fall_back(cache_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    cache_dir.write_text("not a directory")
    p = run_cli("doctor", cwd=tmp_path)
    assert p.returncode == 0, p.stdout  # imports work: the private fallback
    assert "WARN  cache directory" in p.stdout and "not a directory" in p.stdout
    assert "fix:" in p.stdout


def test_cache_dir_that_does_not_exist_yet_is_fine_if_creatable(cache_dir, tmp_path):
    assert not cache_dir.exists()
    p = run_cli("doctor", cwd=tmp_path)
    assert f"OK    cache directory: {cache_dir} (will be created 0700)" in p.stdout


def test_bad_project_configuration_fails_naming_file_and_key(cache_dir, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.cxximport]\nopenmpp = true\n")
    p = run_cli("doctor", cwd=tmp_path)
    assert p.returncode == 1
    assert "FAIL  project configuration" in p.stdout
    assert "'openmpp'" in p.stdout and str(tmp_path / "pyproject.toml") in p.stdout
    assert f"fix: correct [tool.cxximport] in {tmp_path / 'pyproject.toml'}" in p.stdout


def test_good_project_configuration_is_listed(cache_dir, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.cxximport]\nopenmp = true\njobs = 2\n")
    p = run_cli("doctor", cwd=tmp_path)
    assert "OK    project configuration" in p.stdout and "(jobs, openmp)" in p.stdout
    assert os.fspath(tmp_path) in p.stdout


def test_cpu_line_says_what_arch_auto_compiles_for(cache_dir, tmp_path):
    from cxximport import _core

    level = _core.host_x86_level()
    p = run_cli("doctor", cwd=tmp_path)
    if level >= 2:
        target = f"x86-64-v{min(level, 3)}"
        assert f"OK    CPU: x86-64-v{level}; arch = auto compiles with -march={target}" in p.stdout
    else:
        assert "OK    CPU: arch = auto uses the compiler's default" in p.stdout
    # A compiler that refuses the level names: still OK, and it says what that costs.
    old = tmp_path / "old-g++"
    old.write_text(
        '#!/bin/sh\ncase " $* " in *" -march=x86-64-"*) echo "bad value" >&2; exit 1 ;; esac\n'
        'exec g++ "$@"\n'
    )
    old.chmod(0o755)
    p = run_cli("doctor", env={"CXX": str(old)}, cwd=tmp_path)
    if level >= 2:
        assert f"does not know -march=x86-64-v{min(level, 3)}" in p.stdout, p.stdout
        assert "GCC 11+ or Clang 12+" in p.stdout
    assert p.returncode == 0, p.stdout
