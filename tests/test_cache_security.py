"""The cache never loads foreign code: it is created private, refuses entries
that are writable by others or not ours, follows no symlink planted in it,
falls back to a private temporary cache (with a warning) when its location is
unusable, and with CXXIMPORT_NO_BUILD=1 loads only what is cached."""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from conftest import needs_core

pytestmark = needs_core

IS_ROOT = os.geteuid() == 0

# Imports the modules named in argv order from src; prints one JSON line.
IMPORT = """
import importlib, json, logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="WARNING %(message)s")
sys.path.insert(0, {src!r})
import cxximport
cxximport.install()
out = {{}}
for name in {names!r}:
    try:
        m = importlib.import_module(name)
    except ImportError as e:
        out[name] = {{"error": type(e).__name__, "message": str(e)}}
        continue
    state = m.__spec__.loader_state
    out[name] = {{"built": state["built"], "so": m.__file__, "value": m.value()}}
print(json.dumps(out))
"""


@pytest.fixture
def src(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The source directory; also a private TMPDIR, so a private fallback cache
    of this test is not shared with other tests (pytest -n)."""
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    path = tmp_path / "src"
    path.mkdir()
    return path


def _module(src: Path, name: str, value: int) -> Path:
    path = src / f"{name}.cxxpyx"
    path.write_text(f"PYX_EXPORT int value() {{ return {value}; }}\n")
    return path


def _import(python, src: Path, *names: str, env: dict | None = None):
    proc = python(IMPORT.format(src=str(src), names=list(names)), env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.result, proc.stderr


def _build(source: Path, name: str) -> dict:
    from cxximport import _loader

    return _loader.build(str(source), name, {})


def _counters(cache_dir: Path) -> dict:
    from cxximport import _core

    return _core.cache_info(str(cache_dir))


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("WARNING ")]


# --------------------------------------------------------------------------
# Private by construction


def test_the_cache_root_and_entries_are_created_private(src, cache_dir):
    old = os.umask(0o000)  # the most permissive umask: modes come from us
    try:
        result = _build(_module(src, "private", 1), "private")
    finally:
        os.umask(old)
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    for d, dirs, files in os.walk(cache_dir):
        for name in dirs:
            mode = stat.S_IMODE(os.lstat(os.path.join(d, name)).st_mode)
            assert mode == 0o700, (os.path.join(d, name), oct(mode))
        for name in files:
            mode = stat.S_IMODE(os.lstat(os.path.join(d, name)).st_mode)
            assert mode & 0o077 == 0, (os.path.join(d, name), oct(mode))
    assert stat.S_IMODE(os.stat(result["so_path"]).st_mode) in (0o600, 0o700)


# --------------------------------------------------------------------------
# Refused entries


@pytest.mark.parametrize("target", ["shared object", "entry directory", "manifest"])
def test_a_group_writable_entry_is_refused_and_rebuilt(target, src, cache_dir, python):
    first = _build(_module(src, "gw", 7), "gw")
    so, entry = Path(first["so_path"]), Path(first["entry_dir"])
    path = {"shared object": so, "entry directory": entry, "manifest": entry / "manifest"}[target]
    path.chmod(stat.S_IMODE(path.stat().st_mode) | stat.S_IWGRP)
    refused_inode = so.stat().st_ino

    result, stderr = _import(python, src, "gw", env={"CXXIMPORT_VERBOSE": "1"})
    assert result["gw"]["built"] is True and result["gw"]["value"] == 7
    assert re.search(rf"refused {re.escape(str(path))}: is writable by group or others", stderr)
    # The refused file was not loaded: a new, private one was.
    loaded = Path(result["gw"]["so"])
    assert loaded.stat().st_ino != refused_inode
    assert stat.S_IMODE(loaded.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE(loaded.parent.stat().st_mode) == 0o700
    assert _counters(cache_dir)["build"] == 2


@pytest.mark.skipif(not IS_ROOT, reason="chown to another uid needs root")
def test_an_entry_owned_by_another_user_is_refused_and_rebuilt(src, cache_dir, python):
    first = _build(_module(src, "foreign_entry", 8), "foreign_entry")
    so = Path(first["so_path"])
    os.chown(so, 12345, -1)
    result, stderr = _import(python, src, "foreign_entry", env={"CXXIMPORT_VERBOSE": "1"})
    assert result["foreign_entry"]["built"] is True and result["foreign_entry"]["value"] == 8
    assert f"refused {so}" in stderr and "12345" in stderr
    assert Path(result["foreign_entry"]["so"]).stat().st_uid == os.geteuid()


def _plant_variant(entry: Path, attacker: Path) -> None:
    """Replaces the variant directory by a symlink to a (valid, private) copy."""
    shutil.copytree(entry, attacker, symlinks=True)
    shutil.rmtree(entry)
    entry.symlink_to(attacker, target_is_directory=True)


def _plant_key(entry: Path, attacker: Path) -> None:
    """Replaces entries/<key> by a symlink to a directory holding a valid copy."""
    key_dir = entry.parent
    shutil.copytree(key_dir, attacker, symlinks=True)
    shutil.rmtree(key_dir)
    key_dir.symlink_to(attacker, target_is_directory=True)


def _plant_so(entry: Path, attacker: Path) -> None:
    """Replaces the shared object by a symlink to an identical file elsewhere."""
    so = next(entry.glob("*.so"))
    attacker.mkdir()
    shutil.copy2(so, attacker / so.name)
    so.unlink()
    so.symlink_to(attacker / so.name)


PLANTS = {
    "variant directory": _plant_variant,
    "key directory": _plant_key,
    "shared object": _plant_so,
}


@pytest.mark.parametrize(
    "what",
    [
        "variant directory",
        "key directory",
        "shared object",
    ],
)
def test_a_symlink_planted_in_the_cache_is_not_followed(what, src, cache_dir, tmp_path, python):
    first = _build(_module(src, "planted", 9), "planted")
    attacker = tmp_path / "attacker"
    PLANTS[what](Path(first["entry_dir"]), attacker)
    planted = sorted(p.relative_to(attacker) for p in attacker.rglob("*"))

    result, _ = _import(python, src, "planted")
    assert result["planted"]["built"] is True and result["planted"]["value"] == 9
    loaded = Path(result["planted"]["so"])
    assert not str(loaded.resolve()).startswith(str(attacker))
    assert loaded.resolve() == loaded  # no symlink on the way
    # Healing the cache removed the link, never what it pointed to.
    assert sorted(p.relative_to(attacker) for p in attacker.rglob("*")) == planted


# --------------------------------------------------------------------------
# Unusable locations: a private fallback


def _unusable_root(kind: str, tmp_path: Path) -> Path:
    if kind == "cannot be created":
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        return blocker / "cache"  # its parent is a file
    if kind == "read-only parent":
        parent = tmp_path / "ro"
        parent.mkdir()
        parent.chmod(0o500)
        return parent / "cache"
    if kind == "group-writable root":
        root = tmp_path / "gw-cache"
        root.mkdir()
        root.chmod(0o770)
        return root
    if kind == "owned by another user":
        root = tmp_path / "foreign-cache"
        root.mkdir(mode=0o700)
        os.chown(root, 12345, -1)
        return root
    raise AssertionError(kind)


ROOT_KINDS = [
    "cannot be created",
    pytest.param(
        "read-only parent",
        marks=pytest.mark.skipif(IS_ROOT, reason="root writes into read-only directories"),
    ),
    "group-writable root",
    pytest.param(
        "owned by another user",
        marks=pytest.mark.skipif(not IS_ROOT, reason="chown to another uid needs root"),
    ),
]


@pytest.mark.parametrize("kind", ROOT_KINDS)
def test_an_unusable_cache_location_falls_back_to_a_private_cache(
    kind, src, tmp_path, cache_dir, monkeypatch, python
):
    root = _unusable_root(kind, tmp_path)
    monkeypatch.setenv("CXXIMPORT_CACHE_DIR", str(root))
    before = sorted(os.listdir(root)) if root.is_dir() else None
    _module(src, "fallback", 11)

    result, stderr = _import(python, src, "fallback")
    assert result["fallback"]["built"] is True and result["fallback"]["value"] == 11
    warnings = _warnings(stderr)
    assert warnings and all(str(root) in w for w in warnings), stderr
    assert "using the private cache" in warnings[0]
    # The private cache: made by mkdtemp in $TMPDIR, 0700, ours.
    loaded = Path(result["fallback"]["so"])
    private = Path(os.environ["TMPDIR"])
    (fallback,) = private.iterdir()
    assert re.fullmatch(rf"cxximport-{os.geteuid()}-\w{{6}}", fallback.name)
    assert loaded.is_relative_to(fallback)
    assert stat.S_IMODE(fallback.stat().st_mode) == 0o700
    assert fallback.stat().st_uid == os.geteuid()
    # Nothing was written into the refused root.
    assert (sorted(os.listdir(root)) if root.is_dir() else None) == before
    # A later process finds the private cache again: a hit.
    again, _ = _import(python, src, "fallback")
    assert again["fallback"]["built"] is False and again["fallback"]["so"] == str(loaded)


def test_the_fallback_warning_is_given_once_per_process(src, tmp_path, monkeypatch, python):
    monkeypatch.setenv("CXXIMPORT_CACHE_DIR", str(_unusable_root("cannot be created", tmp_path)))
    _module(src, "first", 1)
    _module(src, "second", 2)
    result, stderr = _import(python, src, "first", "second")
    assert result["first"]["value"] == 1 and result["second"]["value"] == 2
    assert len(_warnings(stderr)) == 1, stderr


def test_the_fallback_warning_states_its_reason_once(src, tmp_path, monkeypatch, python):
    root = _unusable_root("cannot be created", tmp_path)
    monkeypatch.setenv("CXXIMPORT_CACHE_DIR", str(root))
    _module(src, "once", 1)
    _, stderr = _import(python, src, "once")
    (warning,) = _warnings(stderr)
    assert warning.count("cannot create") == 1, warning


# --------------------------------------------------------------------------
# CXXIMPORT_NO_BUILD=1


COUNTING_CXX = """#!/bin/sh
case " $* " in *" -c "*) echo x >> "{log}" ;; esac
exec g++ "$@"
"""


@pytest.fixture
def counting_cxx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """CXX = g++ behind a script that appends a line to a log per compile."""
    log = tmp_path / "compiles.log"
    cxx = tmp_path / "bin" / "counting-c++"
    cxx.parent.mkdir()
    cxx.write_text(COUNTING_CXX.format(log=log))
    cxx.chmod(0o755)
    monkeypatch.setenv("CXX", str(cxx))
    return {
        "cxx": cxx,
        "compiles": lambda: len(log.read_text().splitlines()) if log.exists() else 0,
    }


def test_no_build_loads_cached_modules_and_refuses_to_compile_the_others(
    src, cache_dir, counting_cxx, python
):
    _module(src, "cached", 1)
    _module(src, "uncached", 2)
    built, _ = _import(python, src, "cached")
    assert built["cached"]["built"] is True and counting_cxx["compiles"]() == 1
    before = _counters(cache_dir)

    result, _ = _import(python, src, "cached", "uncached", env={"CXXIMPORT_NO_BUILD": "1"})
    assert result["cached"] == {**built["cached"], "built": False}
    error = result["uncached"]
    assert error["error"] == "NotCachedError"
    assert "uncached" in error["message"] and "CXXIMPORT_NO_BUILD=1" in error["message"]
    assert "cxximport build" in error["message"]
    # Nothing was compiled or published.
    assert counting_cxx["compiles"]() == 1
    after = _counters(cache_dir)
    assert after["build"] == before["build"] == 1 and after["entries"] == 1


def test_no_build_loads_a_cached_module_when_the_compiler_is_gone(
    src, cache_dir, counting_cxx, python
):
    _module(src, "deployed", 3)
    built, _ = _import(python, src, "deployed")
    assert built["deployed"]["built"] is True
    counting_cxx["cxx"].unlink()  # the deployment has no compiler
    result, _ = _import(python, src, "deployed", env={"CXXIMPORT_NO_BUILD": "1"})
    assert result["deployed"] == {**built["deployed"], "built": False}
