"""Build options: validation, where each comes from and which wins
(docs/configuration.md). No compiler needed."""

from __future__ import annotations

import io
import logging
import os
import time

import pytest
from cxximport import _options
from cxximport._options import OptionError, check, resolve
from cxximport._progress import Progress


@pytest.fixture
def project(tmp_path):
    """A project directory with a pyproject.toml and a source in a subdirectory."""
    (tmp_path / "pkg").mkdir()
    source = tmp_path / "pkg" / "k.cxxpyx"
    source.write_text("")

    def write(toml: str):
        path = tmp_path / "pyproject.toml"
        path.write_text(toml)
        # Make the change visible to the (mtime, size)-keyed parse cache.
        st = os.stat(path)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        return path

    return source, write


def test_check_normalises_values_and_names_the_bad_option():
    out = check(
        {
            "jobs": "4",
            "verbose": "yes",
            "cxxflags": "-O3 -march=native",
            "optimize": 2,
            "include_dirs": "inc",
        },
        "test",
        base_dir="/base",
    )
    assert out == {
        "jobs": 4,
        "verbose": True,
        "cxxflags": ["-O3", "-march=native"],
        "optimize": "2",
        "include_dirs": ["/base/inc"],
    }
    with pytest.raises(OptionError, match=r"option 'jobs' \(test\) must be a positive integer"):
        check({"jobs": 0}, "test")
    with pytest.raises(OptionError, match="'openmp'"):
        check({"openmp": "maybe"}, "test")
    with pytest.raises(OptionError, match="'libraries'"):
        check({"libraries": [1, 2]}, "test")
    with pytest.raises(OptionError, match="unknown option 'cxxflag'"):
        check({"cxxflag": []}, "test")


def test_environment_variables_map_to_options():
    env = {
        "CXXIMPORT_CACHE_DIR": "/tmp/c",
        "CXXIMPORT_VERBOSE": "1",
        "CXXIMPORT_JOBS": "3",
        "CXX": "clang++",
        "CXXIMPORT_COMPILER_LAUNCHER": "ccache",
        "CXXIMPORT_BUILD_TYPE": "debug",
        "CXXIMPORT_NO_BUILD": "0",
    }
    assert _options.environment_options(env) == {
        "cache_dir": "/tmp/c",
        "verbose": True,
        "jobs": 3,
        "cxx": "clang++",
        "launcher": "ccache",
        "build_type": "debug",
        "no_build": False,
    }
    assert _options.environment_options({"CXX": ""}) == {}
    with pytest.raises(OptionError, match="CXXIMPORT_JOBS"):
        _options.environment_options({"CXXIMPORT_JOBS": "lots"})


