"""The cache key, end to end: touching nothing is a hit (no compile), changing
any input of a build is a miss (a rebuild). Hits and misses are read from the
cache's own counters (``_core.cache_info``), as ccache's tests use
``expect_stat``."""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path

import pytest
from conftest import needs_core

pytestmark = needs_core

SIMPLE = """
PYX_EXPORT int value() { return 1; }
"""

WITH_HEADER = """
#include "util.h"
PYX_EXPORT int value() { return UTIL_VALUE; }
"""


class Builds:
    """Builds sources through the loader's own path (options resolved from the
    environment as for an import) and reads the cache's counters."""

    def __init__(self, cache_dir: Path, src: Path):
        self.cache_dir = cache_dir
        self.src = src

    def write(self, relpath: str, text: str) -> Path:
        path = self.src / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    def build(self, source: Path, name: str = "mod", **options) -> dict:
        from cxximport import _loader, _options

        return _loader.build(str(source), name, _options.check(options, "test"))

    def counters(self) -> dict:
        from cxximport import _core

        info = _core.cache_info(str(self.cache_dir))
        return {k: info[k] for k in ("hit", "miss", "build", "build_failed")}

    def expect(self, *, hit: int, miss: int, build: int) -> None:
        assert self.counters() == {"hit": hit, "miss": miss, "build": build, "build_failed": 0}


@pytest.fixture
def builds(cache_dir: Path, tmp_path: Path) -> Builds:
    src = tmp_path / "src"
    src.mkdir()
    return Builds(cache_dir, src)


def _rebuilds_after(builds: Builds, change, source: Path, name: str = "mod", **options) -> dict:
    """Builds, checks an unchanged second build is a hit, applies change() and
    returns the next build's result (after asserting the counters say miss)."""
    first = builds.build(source, name, **options)
    assert first["built"] is True
    again = builds.build(source, name, **options)
    assert again["built"] is False and again["so_path"] == first["so_path"]
    builds.expect(hit=1, miss=1, build=1)
    changed = change()
    new_options = changed if isinstance(changed, dict) else options
    after = builds.build(source, name, **new_options)
    return {"first": first, "after": after}


