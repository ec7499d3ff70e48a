"""`import name` of a .cxxpyx, end to end: real compiler, real ninja, real
processes, a private cache per test."""

from __future__ import annotations

import importlib
import os
import re
import sys

import cxximport
import pytest
from conftest import REPO, needs_core

pytestmark = needs_core

ADD = """
/// Add two integers.
PYX_EXPORT int add(int a, int b = 3) { return a + b; }
"""

ADD_V2 = """
/// Multiply two integers (version 2).
PYX_EXPORT int add(int a, int b = 3) { return a * b; }
"""

# The JSON line a subprocess prints about `import simple`.
IMPORT_AND_REPORT = """
import json, sys
sys.path.insert(0, {src!r})
import cxximport
cxximport.install()
import simple
state = simple.__spec__.loader_state
print(json.dumps({{"value": simple.add(2, 5), "built": state["built"],
                   "so": simple.__file__, "key": state["key"]}}))
"""


def _tree(root):
    return sorted(
        (os.path.relpath(os.path.join(d, f), root), os.path.getsize(os.path.join(d, f)))
        for d, _dirs, files in os.walk(root)
        for f in files
    )


def test_import_builds_and_calls_a_function(isolated_import, write_source):
    source = write_source("simple.cxxpyx", ADD)
    mod = isolated_import.import_module("simple")
    assert mod.add(2, 5) == 7
    assert mod.add(2) == 5
    assert mod.add(a=1, b=1) == 2
    assert mod.__cxxpyx__ == str(source)
    assert mod.__spec__.origin == str(source)
    assert mod.__file__ == mod.__spec__.loader_state["so_path"]
    assert mod.__file__.endswith(importlib.machinery.EXTENSION_SUFFIXES[0])
    assert mod.__spec__.loader_state["built"] is True
    assert "Add two integers" in (mod.add.__doc__ or "")


def test_second_process_loads_from_cache_without_compiling(cache_dir, write_source, python):
    source = write_source("simple.cxxpyx", ADD)
    code = IMPORT_AND_REPORT.format(src=str(source.parent))
    first = python(code)
    assert first.returncode == 0, first.stderr
    assert first.result["value"] == 7 and first.result["built"] is True
    so_mtime = os.stat(first.result["so"]).st_mtime_ns

    second = python(code)
    assert second.returncode == 0, second.stderr
    assert second.result["built"] is False
    assert second.result["so"] == first.result["so"]
    assert os.stat(second.result["so"]).st_mtime_ns == so_mtime
    assert str(cache_dir) in second.result["so"]


def test_editing_the_source_rebuilds_in_a_new_process(cache_dir, write_source, python):
    source = write_source("simple.cxxpyx", ADD)
    code = IMPORT_AND_REPORT.format(src=str(source.parent))
    first = python(code)
    assert first.returncode == 0, first.stderr
    write_source("simple.cxxpyx", ADD_V2)
    second = python(code)
    assert second.returncode == 0, second.stderr
    assert second.result["built"] is True
    assert second.result["value"] == 10
    assert second.result["key"] != first.result["key"]
    assert second.result["so"] != first.result["so"]


def test_reload_after_edit_loads_new_code_into_the_same_module(isolated_import, write_source):
    write_source("simple.cxxpyx", ADD)
    mod = isolated_import.import_module("simple")
    old_add = mod.add
    assert mod.add(2, 5) == 7

    write_source("simple.cxxpyx", ADD_V2)
    reloaded = importlib.reload(mod)
    assert reloaded is mod
    assert sys.modules["simple"] is mod
    assert mod.add(2, 5) == 10
    assert "version 2" in mod.add.__doc__
    assert old_add(2, 5) == 7  # the old version stays loaded for old references
    assert mod.__file__ == mod.__spec__.loader_state["so_path"]
    assert mod.__spec__.loader_state["built"] is True


def test_reload_without_changes_keeps_working(isolated_import, write_source):
    write_source("simple.cxxpyx", ADD)
    mod = isolated_import.import_module("simple")
    reloaded = importlib.reload(mod)
    assert reloaded is mod and mod.add(1, 2) == 3
    assert mod.__spec__.loader_state["built"] is False


def test_package_submodule_import(isolated_import, write_source):
    write_source("pkg/kernels.cxxpyx", ADD, package=True)
    from pkg import kernels  # noqa: I001 - imported from the test's source dir

    assert kernels.__name__ == "pkg.kernels"
    assert kernels.add(4, 4) == 8
    assert sys.modules["pkg.kernels"] is kernels


def test_syntax_error_raises_compile_error_located_in_the_cxxpyx(isolated_import, write_source):
    source = write_source(
        "broken.cxxpyx",
        """
        // a comment
        PYX_EXPORT int add(int a, int b) {
            return a + b   // missing semicolon
        }
        """,
    )
    with pytest.raises(cxximport.CompileError) as info:
        isolated_import.import_module("broken")
    err = info.value
    assert isinstance(err, ImportError)
    assert "broken.cxxpyx:3" in str(err) or "broken.cxxpyx:4" in str(err)
    assert "error" in str(err)
    assert "broken.cxxpyx" in err.log
    assert err.command
    assert err.log_path and os.path.isfile(err.log_path)
    assert err.source == str(source)
    assert err.lineno in (3, 4)
    # The traceback ends at the offending line of the user's file.
    last = info.traceback[-1]
    assert str(last.path) == str(source)
    assert "broken" not in sys.modules


def test_malformed_export_raises_compile_error_with_location(isolated_import, write_source):
    write_source("badexport.cxxpyx", "PYX_EXPORT int\n")
    with pytest.raises(cxximport.CompileError) as info:
        isolated_import.import_module("badexport")
    assert "badexport.cxxpyx:1" in str(info.value)


def test_nothing_is_written_into_the_source_directory(isolated_import, write_source, tmp_path):
    write_source("pkg/kernels.cxxpyx", ADD, package=True)
    write_source("simple.cxxpyx", ADD)
    src = tmp_path / "src"
    before = _tree(src)
    isolated_import.import_module("simple")
    isolated_import.import_module("pkg.kernels")
    assert _tree(src) == before


def test_no_build_without_cache_entry_raises_import_error(isolated_import, write_source):
    write_source("simple.cxxpyx", ADD)
    isolated_import.install(no_build=True)
    with pytest.raises(cxximport.NotCachedError, match="not in the cache"):
        isolated_import.import_module("simple")


def test_build_then_no_build_import_loads_the_cached_module(isolated_import, write_source):
    source = write_source("simple.cxxpyx", ADD)
    so_path = cxximport.build(source)
    assert os.path.isfile(so_path)
    isolated_import.install(no_build=True)
    mod = isolated_import.import_module("simple")
    assert mod.__file__ == so_path and mod.add(1, 1) == 2


def test_load_imports_a_file_by_path(cache_dir, write_source):
    source = write_source("by_path.cxxpyx", ADD)
    try:
        mod = cxximport.load(source)
        assert mod.add(3, 3) == 6
        assert sys.modules["by_path"] is mod
    finally:
        sys.modules.pop("by_path", None)


def test_readme_example_runs_as_written(cache_dir, tmp_path, python):
    readme = (REPO / "README.md").read_text()
    cpp = re.search(r"```cpp\n(.*?)```", readme, re.S).group(1)
    py = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    (tmp_path / "compute.cxxpyx").write_text(cpp)
    proc = python(
        py + "\nimport json; print(json.dumps(compute.scale(np.arange(4.0)).tolist()))",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.result == [4.0, 4.0, 4.0, 6.0]
