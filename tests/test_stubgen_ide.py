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
    assert args[args.index(templates) - 1] == "-isystem"  # its headers never warn
    assert "-Wall" in args and "-Wextra" in args  # what the build counts
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


def _gcc_omp_dir(compiler: str) -> str | None:
    p = subprocess.run(
        [compiler, "-print-file-name=include/omp.h"], capture_output=True, text=True, timeout=60
    )
    path = p.stdout.strip()
    return os.path.dirname(path) if os.path.isabs(path) and os.path.isfile(path) else None


def test_ide_entry_names_the_compilers_own_include_dirs_after_ours(cli, kernels):
    """clangd parses with its own headers; omp.h of the build's GCC (and any
    header only that compiler has) must be found after them."""
    assert cli("ide", str(kernels)).returncode == 0
    (entry,) = json.loads((kernels.parent / "compile_commands.json").read_text())
    args = entry["arguments"]
    after = [args[i + 1] for i, a in enumerate(args) if a == "-idirafter"]
    assert "/usr/include" in after or any(d.startswith("/usr") for d in after), args
    omp_dir = _gcc_omp_dir(args[0])
    if omp_dir is None:
        pytest.skip(f"{args[0]} has no omp.h of its own (not GCC)")
    assert os.path.normpath(omp_dir) in after, (omp_dir, after)


def _namespaces_work() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(shutil.which("clangd") is None, reason="clangd is not installed")
@pytest.mark.skipif(not _namespaces_work(), reason="needs root and unshare -m")
def test_clangd_resolves_omp_h_without_clangs_own_openmp(cli, kernels, tmp_path):
    """clangd on a machine where only GCC has omp.h (no libomp-dev): the
    clang resource directory's omp.h is hidden by an overlay whiteout."""
    source = kernels.parent / "omp_kernels.cxxpyx"
    source.write_text(
        "// cxximport: openmp\n#include <omp.h>\n#include <vector>\n"
        "PYX_EXPORT int threads() { return omp_get_max_threads(); }\n"
    )
    assert cli("ide", str(source)).returncode == 0
    resource = subprocess.run(
        ["clang", "-print-resource-dir"], capture_output=True, text=True
    ).stdout.strip()
    include = os.path.join(resource, "include")
    hide = ""
    if os.path.exists(os.path.join(include, "omp.h")):
        upper, work = tmp_path / "upper", tmp_path / "work"
        upper.mkdir()
        work.mkdir()
        os.mknod(upper / "omp.h", 0o600 | 0o020000, os.makedev(0, 0))  # a whiteout
        hide = (
            f"mount -t overlay overlay -o lowerdir={include},upperdir={upper},workdir={work} "
            f"{include} && test ! -e {include}/omp.h && "
        )
    check = f"{hide}exec clangd --check={source}"
    p = subprocess.run(
        ["unshare", "-m", "sh", "-c", check],
        cwd=source.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = p.stdout + p.stderr
    assert "All checks completed, 0 errors" in out, out


STUB_IMPORT = """
import sys, cxximport
sys.path.insert(0, {src!r})
cxximport.install()
import stubbed
print(stubbed.f(2))
"""


def test_a_stub_next_to_its_source_is_rewritten_when_the_signature_changes(
    cli, python, write_source, cache_dir
):
    source = write_source("stubbed.cxxpyx", "PYX_EXPORT int f(int x) { return x; }\n")
    assert cli("stubgen", str(source)).returncode == 0
    stub = source.with_suffix(".pyi")
    assert "def f(x: int) -> int:" in stub.read_text()
    source.write_text("PYX_EXPORT double f(double y, int n = 2) { return y * n; }\n")
    proc = python(STUB_IMPORT.format(src=str(source.parent)))
    assert proc.returncode == 0, proc.stderr
    assert "def f(y: float, n: int = ...) -> float:" in stub.read_text()
    # Back to the old text: a cache hit, and the stub follows it too.
    source.write_text("PYX_EXPORT int f(int x) { return x; }\n")
    assert python(STUB_IMPORT.format(src=str(source.parent))).returncode == 0
    assert python(STUB_IMPORT.format(src=str(source.parent))).returncode == 0
    assert "def f(x: int) -> int:" in stub.read_text()


def test_a_hand_written_stub_next_to_the_source_is_left_alone(python, write_source, cache_dir):
    source = write_source("stubbed.cxxpyx", "PYX_EXPORT int f(int x) { return x; }\n")
    stub = source.with_suffix(".pyi")
    stub.write_text("def f(x: int) -> int: ...  # mine\n")
    assert python(STUB_IMPORT.format(src=str(source.parent))).returncode == 0
    assert stub.read_text() == "def f(x: int) -> int: ...  # mine\n"
