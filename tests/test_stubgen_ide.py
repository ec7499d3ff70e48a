"""``cxximport stubgen``: a .pyi that mypy accepts and checks calls against;
``cxximport ide``: a compile_commands.json with which a compiler (and so
clangd) understands the .cxxpyx file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy
import pytest
from conftest import needs_core

pytestmark = needs_core

KERNELS = """\
// cxximport: openmp
#include <string>

/// Twice x, n times.
PYX_EXPORT double twice(double x, int n = 3) { return 2 * x * n; }

template <pyx::fused<int, double> T>
PYX_EXPORT pyx::array<T, 1> shifted(pyx::cview<const T, 1> a, T b) {
    auto r = pyx::empty<T>(a.shape());
    #pragma omp parallel for
    for (Py_ssize_t i = 0; i < a.shape(0); ++i) r(i) = a(i) + b;
    return r;
}

PYX_EXPORT std::string greet(std::string_view who) { return "hi " + std::string(who); }
"""


@pytest.fixture
def kernels(write_source):
    return write_source("kernels.cxxpyx", KERNELS)


def _mypy(*args: str, cwd) -> subprocess.CompletedProcess:
    pytest.importorskip("mypy")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", ".mypy_cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_stubgen_writes_a_stub_next_to_the_source_that_mypy_accepts(cli, kernels, cache_dir):
    proc = cli("stubgen", str(kernels))
    assert proc.returncode == 0, proc.stderr
    stub = kernels.with_suffix(".pyi")
    assert proc.stdout.strip() == str(stub)
    text = stub.read_text()
    assert "def twice(x: float, n: int = ...) -> float:" in text
    assert "def greet(who: str) -> str:" in text
    assert not cache_dir.exists()  # nothing was built

    src = kernels.parent
    checked = _mypy("kernels.pyi", cwd=src)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    (src / "good.py").write_text(
        textwrap.dedent(
            """
            import numpy
            import kernels

            x: float = kernels.twice(1.5, n=2)
            s: str = kernels.greet("you")
            a = kernels.shifted(numpy.arange(3.0), 1.0)
            """
        )
    )
    checked = _mypy("good.py", cwd=src)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    (src / "bad.py").write_text("import kernels\n\ny: int = kernels.greet(3)\n")
    checked = _mypy("bad.py", cwd=src)
    assert checked.returncode == 1
    assert 'Argument 1 to "greet" has incompatible type "int"; expected "str"' in checked.stdout
    assert 'Incompatible types in assignment (expression has type "str"' in checked.stdout


def test_stubgen_reports_a_scan_error(cli, write_source):
    bad = write_source("broken.cxxpyx", "PYX_EXPORT int\n")
    proc = cli("stubgen", str(bad))
    assert proc.returncode == 1
    assert "broken.cxxpyx:1" in proc.stderr
    assert not bad.with_suffix(".pyi").exists()


def test_ide_writes_a_compilation_database_the_compiler_understands(cli, kernels, tmp_path):
    database = kernels.parent / "compile_commands.json"
    database.write_text(json.dumps([{"directory": "/x", "file": "/x/other.cpp", "command": "c++"}]))
    proc = cli("ide", str(kernels))
    assert proc.returncode == 0, proc.stderr
    entries = json.loads(database.read_text())
    assert entries[0]["file"] == "/x/other.cpp"  # other entries are kept
    (entry,) = [e for e in entries if e["file"] == str(kernels)]
    assert entry["directory"] == str(kernels.parent)
    args = entry["arguments"]
    import sysconfig

    import cxximport._options as options

    templates = options.templates_dir()
    assert args[1:6] == ["-x", "c++", "-std=c++20", "-include", "pyx/pyx.hpp"]
    assert f"-I{templates}" in args
    assert os.path.isfile(os.path.join(templates, "pyx", "pyx.hpp"))
    i = args.index(sysconfig.get_paths()["include"])
    assert args[i - 1] == "-isystem"
    j = args.index(numpy.get_include())
    assert args[j - 1] == "-isystem"
    assert f"-I{kernels.parent}" in args
    assert "-fopenmp" in args  # from the file's directive
    assert args[-2:] == ["-c", str(kernels)]

    # Running it again updates the entry instead of adding one.
    assert cli("ide", str(kernels.parent)).returncode == 0
    assert len(json.loads(database.read_text())) == 2

    # The exact arguments compile the file: an IDE using them understands it.
    if shutil.which(args[0]) is None:
        pytest.skip(f"{args[0]} not found")
    proc = subprocess.run(
        [*args, "-fsyntax-only"], cwd=entry["directory"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "src" / "kernels.o").exists()
