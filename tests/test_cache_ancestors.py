"""Defect 1 of issue 14: a cache whose parent another user controls is
refused (StrictModes-style ancestor checks), and the loader loads exactly the
shared object the cache validated, never what its path leads to afterwards.

The other user is a real one created for the test (tests/multiuser.py)."""

from __future__ import annotations

import os
import shutil
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
import {name} as m
state = m.__spec__.loader_state
print(json.dumps({{"so": m.__file__, "value": m.value(), "built": state["built"]}}))
"""


@pytest.fixture
def other_user():
    yield from second_user()


@pytest.fixture
def shared(tmp_path, monkeypatch):
    """A world-searchable directory outside pytest's private tmp tree (so
    another user can reach it) and a private TMPDIR for fallback caches."""
    base = Path(tempfile.mkdtemp(prefix="cxxanc-"))
    base.chmod(0o755)
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _source(directory: Path, name: str, value: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.cxxpyx"
    path.write_text(f"PYX_EXPORT int value() {{ return {value}; }}\n")
    return path


def _run(python, src: Path, name: str, root: Path):
    proc = python(IMPORT.format(src=str(src), name=name), env={"CXXIMPORT_CACHE_DIR": str(root)})
    assert proc.returncode == 0, proc.stderr
    warnings = [w for w in proc.stderr.splitlines() if w.startswith("WARNING ")]
    return proc.result, warnings


def test_a_cache_under_a_directory_another_user_owns_is_refused(
    shared, other_user, tmp_path, python
):
    parent = shared / "scratch-alice"  # pre-created for us, but owned by someone else
    parent.mkdir(mode=0o755)
    os.chown(parent, other_user.uid, other_user.gid)
    root = parent / "cache"
    src = tmp_path / "src"
    _source(src, "anc_owned", 5)

    result, warnings = _run(python, src, "anc_owned", root)
    assert result["value"] == 5
    assert not Path(result["so"]).is_relative_to(parent)
    assert any(str(parent) in w and f"owned by uid {other_user.uid}" in w for w in warnings), (
        warnings
    )
    assert not root.exists()  # nothing created where the other user could swap it


def test_a_group_writable_parent_is_refused_but_a_sticky_one_is_accepted(shared, tmp_path, python):
    src = tmp_path / "src"
    _source(src, "anc_mode", 6)
    open_parent = shared / "open"
    open_parent.mkdir()
    open_parent.chmod(0o777)  # anyone may rename our cache away: refused
    result, warnings = _run(python, src, "anc_mode", open_parent / "cache")
    assert not Path(result["so"]).is_relative_to(open_parent)
    assert any(str(open_parent) in w and "not sticky" in w for w in warnings), warnings

    sticky = shared / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)  # like /tmp: only the owner may rename our cache
    result, warnings = _run(python, src, "anc_mode", sticky / "cache")
    assert Path(result["so"]).is_relative_to(sticky / "cache") and not warnings


def test_the_other_user_swapping_the_root_after_validation_does_not_get_loaded(
    shared, other_user, tmp_path, monkeypatch
):
    """The attack of the issue, made deterministic: right after the core has
    validated the entry, the cache root is replaced by a symlink to the other
    user's copy of it, whose shared object (same path inside) is their code."""
    import importlib.util

    from cxximport import CxxLoader, _loader

    victim_root = shared / "victim-cache"
    monkeypatch.setenv("CXXIMPORT_CACHE_DIR", str(victim_root))
    good = _source(tmp_path / "src", "anc_swap", 1)
    evil_src = _source(tmp_path / "evil", "anc_swap", 666)
    evil_so = _loader.build(str(evil_src), "anc_swap", {"cache_dir": str(tmp_path / "ec")})[
        "so_path"
    ]

    class Swapped(CxxLoader):
        def build(self):
            result = super().build()  # validated by the core
            evil_root = shared / "evil-cache"
            shutil.copytree(victim_root, evil_root, symlinks=True)
            planted = evil_root / Path(result["so_path"]).relative_to(victim_root)
            shutil.copyfile(evil_so, planted)
            for d, _, files in os.walk(evil_root):
                for n in [d, *(os.path.join(d, f) for f in files)]:
                    os.lchown(n, other_user.uid, other_user.gid)
            victim_root.rename(shared / "victim-cache.real")
            os.symlink(evil_root, victim_root)
            assert Path(result["so_path"]).resolve() == planted
            return result

    loader = Swapped("anc_swap", str(good), {})
    spec = importlib.util.spec_from_file_location("anc_swap", str(good), loader=loader)
    with pytest.raises(ImportError, match="not the file the cache validated"):
        module = loader.create_module(spec)
        loader.exec_module(module)
        assert module.value() != 666, "the other user's code was loaded"


LOADED = """
import importlib, json, os, sys
sys.path.insert(0, {src!r})
import cxximport
from cxximport import _loader
cxximport.install()
import anc_fd as m
first = m.value()
with open({source!r}, "w") as f:
    f.write("PYX_EXPORT int value() {{ return 2; }}\\n")
importlib.reload(m)
held = [os.readlink(f"/proc/self/fd/{{fd}}") for fd in _loader._held_fds]
print(json.dumps({{"file": m.__file__, "first": first, "second": m.value(), "held": held,
                  "maps": open("/proc/self/maps").read()}}))
"""


def test_modules_load_through_the_validated_descriptor_and_reload(tmp_path, cache_dir, python):
    src = tmp_path / "src"
    source = _source(src, "anc_fd", 1)
    proc = python(LOADED.format(src=str(src), source=str(source)))
    assert proc.returncode == 0, proc.stderr
    r = proc.result
    assert (r["first"], r["second"]) == (1, 2)
    # __file__ is the entry's shared object, which is what the descriptor held.
    assert Path(r["file"]).is_relative_to(cache_dir) and r["file"].endswith(".so")
    assert len(r["held"]) == 2 and r["held"][1] == r["file"]
    assert all(h in r["maps"] for h in r["held"])
