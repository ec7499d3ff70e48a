"""Defect 7 of issue 14: a complete cache we cannot write (a read-only mount,
a tree another user built and lets us read) serves its entries, without a
lock, says once that it cannot store, and builds what it lacks into the
private cache. CXXIMPORT_NO_BUILD=1 works from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import needs_core
from multiuser import second_user

pytestmark = needs_core

IMPORT = """
import json, logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="WARNING %(message)s")
sys.path.insert(0, {src!r})
import cxximport
cxximport.install()
out = {{}}
for name in {names!r}:
    try:
        m = __import__(name)
        state = m.__spec__.loader_state
        out[name] = {{"so": m.__file__, "value": m.value(), "built": state["built"]}}
    except ImportError as e:
        out[name] = {{"error": type(e).__name__, "message": str(e)}}
print(json.dumps(out))
"""


def _sources(src: Path) -> None:
    src.mkdir(parents=True, exist_ok=True)
    (src / "ro_cached.cxxpyx").write_text("PYX_EXPORT int value() { return 41; }\n")
    (src / "ro_new.cxxpyx").write_text("PYX_EXPORT int value() { return 42; }\n")


def _build_cache(src: Path, root: Path) -> None:
    from cxximport import _loader

    _loader.build(str(src / "ro_cached.cxxpyx"), "ro_cached", {"cache_dir": str(root)})


def _warnings(stderr: str) -> list[str]:
    return [w for w in stderr.splitlines() if w.startswith("WARNING ")]


@pytest.fixture
def ro_mount(tmp_path, monkeypatch):
    """(source dir, complete cache, read-only bind mount of it)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a read-only bind mount needs root and mount(8)")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    src, root, mnt = tmp_path / "src", tmp_path / "cache", tmp_path / "ro"
    _sources(src)
    _build_cache(src, root)
    mnt.mkdir(mode=0o700)
    proc = subprocess.run(
        ["mount", "--bind", "-o", "ro", str(root), str(mnt)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        pytest.skip(f"mount --bind -o ro is not allowed here: {proc.stderr.strip()}")
    try:
        yield src, root, mnt
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


def test_a_read_only_mount_serves_hits_even_without_a_compiler(ro_mount, cache_dir, python):
    src, _, mnt = ro_mount
    env = {"CXXIMPORT_CACHE_DIR": str(mnt), "CXXIMPORT_NO_BUILD": "1"}
    proc = python(IMPORT.format(src=str(src), names=["ro_cached", "ro_new"]), env=env)
    assert proc.returncode == 0, proc.stderr
    cached, new = proc.result["ro_cached"], proc.result["ro_new"]
    assert cached["value"] == 41 and cached["built"] is False
    assert Path(cached["so"]).is_relative_to(mnt)
    assert new["error"] == "NotCachedError"
    warnings = _warnings(proc.stderr)
    assert len(warnings) == 1 and "read-only" in warnings[0] and str(mnt) in warnings[0], warnings


def test_a_read_only_mount_builds_what_it_lacks_privately(ro_mount, cache_dir, tmp_path, python):
    src, _, mnt = ro_mount
    proc = python(
        IMPORT.format(src=str(src), names=["ro_cached", "ro_new"]),
        env={"CXXIMPORT_CACHE_DIR": str(mnt)},
    )
    assert proc.returncode == 0, proc.stderr
    cached, new = proc.result["ro_cached"], proc.result["ro_new"]
    assert Path(cached["so"]).is_relative_to(mnt) and cached["built"] is False
    assert new["value"] == 42 and new["built"] is True
    assert Path(new["so"]).parent.parts[: len(tmp_path.parts)] == tmp_path.parts
    assert not Path(new["so"]).is_relative_to(mnt)
    warnings = _warnings(proc.stderr)
    assert len(warnings) == 1 and "cannot store" in warnings[0], warnings


@pytest.fixture
def reader():
    yield from second_user()


@pytest.fixture
def builder():
    yield from second_user()


def test_a_read_only_mount_built_by_another_user_is_served(builder, tmp_path, monkeypatch, python):
    """On a read-only file system nobody, its owner included, can change an
    entry: a cache another user built is served from it (not from elsewhere)."""
    if not shutil.which("mount"):
        pytest.skip("a read-only bind mount needs mount(8)")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    src, root, mnt = tmp_path / "src", tmp_path / "cache", tmp_path / "ro"
    _sources(src)
    _build_cache(src, root)
    for d, _, files in os.walk(root):
        for n in [d, *(os.path.join(d, f) for f in files)]:
            os.lchown(n, builder.uid, builder.gid)
    mnt.mkdir(mode=0o700)
    proc = subprocess.run(
        ["mount", "--bind", "-o", "ro", str(root), str(mnt)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        pytest.skip(f"mount --bind -o ro is not allowed here: {proc.stderr.strip()}")
    try:
        env = {"CXXIMPORT_CACHE_DIR": str(mnt), "CXXIMPORT_NO_BUILD": "1"}
        proc = python(IMPORT.format(src=str(src), names=["ro_cached"]), env=env)
        assert proc.returncode == 0, proc.stderr
        cached = proc.result["ro_cached"]
        assert cached.get("value") == 41 and Path(cached["so"]).is_relative_to(mnt), cached
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


def test_a_tree_built_by_root_is_read_by_another_user(reader, tmp_path):
    """The chmod'ed variant: root's cache, readable by everyone, used by a
    second user with CXXIMPORT_NO_BUILD=1."""
    why = reader.can_run_python()
    if why:
        pytest.skip(why)
    base = Path(tempfile.mkdtemp(prefix="cxxro-"))
    try:
        base.chmod(0o755)
        src, root = base / "src", base / "cache"
        _sources(src)
        _build_cache(src, root)
        for d, _, files in os.walk(base):
            os.chmod(d, 0o755)
            for f in files:
                p = os.path.join(d, f)
                os.chmod(p, 0o755 if os.access(p, os.X_OK) else 0o644)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CXXIMPORT_")}
        env.update(
            CXXIMPORT_CACHE_DIR=str(root), CXXIMPORT_NO_BUILD="1", HOME=str(base), TMPDIR=str(base)
        )
        code = IMPORT.format(src=str(src), names=["ro_cached"])
        proc = reader.run([sys.executable, "-c", code], env=env, cwd=str(base))
        assert proc.returncode == 0, proc.stderr
        import json

        result = json.loads(proc.stdout.strip().splitlines()[-1])["ro_cached"]
        assert result["value"] == 41 and Path(result["so"]).is_relative_to(root)
    finally:
        shutil.rmtree(base, ignore_errors=True)
