"""``%load_ext cxximport`` and ``%%cxx`` in a real IPython shell."""

from __future__ import annotations

import os
import platform

import cxximport
import pytest
from conftest import needs_core

pytest.importorskip("IPython")

pytestmark = needs_core

OPENMP_CELL = """\
#include <omp.h>

/// Twice x.
PYX_EXPORT double twice(double x) { return 2 * x; }

PYX_EXPORT int threads() {
    int n = 0;
    #pragma omp parallel reduction(+ : n)
    n += 1;
    return n;
}
"""


@pytest.fixture
def ip(cache_dir, tmp_path, monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")  # nothing may appear here
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "cxximport")
    names = set(shell.user_ns)
    yield shell
    for name in set(shell.user_ns) - names:
        del shell.user_ns[name]


def test_cell_is_built_and_its_functions_bound_into_the_namespace(ip, cache_dir):
    ip.run_cell_magic("cxx", "--openmp -O2", OPENMP_CELL)
    assert ip.user_ns["twice"](21.0) == 42.0
    assert ip.user_ns["twice"].__doc__.rstrip().endswith("Twice x.")
    assert ip.user_ns["threads"]() >= 1
    assert os.listdir(".") == []  # the current directory is untouched
    (written,) = [f for f in os.listdir(cache_dir / "magic") if f.endswith(".cxxpyx")]
    assert written.startswith("_cxx_magic_") and len(written) == len("_cxx_magic_") + 16 + 7
    assert (cache_dir / "magic" / written).read_text() == OPENMP_CELL
    assert (os.stat(cache_dir / "magic").st_mode & 0o077) == 0
    # Running the same cell again loads the same module without building.
    module = ip.user_ns["twice"].__module__
    ip.run_cell_magic("cxx", "--openmp -O2", OPENMP_CELL)
    assert ip.user_ns["twice"].__module__ == module


def test_rerunning_an_edited_cell_loads_the_new_code(ip):
    ip.run_cell_magic("cxx", "", "PYX_EXPORT int f(int x) { return x + 1; }\n")
    assert ip.user_ns["f"](2) == 3
    old = ip.user_ns["f"]
    ip.run_cell_magic("cxx", "", "PYX_EXPORT int f(int x) { return x * 10; }\n")
    assert ip.user_ns["f"](2) == 20
    assert old(2) == 3  # the previous version stays valid for whoever holds it


BROKEN_CELL = """\
// a helper first
PYX_EXPORT int g(int x) {
    return x + nope;
}
"""


def test_compile_errors_are_shown_with_cell_line_numbers(ip, capsys):
    with pytest.raises(cxximport.CompileError) as info:
        ip.run_cell_magic("cxx", "", BROKEN_CELL)
    message = str(info.value)
    assert "cell:3:16: error: ‘nope’ was not declared in this scope" in message
    assert "    3 |     return x + nope;" in message
    assert info.value.lineno == 3
    assert "g" not in ip.user_ns
    # As a notebook shows it: the error and the cell's line, no crash.
    result = ip.run_cell("%%cxx\n" + BROKEN_CELL)
    assert isinstance(result.error_in_exec, cxximport.CompileError)
    shown = capsys.readouterr()
    assert "cell:3:16: error" in shown.out + shown.err


def test_bad_magic_options_are_usage_errors(ip):
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="'optimize'"):
        ip.run_cell_magic("cxx", "-O 9", "PYX_EXPORT int h() { return 1; }\n")
    with pytest.raises(UsageError, match="'arch'"):
        ip.run_cell_magic("cxx", "--arch=-mavx2", "PYX_EXPORT int h() { return 1; }\n")


@pytest.mark.skipif(platform.machine() != "x86_64", reason="an x86-64 -march value")
def test_arch_option_sets_the_march_flag(ip, cache_dir):
    ip.run_cell_magic("cxx", "--arch x86-64", "PYX_EXPORT int k() { return 7; }\n")
    assert ip.user_ns["k"]() == 7
    (ninja,) = (cache_dir / "v1" / "entries").rglob("build.ninja")
    assert [w for w in ninja.read_text().split() if w.startswith("-march=")] == ["-march=x86-64"]