def test_unchanged_inputs_hit_in_a_new_process_without_compiling(
    isolated_import, write_source, python, cache_dir
):
    write_source("simple.cxxpyx", SIMPLE)
    mod = isolated_import.import_module("simple")
    assert mod.value() == 1 and mod.__spec__.loader_state["built"] is True
    proc = python(
        f"""
        import json, sys
        sys.path.insert(0, {str(isolated_import.src)!r})
        import cxximport
        cxximport.install()
        import simple
        print(json.dumps({{"built": simple.__spec__.loader_state["built"], "v": simple.value()}}))
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.result == {"built": False, "v": 1}
    from cxximport import _core

    info = _core.cache_info(str(cache_dir))
    assert (info["build"], info["miss"], info["hit"]) == (1, 1, 1)


def test_rebuilds_when_source_bytes_change_and_hits_again_when_restored(builds):
    source = builds.write("mod.cxxpyx", SIMPLE)
    r = _rebuilds_after(builds, lambda: source.write_text(SIMPLE + "// one more byte\n"), source)
    assert r["after"]["built"] is True and r["after"]["key"] != r["first"]["key"]
    builds.expect(hit=1, miss=2, build=2)
    source.write_text(SIMPLE.lstrip("\n"))
    assert builds.build(source)["built"] is False  # both versions stay cached
    builds.expect(hit=2, miss=2, build=2)


def test_rebuilds_when_an_included_local_header_changes(builds):
    source = builds.write("mod.cxxpyx", WITH_HEADER)
    header = builds.write("util.h", "#define UTIL_VALUE 1\n")
    r = _rebuilds_after(builds, lambda: header.write_text("#define UTIL_VALUE 2\n"), source)
    after = r["after"]
    # Same key (headers are not in the key), another variant (ccache's direct mode).
    assert after["built"] is True and after["key"] == r["first"]["key"]
    assert after["entry_dir"] != r["first"]["entry_dir"]
    builds.expect(hit=1, miss=2, build=2)
    header.write_text("#define UTIL_VALUE 1\n")  # back: the first variant is still valid
    back = builds.build(source)
    assert back["built"] is False and back["so_path"] == r["first"]["so_path"]


def test_rebuilds_when_an_included_header_is_deleted_and_recreated_elsewhere(builds, tmp_path):
    # The header moves from the source directory to an include_dirs directory:
    # the recorded path is gone, which is a miss.
    source = builds.write("mod.cxxpyx", WITH_HEADER)
    header = builds.write("util.h", "#define UTIL_VALUE 1\n")
    inc = tmp_path / "inc"
    inc.mkdir()

    def move():
        header.unlink()
        (inc / "util.h").write_text("#define UTIL_VALUE 1\n")
        return {"include_dirs": [str(inc)]}

    r = _rebuilds_after(builds, move, source, include_dirs=[str(inc)])
    assert r["after"]["built"] is True


def test_rebuilds_when_a_new_header_shadows_one_on_the_include_path(builds, tmp_path, python):
    source = builds.write("mod.cxxpyx", WITH_HEADER)
    inc = tmp_path / "inc"
    inc.mkdir()
    (inc / "util.h").write_text("#define UTIL_VALUE 1\n")
    first = builds.build(source, include_dirs=[str(inc)])
    assert first["built"] is True
    # The compiler would now read src/util.h instead of inc/util.h.
    builds.write("util.h", "#define UTIL_VALUE 2\n")
    after = builds.build(source, include_dirs=[str(inc)])
    value = python(
        f"""
        import importlib.machinery, importlib.util, json
        loader = importlib.machinery.ExtensionFileLoader("mod", {after["so_path"]!r})
        spec = importlib.util.spec_from_file_location("mod", {after["so_path"]!r}, loader=loader)
        m = importlib.util.module_from_spec(spec)
        loader.exec_module(m)
        print(json.dumps(m.value()))
        """
    )
    assert value.returncode == 0, value.stderr
    assert after["built"] is True, f"stale hit: the loaded module returns {value.result}, not 2"
    assert value.result == 2


def test_rebuilds_when_a_depends_file_changes(builds):
    source = builds.write("mod.cxxpyx", SIMPLE)
    data = builds.write("table.txt", "1 2 3\n")
    r = _rebuilds_after(builds, lambda: data.write_text("1 2 3 4\n"), source, depends=[str(data)])
    assert r["after"]["built"] is True and r["after"]["key"] != r["first"]["key"]
    builds.expect(hit=1, miss=2, build=2)


def test_rebuilds_when_an_extra_sources_file_changes(builds):
    source = builds.write(
        "mod.cxxpyx",
        """
        // cxximport: sources = extra.cpp
        int extra();
        PYX_EXPORT int value() { return extra(); }
        """,
    )
    extra = builds.write("extra.cpp", "int extra() { return 1; }\n")
    r = _rebuilds_after(builds, lambda: extra.write_text("int extra() { return 2; }\n"), source)
    assert r["after"]["built"] is True
    assert r["after"]["entry_dir"] != r["first"]["entry_dir"]
    builds.expect(hit=1, miss=2, build=2)


def test_rebuilds_when_a_directive_is_added(builds):
    source = builds.write("mod.cxxpyx", SIMPLE)
    r = _rebuilds_after(
        builds, lambda: source.write_text("// cxximport: optimize = 2\n" + SIMPLE), source
    )
    assert r["after"]["built"] is True and r["after"]["key"] != r["first"]["key"]
    builds.expect(hit=1, miss=2, build=2)


def test_rebuilds_when_an_install_option_changes(builds):
    source = builds.write("mod.cxxpyx", SIMPLE)
    r = _rebuilds_after(builds, lambda: {"cxxflags": ["-DEXTRA_FLAG=1"]}, source)
    assert r["after"]["built"] is True and r["after"]["key"] != r["first"]["key"]
    builds.expect(hit=1, miss=2, build=2)


def _wrapper(path: Path, version: str) -> Path:
    """A compiler: g++ behind a script whose --version says `version`."""
    path.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--version" ]; then echo "wrapped g++ {version}"; fi\n'
        'exec g++ "$@"\n'
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_rebuilds_when_cxx_names_another_compiler(builds, tmp_path, monkeypatch):
    source = builds.write("mod.cxxpyx", SIMPLE)
    monkeypatch.setenv("CXX", "g++")
    (tmp_path / "bin").mkdir()
    cxx = _wrapper(tmp_path / "bin" / "g++", "1.0")
    r = _rebuilds_after(builds, lambda: monkeypatch.setenv("CXX", str(cxx)), source)
    assert r["after"]["built"] is True and r["after"]["key"] != r["first"]["key"]
    builds.expect(hit=1, miss=2, build=2)


def test_rebuilds_when_the_compiler_is_upgraded_in_place(builds, tmp_path, monkeypatch):
    source = builds.write("mod.cxxpyx", SIMPLE)
    cxx = _wrapper(tmp_path / "c++", "1.0")
    monkeypatch.setenv("CXX", str(cxx))

    def upgrade():
        _wrapper(cxx, "2.0")  # same path, same size, new version output
        st = cxx.stat()
        os.utime(cxx, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))

    r = _rebuilds_after(builds, upgrade, source)
    assert r["after"]["built"] is True and r["after"]["key"] != r["first"]["key"]
    builds.expect(hit=1, miss=2, build=2)


def test_rebuilds_for_a_debug_build_type(builds, monkeypatch):
    source = builds.write("mod.cxxpyx", SIMPLE)
    r = _rebuilds_after(builds, lambda: monkeypatch.setenv("CXXIMPORT_BUILD_TYPE", "debug"), source)
    assert r["after"]["built"] is True and r["after"]["key"] != r["first"]["key"]
    builds.expect(hit=1, miss=2, build=2)


def test_the_same_file_under_another_module_name_is_another_entry(builds):
    source = builds.write("pkg/a.cxxpyx", SIMPLE)
    (builds.src / "pkg" / "__init__.py").touch()
    r = _rebuilds_after(builds, lambda: None, source, "pkg.a")
    assert r["first"]["built"] is True
    as_a = builds.build(source, "a")
    assert as_a["built"] is True and as_a["key"] != r["first"]["key"]
    builds.expect(hit=2, miss=2, build=2)
