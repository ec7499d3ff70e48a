"""`arch`: what CPU a module is compiled for. By default (`auto`) the host's
x86-64 psABI level, capped at v3, which the compile command and so the key
carry; `native` is -march=native with the CPU itself in the key; `portable`
is the compiler's default; anything else is an -march value. A module
compiled for instructions the running CPU lacks refuses to import with an
ImportError instead of dying of SIGILL."""

from __future__ import annotations

import platform
from pathlib import Path

import cxximport
import numpy as np
import pytest
from conftest import needs_core
from cxximport import CompileError, OptionError, _core

pytestmark = needs_core

KERNEL = """\
{directive}
PYX_EXPORT double dot(pyx::cview<const double, 1> a, pyx::cview<const double, 1> b) {{
    double s = 0;
    for (Py_ssize_t i = 0; i < a.shape(0); ++i) s += a(i) * b(i);
    return s;
}}
"""


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def _expected_auto_level() -> str | None:
    """The psABI level the lists in the x86-64 psABI give for this CPU, capped at v3."""
    if platform.machine() != "x86_64":
        return None
    have = _cpu_flags()
    v2 = {"cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3"}
    v3 = {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"}
    if not v2 <= have:
        return None
    return "x86-64-v3" if v3 <= have else "x86-64-v2"


def _march(so_path: str) -> list[str]:
    text = (Path(so_path).parent / "build.ninja").read_text()
    return [w for w in text.split() if w.startswith("-march=")]


def _key_dir(so_path: str) -> Path:
    return Path(so_path).parent.parent


def test_auto_is_the_default_and_compiles_for_the_hosts_level(tmp_path, cache_dir):
    src = tmp_path / "dota.cxxpyx"
    src.write_text(KERNEL.format(directive=""))
    level = _expected_auto_level()
    default = cxximport.build(src)
    assert _march(default) == ([f"-march={level}"] if level else [])
    explicit = cxximport.build(src, arch="auto")
    assert explicit == default  # the same key: auto is what unset means
    portable = cxximport.build(src, arch="portable")
    assert _march(portable) == []
    if level:
        assert _key_dir(portable) != _key_dir(default)  # another compile command, another key


def test_a_compiler_without_the_level_names_gets_no_march(tmp_path, cache_dir, monkeypatch):
    # As GCC < 11 answers -march=x86-64-v2.
    old = tmp_path / "old-g++"
    old.write_text(
        '#!/bin/sh\ncase " $* " in *" -march=x86-64-"*) echo "bad value" >&2; exit 1 ;; esac\n'
        'exec g++ "$@"\n'
    )
    old.chmod(0o755)
    monkeypatch.setenv("CXX", str(old))
    src = tmp_path / "dotold.cxxpyx"
    src.write_text(KERNEL.format(directive=""))
    so_path = cxximport.build(src)
    assert _march(so_path) == []
    assert cxximport.load(src).dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])) == 11.0


def test_native_directive_adds_march_native_and_a_files_arch_wins(tmp_path, cache_dir):
    src = tmp_path / "dotk.cxxpyx"
    src.write_text(KERNEL.format(directive="// cxximport: arch = native"))
    tuned = cxximport.build(src)
    assert _march(tuned) == ["-march=native"]
    # A file's arch wins over the options', as its std and optimize do.
    assert cxximport.build(src, arch="portable") == tuned
    src.write_text(KERNEL.format(directive="// cxximport: arch = portable"))
    assert _march(cxximport.build(src)) == []


def test_a_level_may_come_from_the_environment_or_pyproject(tmp_path, cache_dir, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.cxximport]\narch = "x86-64-v2"\n')
    src = tmp_path / "dotp.cxxpyx"
    src.write_text(KERNEL.format(directive=""))
    assert _march(cxximport.build(src)) == ["-march=x86-64-v2"]
    monkeypatch.setenv("CXXIMPORT_ARCH", "portable")  # the environment beats pyproject
    assert _march(cxximport.build(src)) == []


