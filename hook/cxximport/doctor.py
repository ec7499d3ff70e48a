"""``cxximport doctor``: checks the compiler (C++20), OpenMP, ninja, the NumPy
and Python headers, the cache directory and the project's configuration, and
says what to do about anything missing."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence

from . import _options
from ._cache_cli import _cache_dir
from ._finder import SUFFIX
from ._loader import _core


class _Doctor:
    def __init__(self) -> None:
        self.failed = 0

    def warn(self, what: str, detail: str, fix: str = "") -> None:
        """Works, but not as configured (not a failure)."""
        print(f"WARN  {what}: {detail}")
        if fix:
            print(f"      fix: {fix}")

    def report(self, ok: bool, what: str, detail: str, fix: str = "") -> None:
        print(f"{'OK  ' if ok else 'FAIL'}  {what}: {detail}")
        if not ok:
            self.failed += 1
            if fix:
                print(f"      fix: {fix}")


def _run(cmd: Sequence[str], stdin: str = "", cwd: str | None = None) -> tuple[int, str]:
    try:
        p = subprocess.run(
            list(cmd), input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120
        )
    except (OSError, subprocess.SubprocessError) as e:
        return 127, str(e)
    return p.returncode, (p.stdout + p.stderr).strip()


_CXX20_PROBE = """
#include <concepts>
#include <span>
template <class T> concept number = std::integral<T> || std::floating_point<T>;
template <number T> constexpr T twice(T x) { return x + x; }
static_assert(twice(21) == 42);
"""

_OPENMP_PROBE = """
#include <omp.h>
int main() {
    int n = 0;
    #pragma omp parallel for reduction(+ : n)
    for (int i = 0; i < 100; ++i) n += 1;
    return n == 100 && omp_get_max_threads() >= 1 ? 0 : 1;
}
"""


def _check_compiler(doc: _Doctor, cxx: list[str]) -> bool:
    if not cxx or shutil.which(cxx[0]) is None:
        doc.report(
            False,
            "C++ compiler",
            f"{' '.join(cxx) or '(none)'} not found",
            "apt-get install g++ (or set CXX to a C++20 compiler)",
        )
        return False
    try:  # as the build decides it (toolchain::driver_problem)
        problem = _core().driver_problem(cxx[0])
    except ImportError:
        problem = ""  # reported by the core extension check
    if problem:
        fix = problem.rsplit("; ", 1)[-1]
        doc.report(False, "C++ compiler", problem.rsplit("; ", 1)[0], fix)
        return False
    rc, out = _run([*cxx, "--version"])
    version = out.splitlines()[0] if out else "unknown version"
    rc, out = _run([*cxx, "-std=c++20", "-x", "c++", "-fsyntax-only", "-"], _CXX20_PROBE)
    doc.report(
        rc == 0,
        "C++ compiler",
        f"{' '.join(cxx)} ({version})"
        + (" compiles C++20" if rc == 0 else f" does not compile C++20:\n{out}"),
        "install g++ >= 10 or clang++ >= 12, or set CXX",
    )
    return rc == 0


def _check_openmp(doc: _Doctor, cxx: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="cxximport-doctor-") as tmp:
        exe = os.path.join(tmp, "omp")
        rc, out = _run([*cxx, "-fopenmp", "-x", "c++", "-", "-o", exe], _OPENMP_PROBE)
        if rc == 0:
            rc, out = _run([exe])
    doc.report(
        rc == 0,
        "OpenMP",
        "-fopenmp compiles, links and runs" if rc == 0 else out,
        "apt-get install libgomp1 (g++) or libomp-dev (clang++)",
    )


def _check_cpu(doc: _Doctor, cxx: list[str]) -> None:
    """What `arch = auto` compiles for here (docs/language.md, "CPU")."""
    try:
        level = _core().host_x86_level()
    except ImportError:
        return  # reported by the core extension check
    if level < 2:
        detail = "arch = auto uses the compiler's default (not an x86-64 CPU, or below x86-64-v2)"
        doc.report(True, "CPU", detail)
        return
    target = f"x86-64-v{min(level, 3)}"
    rc, _ = _run([*cxx, f"-march={target}", "-x", "c++", "-fsyntax-only", "-"], "")
    if rc == 0:
        doc.report(True, "CPU", f"x86-64-v{level}; arch = auto compiles with -march={target}")
    else:
        doc.report(
            True,
            "CPU",
            f"x86-64-v{level}, but {' '.join(cxx)} does not know -march={target}: "
            "arch = auto uses the compiler's default and vector loops run slower "
            "(GCC 11+ or Clang 12+ know the level names)",
        )


def _cmd_doctor(args: argparse.Namespace) -> int:
    doc = _Doctor()
    env = _options.environment_options()
    cxx = shlex.split(env.get("cxx", "c++"))
    launcher = env.get("launcher")
    if _check_compiler(doc, cxx):
        _check_openmp(doc, cxx)
        _check_cpu(doc, cxx)
    else:
        print("SKIP  OpenMP: needs a working C++ compiler")
    if launcher:
        found = shutil.which(shlex.split(launcher)[0]) is not None
        doc.report(
            found,
            "compiler launcher",
            launcher,
            f"install {launcher} or unset CXXIMPORT_COMPILER_LAUNCHER",
        )

    ninja = _options.find_ninja()
    if ninja:
        rc, out = _run([ninja, "--version"])
        doc.report(rc == 0, "ninja", f"{ninja} {out}", "pip install --force-reinstall ninja")
    else:
        doc.report(False, "ninja", "not found", "pip install ninja")

    try:
        import numpy

        header = os.path.join(numpy.get_include(), "numpy", "arrayobject.h")
        doc.report(
            os.path.isfile(header),
            "NumPy headers",
            f"{numpy.get_include()} (NumPy {numpy.__version__})",
            "pip install --force-reinstall numpy",
        )
    except ImportError:
        doc.report(False, "NumPy headers", "numpy is not installed", "pip install numpy")

    include = _options.python_include()
    doc.report(
        os.path.isfile(os.path.join(include, "Python.h")),
        "Python headers",
        include,
        f"apt-get install python{sys.version_info[0]}.{sys.version_info[1]}-dev",
    )

    _check_cache_dir(doc, _cache_dir(args))
    _check_project(doc, os.getcwd())
    from ._remote_cli import check_remote

    check_remote(doc.report)

    try:
        core = _core()
        doc.report(True, "core extension", os.path.basename(core.__file__))
    except ImportError as e:
        doc.report(
            False,
            "core extension",
            f"cxximport._core cannot be imported: {e}",
            "reinstall the package: pip install .",
        )

    print("all checks passed" if not doc.failed else f"{doc.failed} check(s) failed")
    return 1 if doc.failed else 0


def _check_project(doc: _Doctor, directory: str) -> None:
    """[tool.cxximport] of the pyproject.toml a source in ``directory`` would use."""
    probe = os.path.join(directory, "__doctor__" + SUFFIX)
    path = _options.find_pyproject(probe)
    if path is None:
        print("SKIP  project configuration: no pyproject.toml here or above")
        return
    try:
        options = _options.pyproject_options(probe)
    except _options.OptionError as e:
        doc.report(
            False,
            "project configuration",
            str(e),
            f"correct [tool.cxximport] in {path} (docs/configuration.md lists the keys)",
        )
        return
    keys = ", ".join(sorted(options)) or "no [tool.cxximport] settings"
    doc.report(True, "project configuration", f"{path} ({keys})")


def _check_cache_dir(doc: _Doctor, path: str) -> None:
    what = "cache directory"
    problems = _cache_dir_problems(path)
    if problems is None:
        doc.report(True, what, f"{path} (will be created 0700)")
        return
    if not problems:
        doc.report(True, what, f"{path} (private, writable)")
        return
    # As an import decides: a root it cannot store into means the private
    # fallback (docs/cache.md) and one warning, which is not a failure.
    fix = f"make {path} a writable directory of yours, mode 0700, or set CXXIMPORT_CACHE_DIR"
    try:
        root, why = _core().writable_cache_dir(path)
    except ImportError as e:  # CacheError: not even a private cache
        doc.report(False, what, f"{path}: " + ", ".join(problems) + f" ({e})", fix)
        return
    if why:
        doc.warn(what, f"{why}; imports use the private cache {root} instead", fix)
    else:
        doc.report(False, what, f"{path}: " + ", ".join(problems), fix)


def _cache_dir_problems(path: str) -> list[str] | None:
    """What is wrong with the cache root; None: it does not exist and can be created."""
    if not os.path.exists(path):
        parent = path
        while not os.path.exists(parent):
            parent = os.path.dirname(parent)
        return None if os.access(parent, os.W_OK | os.X_OK) else [f"{parent} is not writable"]
    st = os.stat(path)
    problems = []
    if not os.path.isdir(path):
        problems.append("not a directory")
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        problems.append("owned by another user")
    if st.st_mode & 0o022:
        problems.append(f"writable by group or others (mode {st.st_mode & 0o777:o})")
    if not os.access(path, os.W_OK | os.X_OK):
        problems.append("not writable")
    return problems
