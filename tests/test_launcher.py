"""`CXXIMPORT_COMPILER_LAUNCHER` / `install(launcher=...)`: a launcher before
every compile, tested with the real ccache (Debian package `ccache`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import needs_core

pytestmark = [
    needs_core,
    pytest.mark.skipif(shutil.which("ccache") is None, reason="ccache is not installed"),
]

SOURCE = "PYX_EXPORT int twice(int x) { return 2 * x; }\n"

IMPORT = """
import json, sys, cxximport
sys.path.insert(0, {src!r})
cxximport.install({args})
import twice_mod
print(json.dumps(twice_mod.twice(21)))
"""


def ccache_stats(env: dict) -> dict[str, int]:
    out = subprocess.run(
        ["ccache", "--print-stats"], env=env, capture_output=True, text=True, check=True
    ).stdout
    return {k: int(v) for k, v in (line.split("\t") for line in out.splitlines() if "\t" in line)}


@pytest.fixture
def ccache_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A private, empty ccache (CCACHE_DIR in tmp_path), inherited by subprocesses."""
    monkeypatch.setenv("CCACHE_DIR", str(tmp_path / "ccache"))
    import os

    return dict(os.environ)


def test_second_cache_dir_compiles_through_a_ccache_hit(
    python, cli, cache_dir, ccache_env, tmp_path
):
    src = tmp_path / "src"
    src.mkdir()
    (src / "twice_mod.cxxpyx").write_text(SOURCE)

    # First cache dir: `cxximport build` (one batch ninja run) with the launcher
    # from the environment -> a ccache miss.
    env = {"CXXIMPORT_COMPILER_LAUNCHER": "ccache"}
    proc = cli("build", str(src), "--cache-dir", str(tmp_path / "first"), env=env)
    assert proc.returncode == 0, proc.stderr
    first = ccache_stats(ccache_env)
    assert first["cache_miss"] == 1
    assert first.get("direct_cache_hit", 0) == 0
    assert first.get("called_for_link", 0) == 0  # the link runs without the launcher

    # Second cache dir, a plain import with install(launcher=...): cxximport
    # builds again (its own cache is empty), but the compile is a ccache hit.
    code = IMPORT.format(
        src=str(src), args=f"cache_dir={str(tmp_path / 'second')!r}, launcher='ccache'"
    )
    proc = python(code)
    assert proc.result == 42, proc.stderr
    second = ccache_stats(ccache_env)
    assert second["direct_cache_hit"] == 1
    assert second["cache_miss"] == 1


def test_a_missing_launcher_is_a_clear_build_error(python, cache_dir, ccache_env, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "twice_mod.cxxpyx").write_text(SOURCE)
    code = IMPORT.format(src=str(src), args="launcher='no-such-launcher-xyz'")
    proc = python(code)
    assert proc.returncode != 0
    # Named as a launcher before ninja runs, not a CompileError with /bin/sh's words.
    assert "CompileError" not in proc.stderr and "/bin/sh" not in proc.stderr
    assert "the compiler launcher 'no-such-launcher-xyz'" in proc.stderr
