"""An entry from another machine is refused with a typed reason, not a
message the remote cache would have to search (issue 16, point 2):
`CacheError.reason` is "other_headers" for a sound entry built against
headers this machine does not have, "refused" for anything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import needs_core
from cxximport import _core, _loader
from cxximport.errors import CacheError

pytestmark = needs_core


@pytest.fixture
def exported(tmp_path: Path, write_source, cache_dir):
    (tmp_path / "src").mkdir(exist_ok=True)
    header = tmp_path / "src" / "helper.hpp"
    header.write_text("#define HELPER 1\n")
    source = write_source(
        "withheader.cxxpyx", '#include "helper.hpp"\nPYX_EXPORT int v() { return HELPER; }\n'
    )
    result = _loader.build(str(source), "withheader", {"cache_dir": str(cache_dir)})
    files = _core.export_entry(str(cache_dir), result["key"])
    return header, result["key"], files, tmp_path / "other-cache"


def test_an_entry_built_against_other_headers_has_that_reason(exported):
    header, key, files, other = exported
    header.write_text("#define HELPER 2\n")  # this machine's header differs
    with pytest.raises(CacheError) as info:
        _core.install_entry(str(other), key, files)
    assert info.value.reason == "other_headers"


def test_an_entry_under_another_key_is_refused(exported):
    _header, key, files, other = exported
    wrong = ("0" if key[0] != "0" else "1") + key[1:]
    with pytest.raises(CacheError) as info:
        _core.install_entry(str(other), wrong, files)
    assert info.value.reason == "refused"
    assert "records key" in str(info.value)


def test_the_same_entry_installs_where_the_headers_match(exported):
    _header, key, files, other = exported
    assert _core.install_entry(str(other), key, files)["key"] == key
