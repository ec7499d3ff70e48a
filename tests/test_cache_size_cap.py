"""Issue 14, "also noted": the cache has a default size cap (5G, the
`max_size` option, CXXIMPORT_MAX_SIZE), enforced after each build by
removing the least recently used entries, never the one just built."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import needs_core

pytestmark = needs_core


def _build(src: Path, name: str, value: int, **options) -> dict:
    from cxximport import _loader

    path = src / f"{name}.cxxpyx"
    path.write_text(f"PYX_EXPORT int value() {{ return {value}; }}\n")
    return _loader.build(str(path), name, options)


def _entries(cache_dir: Path) -> set[str]:
    return {p.name for p in (cache_dir / "v1" / "entries").iterdir()}


def _size(entry_dir: str) -> int:
    return sum(f.stat().st_size for f in Path(entry_dir).iterdir() if f.is_file())


def test_the_least_recently_used_entries_go_when_the_cache_exceeds_max_size(
    tmp_path, cache_dir, monkeypatch
):
    src = tmp_path / "src"
    src.mkdir()
    first = _build(src, "cap_a", 1)
    second = _build(src, "cap_b", 2)
    # a was used last: b is the least recently used one.
    os.utime(second["entry_dir"], (1, 1))
    size = _size(first["entry_dir"])
    monkeypatch.setenv("CXXIMPORT_MAX_SIZE", str(int(size * 2.5)))
    third = _build(src, "cap_c", 3)
    assert _entries(cache_dir) == {first["key"], third["key"]}  # b went, c (just built) stays
    # The cap holds for the next builds, too; the one just built is never removed.
    fourth = _build(src, "cap_d", 4, max_size=str(int(size * 1.2)))
    assert _entries(cache_dir) == {fourth["key"]}


def test_zero_means_no_cap_and_bad_values_name_the_option(tmp_path, cache_dir, monkeypatch):
    import cxximport

    src = tmp_path / "src"
    src.mkdir()
    monkeypatch.setenv("CXXIMPORT_MAX_SIZE", "0")
    keys = {_build(src, f"cap_z{i}", i)["key"] for i in range(2)}
    assert _entries(cache_dir) == keys
    with pytest.raises(cxximport.OptionError, match="max_size"):
        cxximport.build(src / "cap_z0.cxxpyx", max_size="lots")


def test_the_default_cap_is_documented_and_used():
    from cxximport import _options

    docs = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text()
    assert "| `max_size` |" in docs and "`5G`" in docs and "CXXIMPORT_MAX_SIZE" in docs
    assert _options.SCHEMA["max_size"] == "size"
