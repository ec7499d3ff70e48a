"""Cached headers are validated by their stat (size, mtime, ctime, inode)
and hashed only when that changed (issue 15, target 1): an edit is never
missed, even one that keeps the size and puts the mtime back; a touch
without a change of content still hits."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import needs_core

pytestmark = needs_core

SOURCE = '#include "helper.hpp"\nPYX_EXPORT int value() { return HELPER; }\n'

IMPORT = """
import json, sys
sys.path.insert(0, {src!r})
import cxximport
cxximport.install()
import mod
print(json.dumps({{"built": mod.__spec__.loader_state["built"], "value": mod.value()}}))
"""


@pytest.fixture
def built(tmp_path, cache_dir, python) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "helper.hpp").write_text("#define HELPER 1\n")
    (src / "mod.cxxpyx").write_text(SOURCE)
    # Older than the record by more than a clock tick: its stat tuple is trusted.
    time.sleep(1.1)
    first = python(IMPORT.format(src=str(src)))
    assert first.returncode == 0, first.stderr
    assert first.result == {"built": True, "value": 1}
    manifests = list(cache_dir.glob("v1/entries/*/*/manifest"))
    assert len(manifests) == 1
    text = manifests[0].read_text()
    assert text.startswith("cxximport-manifest 2\n")
    assert f" {src / 'helper.hpp'}\n" in text.split("stat ", 1)[1]
    return src


def test_a_same_size_edit_with_the_mtime_put_back_is_detected(built, python):
    header = built / "helper.hpp"
    before = header.stat()
    header.write_text("#define HELPER 2\n")  # same size
    os.utime(header, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = header.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    again = python(IMPORT.format(src=str(built)))
    assert again.returncode == 0, again.stderr
    assert again.result == {"built": True, "value": 2}


def test_a_touched_header_still_hits(built, python):
    os.utime(built / "helper.hpp")
    again = python(IMPORT.format(src=str(built)))
    assert again.returncode == 0, again.stderr
    assert again.result == {"built": False, "value": 1}


def test_a_header_replaced_by_rename_is_detected(built, python):
    header = built / "helper.hpp"
    before = header.stat()
    tmp = built / "helper.tmp"
    tmp.write_text("#define HELPER 3\n")
    os.utime(tmp, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(tmp, header)  # new inode, same size and mtime
    again = python(IMPORT.format(src=str(built)))
    assert again.returncode == 0, again.stderr
    assert again.result == {"built": True, "value": 3}
