"""[tool.cxximport] in pyproject.toml, end to end with the real compiler:
project defaults reach the build, and install() arguments and environment
variables override them (docs/configuration.md). The merge rules themselves
are unit-tested in test_options.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import needs_core, run_cli
from cxximport import OptionError

pytestmark = needs_core

# is_debug() tells which build type compiled the module: release defines NDEBUG.
DEBUG_PROBE = """
PYX_EXPORT bool is_debug() {
#ifdef NDEBUG
    return false;
#else
    return true;
#endif
}
"""


def _pyproject(directory: Path, body: str) -> Path:
    path = directory / "pyproject.toml"
    path.write_text('[project]\nname = "demo"\n\n[tool.cxximport]\n' + body)
    # Make a rewrite visible to the (mtime, size)-keyed parse cache.
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    return path


def test_openmp_from_pyproject_alone_compiles_and_links_openmp(isolated_import, write_source):
    _pyproject(isolated_import.src, "openmp = true\n")
    write_source(
        "omp_only_in_pyproject.cxxpyx",
        """
        #include <omp.h>
        #ifndef _OPENMP
        #error "compiled without -fopenmp"
        #endif
        PYX_EXPORT int threads() { return omp_get_max_threads(); }
        """,
    )
    mod = isolated_import.import_module("omp_only_in_pyproject")
    assert mod.threads() >= 1


def test_include_dirs_in_pyproject_are_relative_to_that_pyproject(isolated_import, write_source):
    _pyproject(isolated_import.src, 'include_dirs = ["include"]\n')
    (isolated_import.src / "include").mkdir()
    (isolated_import.src / "include" / "project_answer.hpp").write_text(
        "#pragma once\ninline int project_answer() { return 42; }\n"
    )
    write_source(
        "pkg/uses_project_header.cxxpyx",
        """
        #include <project_answer.hpp>
        PYX_EXPORT int answer() { return project_answer(); }
        """,
        package=True,
    )
    mod = isolated_import.import_module("pkg.uses_project_header")
    assert mod.answer() == 42


def test_pyproject_build_type_applies(isolated_import, write_source):
    _pyproject(isolated_import.src, 'build_type = "debug"\n')
    write_source("debug_from_pyproject.cxxpyx", DEBUG_PROBE)
    assert isolated_import.import_module("debug_from_pyproject").is_debug() is True


def test_install_arguments_override_pyproject(isolated_import, write_source):
    _pyproject(isolated_import.src, 'build_type = "debug"\n')
    isolated_import.install(build_type="release")
    write_source("release_from_install.cxxpyx", DEBUG_PROBE)
    assert isolated_import.import_module("release_from_install").is_debug() is False


def test_environment_overrides_pyproject(isolated_import, write_source, monkeypatch):
    _pyproject(isolated_import.src, 'build_type = "debug"\n')
    monkeypatch.setenv("CXXIMPORT_BUILD_TYPE", "release")
    write_source("release_from_env.cxxpyx", DEBUG_PROBE)
    assert isolated_import.import_module("release_from_env").is_debug() is False


def test_install_arguments_override_environment(isolated_import, write_source, monkeypatch):
    monkeypatch.setenv("CXXIMPORT_BUILD_TYPE", "release")
    isolated_import.install(build_type="debug")
    write_source("debug_from_install.cxxpyx", DEBUG_PROBE)
    assert isolated_import.import_module("debug_from_install").is_debug() is True


def test_unknown_pyproject_key_is_an_error_naming_file_and_key(isolated_import, write_source):
    path = _pyproject(isolated_import.src, "opnemp = true\n")
    write_source("misconfigured.cxxpyx", "PYX_EXPORT int one() { return 1; }\n")
    with pytest.raises(OptionError) as info:
        isolated_import.import_module("misconfigured")
    message = str(info.value)
    assert str(path) in message
    assert "'opnemp'" in message


def test_pyproject_defaults_reach_ahead_of_time_flags(tmp_path, cache_dir):
    """`cxximport flags` (what cxximport_add_module compiles with) reads the
    same [tool.cxximport] as the import hook."""
    _pyproject(tmp_path, 'openmp = true\ninclude_dirs = ["include"]\ncxxflags = ["-DFROM_TOML"]\n')
    source = tmp_path / "pkg" / "k.cxxpyx"
    source.parent.mkdir()
    source.write_text("// cxximport: cxxflags = -DFROM_FILE\nPYX_EXPORT int one() { return 1; }\n")
    p = run_cli("flags", str(source))
    assert p.returncode == 0, p.stderr
    lines = dict(line.split(": ", 1) for line in p.stdout.strip().splitlines())
    assert lines["openmp"] == "yes"
    assert str(tmp_path / "include") in lines["include_dirs"]
    # Project flags first, the file's own directives last (they win).
    assert lines["cxxflags"].index("-DFROM_TOML") < lines["cxxflags"].index("-DFROM_FILE")
    assert str(tmp_path / "pyproject.toml") in lines["config_files"]


def test_pyproject_may_set_launcher_and_jobs_but_not_machine_settings(tmp_path):
    from cxximport import _options

    source = tmp_path / "k.cxxpyx"
    source.write_text("")
    _pyproject(tmp_path, 'launcher = "ccache"\njobs = 3\n')
    assert _options.pyproject_options(str(source)) == {"launcher": "ccache", "jobs": 3}
    _pyproject(tmp_path, 'cache_dir = "cache"\n')
    with pytest.raises(OptionError, match="unknown key 'cache_dir'"):
        _options.pyproject_options(str(source))
