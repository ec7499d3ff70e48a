"""Ahead of time: examples/aot_package, a scikit-build-core project using
cxximport_add_module(), is built into a wheel, installed into a fresh virtual
environment that cannot import cxximport, and imported there.

The wheel is built with the command docs/aot.md gives (pip's build isolation
included), with a wheel of the cxximport under test on --find-links, since
cxximport is not on the package index.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, needs_core

EXAMPLE = REPO / "examples" / "aot_package"

pytestmark = [
    needs_core,
    pytest.mark.skipif(
        importlib.util.find_spec("scikit_build_core") is None or shutil.which("cmake") is None,
        reason="scikit-build-core and cmake are needed to build the example wheel",
    ),
]


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)
    assert p.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{p.stdout}\n{p.stderr}"
    return p


def _cxximport_wheel(directory: Path) -> Path:
    """A wheel of the cxximport under test, for --find-links: cxximport is not
    on the package index, so an isolated build finds it there (docs/aot.md)."""
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
         "--no-cache-dir", str(REPO), "-w", str(directory)]
    )  # fmt: skip
    (found,) = directory.glob("cxximport-*.whl")
    return found


def _aot_wheel(project_parent: Path, wheels: Path) -> Path:
    """The documented command, build isolation included: pip makes a fresh
    build environment with scikit-build-core, numpy, ninja and cxximport."""
    project = project_parent / "aot_package"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    out = project_parent / "dist"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXXIMPORT_")}
    env["SOURCE_DATE_EPOCH"] = "1700000000"
    _run(
        [sys.executable, "-m", "pip", "wheel", str(project), "-w", str(out),
         "--find-links", str(wheels), "--no-cache-dir"],
        env=env,
    )  # fmt: skip
    (found,) = out.glob("aotdemo-*.whl")
    return found


def _shared(tmp_path_factory: pytest.TempPathFactory, name: str, make) -> Path:
    """Builds once per test run, not once per xdist worker: the workers share
    pytest's base temporary directory, and the first to take the lock builds."""
    root = tmp_path_factory.getbasetemp().parent / f"shared-{name}"
    root.mkdir(exist_ok=True)
    with open(root / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "done"
        if not done.exists():
            result = make(root)
            done.write_text(str(result))
        return Path(done.read_text())


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _shared(tmp_path_factory, "wheels", lambda d: _cxximport_wheel(d).parent)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, wheels: Path) -> Path:
    # A copy, so the build never writes into the repository.
    return _shared(tmp_path_factory, "aot", lambda d: _aot_wheel(d, wheels))


def test_wheel_built_twice_in_other_directories_is_identical(
    wheel: Path, wheels: Path, tmp_path: Path
):
    """Reproducible wheels: no absolute build path reaches the module, its
    stub or its docstrings (-ffile-prefix-map); with SOURCE_DATE_EPOCH set,
    the two wheels' members are byte-identical."""
    again = _aot_wheel(tmp_path / "elsewhere" / "deeper", wheels)
    first, second = zipfile.ZipFile(wheel), zipfile.ZipFile(again)
    assert first.namelist() == second.namelist()
    for name in first.namelist():
        assert first.read(name) == second.read(name), f"{name} differs between builds"
    for name in first.namelist():
        data = first.read(name)
        assert str(wheel.parent.parent).encode() not in data, f"{name} holds the build path"


def test_wheel_holds_the_compiled_module_and_its_stub_but_not_the_source(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("aotdemo/kernels.") and n.endswith(".so") for n in names), names
    assert "aotdemo/kernels.pyi" in names
    assert "aotdemo/py.typed" in names
    assert "aotdemo/__init__.py" in names
    assert not any(n.endswith(".cxxpyx") for n in names), names


