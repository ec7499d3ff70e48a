"""A damaged entry is a miss and is rebuilt, never a crash: a truncated,
altered or missing shared object, a corrupt, truncated or missing manifest, an
unknown format version. The damaged entry is listed with its problem, the
next import (in a new process, so a crash would show as a signal) rebuilds
it, loads the new shared object and leaves a healthy cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import needs_core

pytestmark = needs_core

SOURCE = "PYX_EXPORT int value() { return 42; }\n"

IMPORT = """
import json, sys
sys.path.insert(0, {src!r})
import cxximport
cxximport.install()
import damaged
state = damaged.__spec__.loader_state
print(json.dumps({{"built": state["built"], "so": damaged.__file__, "value": damaged.value()}}))
"""


def _truncate_so(entry: Path, so: Path) -> None:
    with open(so, "r+b") as f:
        f.truncate(so.stat().st_size // 2)


def _alter_so(entry: Path, so: Path) -> None:
    data = bytearray(so.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(b ^ 0xFF for b in data[middle : middle + 16])
    so.write_bytes(bytes(data))  # same size, other bytes


def _remove_so(entry: Path, so: Path) -> None:
    so.unlink()


def _garbage_manifest(entry: Path, so: Path) -> None:
    (entry / "manifest").write_bytes(os.urandom(300))


def _truncate_manifest(entry: Path, so: Path) -> None:
    manifest = entry / "manifest"
    text = manifest.read_bytes()
    manifest.write_bytes(text[: text.index(b"so_hash")])


def _future_manifest(entry: Path, so: Path) -> None:
    manifest = entry / "manifest"
    first, rest = manifest.read_text().split("\n", 1)
    assert first.startswith("cxximport-manifest ")
    manifest.write_text("cxximport-manifest 99\n" + rest)


def _remove_manifest(entry: Path, so: Path) -> None:
    (entry / "manifest").unlink()


DAMAGE = {
    "truncated shared object": _truncate_so,
    "altered shared object (same size)": _alter_so,
    "missing shared object": _remove_so,
    "corrupt manifest": _garbage_manifest,
    "truncated manifest": _truncate_manifest,
    "unknown manifest format version": _future_manifest,
    "missing manifest": _remove_manifest,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_entry_is_rebuilt_and_never_loaded(damage, tmp_path, cache_dir, python):
    from cxximport import _core, _loader

    src = tmp_path / "src"
    src.mkdir()
    source = src / "damaged.cxxpyx"
    source.write_text(SOURCE)
    first = _loader.build(str(source), "damaged", {})
    assert first["built"] is True
    entry, so = Path(first["entry_dir"]), Path(first["so_path"])
    DAMAGE[damage](entry, so)

    # Listing a damaged cache works; a bad manifest is named as the problem
    # (the listing reads manifests only: the shared object is checked on lookup).
    listed = _core.cache_list(str(cache_dir))
    assert len(listed) == 1
    if "manifest" in damage:
        assert listed[0]["problem"] != "", listed

    proc = python(IMPORT.format(src=str(src)), env={"CXXIMPORT_VERBOSE": "1"})
    assert proc.returncode == 0, proc.stderr
    assert proc.result["built"] is True and proc.result["value"] == 42
    assert "cache miss for damaged" in proc.stderr
    info = _core.cache_info(str(cache_dir))
    assert (info["build"], info["build_failed"]) == (2, 0)
    # The rebuilt entry replaced the damaged one; it is healthy and hits.
    listed = _core.cache_list(str(cache_dir))
    assert [e["problem"] for e in listed] == [""], listed
    again = python(IMPORT.format(src=str(src)))
    assert again.returncode == 0, again.stderr
    assert again.result["built"] is False and again.result["so"] == proc.result["so"]


def _prune_after_lookup(monkeypatch, cache_dir: Path, name: str) -> list[dict]:
    """Makes the loader's next build() remove the entry it just found, as a
    `cxximport cache clean` between lookup and load would; returns the calls."""
    from cxximport import _core, _loader

    real_build, calls = _loader.build, []

    def build(source, module, options=None):
        result = real_build(source, module, options)
        calls.append(result)
        if len(calls) == 1:
            _core.cache_clean(str(cache_dir), module=name)
            assert not os.path.exists(result["so_path"])
        return result

    monkeypatch.setattr(_loader, "build", build)
    return calls


def test_an_entry_removed_between_lookup_and_load_is_built_again(
    isolated_import, write_source, cache_dir, monkeypatch
):
    write_source("vanishing.cxxpyx", SOURCE)
    calls = _prune_after_lookup(monkeypatch, cache_dir, "vanishing")
    mod = isolated_import.import_module("vanishing")
    assert mod.value() == 42
    assert [c["built"] for c in calls] == [True, True]
    assert mod.__file__ == calls[1]["so_path"] and os.path.exists(mod.__file__)


def test_a_reload_whose_entry_vanished_is_built_again(
    isolated_import, write_source, cache_dir, monkeypatch
):
    import importlib

    source = write_source("revanishing.cxxpyx", SOURCE)
    mod = isolated_import.import_module("revanishing")
    source.write_text(SOURCE.replace("42", "43"))
    calls = _prune_after_lookup(monkeypatch, cache_dir, "revanishing")
    importlib.reload(mod)
    assert mod.value() == 43
    assert [c["built"] for c in calls] == [True, True]