def test_native_module_is_found_again_by_a_cache_only_process(tmp_path, cache_dir, python):
    src = tmp_path / "dotk2.cxxpyx"
    src.write_text(KERNEL.format(directive=""))
    so_path = cxximport.build(src, arch="native")
    assert _march(so_path) == ["-march=native"]
    out = python(
        f"""
import sys, numpy as np, cxximport
sys.path.insert(0, {str(tmp_path)!r})
cxximport.install(arch="native")
import dotk2
print(dotk2.dot(np.arange(4.0), np.ones(4)))
""",
        env={"CXXIMPORT_NO_BUILD": "1"},
    )
    assert out.stdout.strip().endswith("6.0"), out
    assert _core.cache_info(str(cache_dir))["build"] == 1  # the subprocess hit the same entry


@pytest.mark.parametrize("bad", ["native -ffast-math", "-mavx2", "", "x" * 65, "v3;rm"])
def test_a_bad_arch_option_names_the_option(tmp_path, cache_dir, bad):
    src = tmp_path / "dotb.cxxpyx"
    src.write_text(KERNEL.format(directive=""))
    with pytest.raises(OptionError, match=r"option 'arch' \(build\(\)\) must be"):
        cxximport.build(src, arch=bad)
    assert not cache_dir.exists() or not any(cache_dir.rglob("*.so"))


def test_a_bad_arch_directive_names_the_file_and_line(tmp_path, cache_dir):
    src = tmp_path / "dotd.cxxpyx"
    src.write_text(KERNEL.format(directive="// A kernel.\n// cxximport: arch = -march=native"))
    with pytest.raises(CompileError) as info:
        cxximport.build(src)
    assert f"{src}:2:15: 'arch' expects auto, native, portable" in str(info.value)


# Extensions GCC can target that some x86-64 CPUs lack: AMD's SSE4a, FMA4 and
# XOP, Intel's AVX-512 ER (Xeon Phi only). Every CPU lacks at least one.
_RARE = [("sse4a", "-msse4a"), ("fma4", "-mfma4"), ("xop", "-mxop"), ("avx512er", "-mavx512er")]


@pytest.mark.skipif(platform.machine() != "x86_64", reason="x86-64 instruction sets")
def test_a_module_built_for_missing_instructions_refuses_to_import(tmp_path, cache_dir, python):
    missing = next(((name, flag) for name, flag in _RARE if name not in _cpu_flags()), None)
    if missing is None:
        pytest.skip("this CPU has every extension of the list")
    name, flag = missing
    (tmp_path / "foreign.cxxpyx").write_text(
        f"// cxximport: cxxflags = {flag}\nPYX_EXPORT int one() {{ return 1; }}\n"
    )
    out = python(
        f"""
import sys, cxximport
sys.path.insert(0, {str(tmp_path)!r})
cxximport.install()
try:
    import foreign
except ImportError as e:
    print("ImportError:", e)
else:
    print("imported")
""",
    )
    assert out.returncode == 0, out.stderr  # no SIGILL, no crash
    assert f"foreign was compiled for CPUs with {name}, which this CPU lacks" in out.stdout, out


def test_cache_only_workers_must_share_the_prebuilds_arch(tmp_path, cache_dir, python):
    """docs/cluster.md: a prebuild for x86-64-v2 serves workers that ask for
    x86-64-v2; a worker left at auto on a v3 machine has another key."""
    if _expected_auto_level() != "x86-64-v3":
        pytest.skip("needs a CPU where auto is x86-64-v3")
    (tmp_path / "dotw.cxxpyx").write_text(KERNEL.format(directive=""))
    cxximport.build(tmp_path / "dotw.cxxpyx", arch="x86-64-v2")
    worker = f"""
import sys, numpy as np, cxximport
sys.path.insert(0, {str(tmp_path)!r})
cxximport.install()
try:
    import dotw
except cxximport.NotCachedError as e:
    print("NotCachedError:", e)
else:
    print(dotw.dot(np.ones(3), np.ones(3)))
"""
    auto = python(worker, env={"CXXIMPORT_NO_BUILD": "1"})
    assert "NotCachedError" in auto.stdout and "`arch`" in auto.stdout, auto
    shared = python(worker, env={"CXXIMPORT_NO_BUILD": "1", "CXXIMPORT_ARCH": "x86-64-v2"})
    assert shared.stdout.strip() == "3.0", shared
