"""Why a module is not cached, as a user sees it: in NotCachedError under
CXXIMPORT_NO_BUILD=1 (message and `.miss`), in CXXIMPORT_VERBOSE=1 output and
in `cxximport cache info MODULE` (issue 16, point 2). A NumPy upgrade is
simulated the way the core sees one: a different numpy.__version__."""

from __future__ import annotations

import json
from pathlib import Path

import numpy
import pytest
from conftest import needs_core

pytestmark = needs_core

SOURCE = '#include "helper.hpp"\nPYX_EXPORT int value() { return HELPER; }\n'

# Imports `mod` with building disabled, numpy's version set to NUMPY (None:
# as installed), and prints what the NotCachedError said.
NO_BUILD_IMPORT = """
import json, sys
import numpy
if {numpy!r} is not None:
    numpy.__version__ = {numpy!r}
sys.path.insert(0, {src!r})
import cxximport
cxximport.install()
try:
    import mod
    print(json.dumps({{"hit": True}}))
except cxximport.NotCachedError as e:
    print(json.dumps({{"hit": False, "message": str(e), "miss": e.miss}}))
"""

CACHE_INFO = """
import sys
import numpy
if {numpy!r} is not None:
    numpy.__version__ = {numpy!r}
from cxximport.cli import main
sys.exit(main(["cache", "info", {target!r}]))
"""


@pytest.fixture
def built(tmp_path, cache_dir) -> Path:
    from cxximport import _loader

    src = tmp_path / "src"
    src.mkdir()
    (src / "helper.hpp").write_text("#define HELPER 1\n")
    (src / "mod.cxxpyx").write_text(SOURCE)
    assert _loader.build(str(src / "mod.cxxpyx"), "mod", {})["built"] is True
    return src


def _no_build(python, src: Path, numpy_version: str | None = None, verbose: bool = False):
    env = {"CXXIMPORT_NO_BUILD": "1"}
    if verbose:
        env["CXXIMPORT_VERBOSE"] = "1"
    proc = python(NO_BUILD_IMPORT.format(src=str(src), numpy=numpy_version), env=env)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_a_numpy_upgrade_is_named_in_the_not_cached_error(built, python):
    proc = _no_build(python, built, "99.1.0", verbose=True)
    result = proc.result
    assert result["hit"] is False
    change = f"numpy {numpy.__version__} \u2192 99.1.0"
    assert change in result["message"]
    assert result["miss"]["kind"] == "key_changed"
    assert ["numpy", numpy.__version__, "99.1.0"] in result["miss"]["changes"]
    # Only what changed: the compiler, flags and source are the same.
    assert [c[0] for c in result["miss"]["changes"]] == ["numpy"]
    assert f"cache miss for mod: not cached: {change}" in proc.stderr


def test_the_same_inputs_hit_and_a_never_built_module_is_absent(built, tmp_path, python):
    assert _no_build(python, built).result["hit"] is True
    other = tmp_path / "other"
    other.mkdir()
    (other / "helper.hpp").write_text("#define HELPER 2\n")
    (other / "mod.cxxpyx").write_text(SOURCE)
    result = _no_build(python, other).result
    assert result["hit"] is False and result["miss"]["kind"] == "absent"
    assert "is not in the cache and building is disabled" in result["message"]


def test_a_changed_header_is_named(built, python):
    header = built / "helper.hpp"
    header.write_text("#define HELPER 7\n")
    result = _no_build(python, built).result
    assert result["miss"]["kind"] == "stale_header"
    assert result["miss"]["path"] == str(header)
    assert str(header) in result["message"]


def test_an_edited_source_is_named(built, python):
    (built / "mod.cxxpyx").write_text(SOURCE + "PYX_EXPORT int other() { return 2; }\n")
    result = _no_build(python, built).result
    assert result["miss"]["kind"] == "key_changed"
    assert [c[0] for c in result["miss"]["changes"]] == ["source"]
    assert "source changed" in result["message"]


def test_a_shadowing_header_is_named(tmp_path, cache_dir, python):
    from cxximport import _loader

    src, inc = tmp_path / "src", tmp_path / "inc"
    src.mkdir()
    inc.mkdir()
    (inc / "helper.hpp").write_text("#define HELPER 1\n")
    (src / "mod.cxxpyx").write_text(
        f"// cxximport: include_dirs = {inc}\n"
        '#include "helper.hpp"\nPYX_EXPORT int value() { return HELPER; }\n'
    )
    assert _loader.build(str(src / "mod.cxxpyx"), "mod", {})["built"] is True
    (src / "helper.hpp").write_text("#define HELPER 2\n")
    result = _no_build(python, src).result
    assert result["miss"]["kind"] == "shadowed_include"
    assert result["miss"]["path"] == str(src / "helper.hpp")


def _rows(stdout: str) -> dict[str, str]:
    return {line.split(None, 1)[0]: line.split(None, 1)[1] for line in stdout.splitlines()}


def test_cache_info_of_a_module_says_hit_or_why_not(built, python):
    source = str(built / "mod.cxxpyx")
    proc = python(CACHE_INFO.format(numpy=None, target=source))
    assert proc.returncode == 0, proc.stderr
    lines = _rows(proc.stdout)
    assert lines["status"] == "cached"
    assert lines["entries"] == "1 for this source"

    upgraded = python(CACHE_INFO.format(numpy="99.1.0", target=source))
    assert upgraded.returncode == 0, upgraded.stderr
    lines = _rows(upgraded.stdout)
    assert lines["reason"] == "key_changed"
    assert f"numpy {numpy.__version__} \u2192 99.1.0" in lines["status"]
    assert lines["numpy"] == f"{numpy.__version__} \u2192 99.1.0"

    (built / "helper.hpp").write_text("#define HELPER 5\n")
    stale = python(CACHE_INFO.format(numpy=None, target=source))
    lines = _rows(stale.stdout)
    assert lines["reason"] == "stale_header"
    assert lines["concerns"] == str(built / "helper.hpp")


def test_the_source_memo_is_one_small_private_file(built, cache_dir):
    memos = list((cache_dir / "v1" / "sources").iterdir())
    assert len(memos) == 1
    assert memos[0].stat().st_mode & 0o777 == 0o600
    text = memos[0].read_text()
    assert text.startswith(f"source {built / 'mod.cxxpyx'}\ncxximport-source 1\n")
    assert f"numpy {numpy.__version__}\n" in text
    assert len(text) < 4096


def test_build_many_reports_the_miss(built, python):
    code = f"""
import json, numpy
numpy.__version__ = "99.1.0"
from cxximport import _core, _options
src = {str(built / "mod.cxxpyx")!r}
opts = _options.resolve(src, {{"no_build": True}})
opts.pop("progress", None)
r = _core.build_many([(src, "mod", opts)], {{"jobs": 1}})[0]
print(json.dumps(r["miss"]))
"""
    proc = python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.result["kind"] == "key_changed"
    json.dumps(proc.result)