def test_default_cache_dir_follows_xdg_then_home(monkeypatch, tmp_path):
    """The core's rule (Store::default_root), asked through _core: an absolute
    $XDG_CACHE_HOME, else ~/.cache; a leading ~ of CXXIMPORT_CACHE_DIR expanded."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("CXXIMPORT_CACHE_DIR", "/x/y")
    assert _options.default_cache_dir() == "/x/y"
    monkeypatch.setenv("CXXIMPORT_CACHE_DIR", "~/c")
    assert _options.default_cache_dir() == str(tmp_path / "c")
    monkeypatch.delenv("CXXIMPORT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert _options.default_cache_dir() == "/xdg/cxximport"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/xdg")  # invalid by the XDG spec: ignored
    assert _options.default_cache_dir() == str(tmp_path / ".cache" / "cxximport")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert _options.default_cache_dir() == str(tmp_path / ".cache" / "cxximport")


def test_resolve_has_the_required_interpreter_keys(tmp_path):
    source = tmp_path / "m.cxxpyx"
    source.write_text("")
    opts = resolve(str(source), environ={})
    for key in ("templates_dir", "python_include", "numpy_include", "ext_suffix", "cache_dir"):
        assert isinstance(opts[key], str) and opts[key]
    assert os.path.isdir(opts["templates_dir"])
    assert os.access(opts["ninja"], os.X_OK)
    assert callable(opts["progress"])


def test_precedence_install_over_environment_over_pyproject(project):
    source, write = project
    write(
        '[tool.cxximport]\nbuild_type = "debug"\nopenmp = true\ncxxflags = ["-DFROM_PYPROJECT"]\n'
        'include_dirs = ["include"]\n'
    )
    opts = resolve(str(source), environ={})
    assert opts["build_type"] == "debug" and opts["openmp"] is True
    assert opts["include_dirs"] == [str(source.parent.parent / "include")]

    opts = resolve(str(source), environ={"CXXIMPORT_BUILD_TYPE": "release"})
    assert opts["build_type"] == "release"

    given = check({"build_type": "debug", "cxxflags": ["-DFROM_INSTALL"]}, "install()")
    opts = resolve(str(source), given, environ={"CXXIMPORT_BUILD_TYPE": "release"})
    assert opts["build_type"] == "debug"
    # Lists accumulate: pyproject first, then install().
    assert opts["cxxflags"] == ["-DFROM_PYPROJECT", "-DFROM_INSTALL"]


def test_nearest_pyproject_bounds_the_project(project, tmp_path):
    source, write = project
    write("[tool.cxximport]\nopenmp = true\n")
    (source.parent / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    assert "openmp" not in resolve(str(source), environ={})


def test_pyproject_errors_name_the_file_and_key(project):
    source, write = project
    path = write('[tool.cxximport]\ncxx = "g++"\n')
    with pytest.raises(OptionError, match=f"{path}.*unknown key 'cxx'"):
        resolve(str(source), environ={})
    write('[tool.cxximport]\nopenmp = "sometimes"\n')
    with pytest.raises(OptionError, match="'openmp'"):
        resolve(str(source), environ={})
    write("[tool.cxximport\n")
    with pytest.raises(OptionError, match="invalid TOML"):
        resolve(str(source), environ={})


def test_pyproject_accepts_kebab_case_keys(project):
    source, write = project
    write('[tool.cxximport]\nlibrary-dirs = ["/opt/lib"]\n')
    assert resolve(str(source), environ={})["library_dirs"] == ["/opt/lib"]


class _FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_rewrites_one_line_and_clears_it():
    stream = _FakeTTY()
    progress = Progress("/src/compute.cxxpyx", stream=stream)
    progress("building", "0.1")  # too early: nothing shown
    assert stream.getvalue() == ""
    progress("building", "0.8")
    progress("building", "1.3")
    assert "\rcxximport: building compute.cxxpyx ... 0.8 s" in stream.getvalue()
    assert stream.getvalue().endswith("\rcxximport: building compute.cxxpyx ... 1.3 s")
    progress.finish({"built": True, "seconds": 1.4, "so_path": "/x.so"})
    last = stream.getvalue().rsplit("\r", 2)
    assert last[-1] == "" and last[-2].strip() == ""


def test_progress_off_a_terminal_is_one_line_per_build_and_logs_once(caplog):
    stream = io.StringIO()
    progress = Progress("/src/compute.cxxpyx", stream=stream)
    with caplog.at_level(logging.INFO, logger="cxximport"):
        progress("building", "0.7")
        progress("building", "0.9")
        progress("wait", "waiting for another process (pid 12) building compute")
        progress("wait", "waiting for another process (pid 12) building compute (2 s)")
        progress.finish({"built": True, "seconds": 1.0})
    # The first wait is a warning (a record the user sees wherever stderr
    # goes); later ones are lines like the building line.
    assert stream.getvalue() == (
        "cxximport: building /src/compute.cxxpyx\n"
        "cxximport: waiting for another process (pid 12) building compute (2 s)\n"
    )
    messages = [r.getMessage() for r in caplog.records]
    assert sum("building /src/compute.cxxpyx" in m for m in messages) == 1
    waits = [r for r in caplog.records if "pid 12" in r.getMessage()]
    assert waits[0].levelno == logging.WARNING
    assert any("built /src/compute.cxxpyx" in m for m in messages)


def test_progress_verbose_prints_commands_and_output():
    stream = io.StringIO()
    progress = Progress("/src/compute.cxxpyx", verbose=True, stream=stream)
    progress("command", "c++ -c module.cpp")
    progress("output", "warning: something\n")
    assert stream.getvalue() == "c++ -c module.cpp\nwarning: something\n"
    quiet = io.StringIO()
    Progress("/src/c.cxxpyx", stream=quiet)("command", "c++ -c module.cpp")
    assert quiet.getvalue() == ""


def test_progress_without_a_number_uses_its_own_clock():
    stream = _FakeTTY()
    progress = Progress("/src/c.cxxpyx", stream=stream)
    progress._started = time.monotonic() - 2
    progress("building", "")
    assert "... 2." in stream.getvalue()


@pytest.mark.parametrize(
    "text, may",
    [
        ('[project]\nname = "cxximport"\ndependencies = ["cxximport"]\n', False),
        ("[tool.ruff]\nline-length = 100\n", False),
        ("[tool.cxximport]\nopenmp = true\n", True),
        ('[ tool . "cxximport" ]\nopenmp = true\n', True),
        ("tool.cxximport.openmp = true\n", True),
        ("[tool]\ncxximport = { openmp = true }\n", True),
        ("[tool]\ncxximport.openmp = true\n", True),
        ("[tool.cxximport.extra]\n", True),
    ],
)
def test_pyproject_is_parsed_only_when_it_may_hold_the_table(text, may):
    # A file that mentions cxximport only as a dependency is not parsed
    # (tomllib costs milliseconds at every warm start); any spelling of the
    # table is.
    assert _options._may_have_table(text.encode()) is may


@pytest.mark.parametrize(
    "text",
    [
        '[project]\nname = "cxximport"\ndependencies = ["cxximport>=0.1"]\n',
        '[project.scripts]\ncxximport = "cxximport.cli:main"\n[tool.ruff]\nline-length = 100\n',
    ],
)
def test_a_dependency_on_cxximport_compiles_no_pattern(text):
    # The patterns cost a quarter of a millisecond to compile at each warm
    # start (issue 15): a file that only names the package never needs them.
    _options._table_patterns.cache_clear()
    assert _options._may_have_table(text.encode()) is False
    assert _options._table_patterns.cache_info().misses == 0


@pytest.mark.parametrize(
    "text",
    [
        "[tool.cxximport]\n",
        "[ 'tool' . 'cxximport' ]\n",
        'tool . "cxximport" . openmp = true\n',
        "[tool]\ncxximport = {}\n",
        "  [ tool ]  # comment\n  'cxximport'.openmp = true\n",
    ],
)
def test_the_quick_check_never_hides_a_spelling_of_the_table(text):
    assert _options._may_be_spelled(text.encode())
    assert _options._may_have_table(text.encode()) is True