def test_wheel_installs_into_a_fresh_venv_and_runs_without_cxximport(wheel: Path, tmp_path: Path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # Install with this interpreter's pip into the venv; no index is contacted.
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--target",
            str(site),
            str(wheel),
        ]  # fmt: skip
    )
    # NumPy is the wheel's only run-time dependency; lend the venv this
    # environment's copy (numpy alone: cxximport must stay invisible).
    import numpy

    numpy_dir = Path(numpy.__file__).parent
    lent = tmp_path / "lent"
    lent.mkdir()
    for name in (numpy_dir.name, numpy_dir.name + ".libs"):
        if (numpy_dir.parent / name).exists():
            os.symlink(numpy_dir.parent / name, lent / name)

    script = textwrap.dedent(
        """
        import importlib.util, sys
        import numpy as np
        assert importlib.util.find_spec("cxximport") is None, "cxximport is visible"
        import aotdemo
        from aotdemo import kernels
        assert kernels.__file__.endswith(".so"), kernels.__file__
        a = np.arange(12, dtype=np.int64).reshape(3, 4)
        b = np.ones((3, 4), dtype=np.int64)
        expected = np.clip(a, 2, 10) * 4 + b * 3 + 9
        assert (kernels.compute(a, b, 4, 3, 9) == expected).all()
        x = a.astype(np.float64)
        y = kernels.compute(x, x, 1.5, 2.0, 0.5)
        assert np.allclose(y, np.clip(x, 2, 10) * 1.5 + x * 2 + 0.5)
        assert aotdemo.norm2(np.array([3.0, 4.0])) == 5.0
        assert kernels.max_threads() >= 1
        try:
            kernels.compute(a, x, 1, 2, 3)
        except TypeError as e:
            assert "compute" in str(e)
        else:
            raise AssertionError("mixed dtypes were accepted")
        assert "cxximport" not in sys.modules
        print("ok")
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CXXIMPORT_"))}
    env["PYTHONPATH"] = str(lent)
    p = _run([str(python), "-s", "-c", script], env=env, cwd=tmp_path)
    assert p.stdout.strip() == "ok"


def test_aot_flags_are_the_ones_the_import_hook_compiles_with(tmp_path, cache_dir):
    """`cxximport flags` mirrors src/toolchain/toolchain.cpp's module_flags: every
    flag it gives cxximport_add_module() is on the hook's compile command, in order."""

    import cxximport

    (tmp_path / "pyproject.toml").write_text(
        '[tool.cxximport]\ncxxflags = ["-DFROM_TOML=1"]\ninclude_dirs = ["inc"]\n'
    )
    (tmp_path / "inc").mkdir()
    source = tmp_path / "flagged.cxxpyx"
    source.write_text(
        "// cxximport: openmp\n// cxximport: boundscheck\n// cxximport: optimize = 2\n"
        "// cxximport: cxxflags = -DFROM_FILE=1\n"
        "PYX_EXPORT int one() { return 1; }\n"
    )
    entry = Path(cxximport.build(str(source))).parent
    ninja_vars = dict(
        line.split(" = ", 1)
        for line in (entry / "build.ninja").read_text().splitlines()
        if " = " in line and not line.startswith(" ")
    )
    hook_args = ninja_vars["cxxflags"].split()

    p = subprocess.run(
        [sys.executable, "-m", "cxximport", "flags", str(source)],
        capture_output=True,
        text=True,
        check=True,
    )
    aot = dict(line.split(": ", 1) for line in p.stdout.strip().splitlines())
    # The hook's flags minus what CMake adds itself (-fPIC, visibility, OpenMP,
    # Python/NumPy/runtime include directories) and the build machine's -march
    # (arch: a wheel must run on any CPU of its platform), in the same order.
    aot_args = [
        a
        for flag in aot["cxxflags"].split()
        for a in (["-iquote", flag[len("-iquote") :]] if flag.startswith("-iquote") else [flag])
    ]
    user_includes = ["-I" + d for d in aot["include_dirs"].split()]
    cmake_provided = {"-fPIC", "-fvisibility=hidden", "-fopenmp"}
    # The hook knows its compiler is GCC; CMake's may be Clang (docs/aot.md).
    gcc_only = {"-fcx-fortran-rules", "-include"}
    expected = [
        a
        for i, a in enumerate(hook_args)
        if a not in cmake_provided
        and a not in gcc_only
        and not (i > 0 and hook_args[i - 1] == "-include")
        and not a.startswith("-march=")
        and not (a.startswith("-I") and a not in user_includes)
        and a != "-isystem"
        and not (i > 0 and hook_args[i - 1] == "-isystem")
    ]
    assert [a for a in expected if a not in user_includes] == aot_args
    assert [a for a in expected if a in user_includes] == user_includes
    assert aot["openmp"] == "yes" and "-fopenmp" in hook_args


def test_cmake_script_keeps_every_flag_literally(tmp_path):
    """Flags with quotes, dollars, backslashes, spaces and semicolons survive
    `cxximport flags --cmake` as one list element each."""
    from cxximport._aot import to_cmake

    flags = ['-DA="x y"', "-DB=$HOME", "-DC=a\\b", "-DD=1;2", "-Wl,-rpath,$ORIGIN"]
    script = tmp_path / "check.cmake"
    script.write_text(
        to_cmake({"cxxflags": flags, "openmp": True})
        + 'foreach(f IN LISTS CXXIMPORT_CXXFLAGS)\n  message(STATUS "<${f}>")\nendforeach()\n'
        + 'message(STATUS "openmp=${CXXIMPORT_OPENMP}")\n'
    )
    p = _run(["cmake", "-P", str(script)])
    out = [line.removeprefix("-- ") for line in p.stdout.splitlines()]
    assert out == [*(f"<{f}>" for f in flags), "openmp=ON"]


@pytest.mark.skipif(shutil.which("auditwheel") is None, reason="auditwheel is not installed")
def test_cxximport_wheel_repairs_to_a_manylinux_tag(wheels: Path, tmp_path: Path):
    """The README's release steps: auditwheel finds nothing to graft (the C++
    core links only the C/C++ runtime) and retags the wheel as manylinux."""
    (built,) = wheels.glob("cxximport-*.whl")
    shown = _run(["auditwheel", "show", str(built)]).stdout
    assert "manylinux_" in shown, shown
    _run(["auditwheel", "repair", str(built), "-w", str(tmp_path)])
    (repaired,) = tmp_path.glob("cxximport-*manylinux*.whl")
    names = zipfile.ZipFile(repaired).namelist()
    assert not any(n.startswith("cxximport.libs/") for n in names), names
