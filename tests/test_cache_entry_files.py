"""Issue 14, "also noted": docs/cache.md and docs/core_api.md list the files
of an entry; every file they list is there and every file there is listed
(compile_commands.json was listed and never written: it belongs next to the
sources, written by `cxximport ide`, not in the cache)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import needs_core

pytestmark = needs_core

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _documented(name: str, so_name: str) -> tuple[set[str], set[str]]:
    layout = (DOCS / "cache.md").read_text()
    manifest, so, rest = layout[layout.index("entries/<key>/<variant>/") :].splitlines()[1:4]
    in_cache_md = {manifest.split()[0], so.split()[0], *rest.split()}
    api = (DOCS / "core_api.md").read_text()
    row = next(line for line in api.splitlines() if line.startswith("| `entry_dir` |"))
    in_api = set(re.findall(r"`([^`]+)`", row.split("(holds", 1)[1].split(")", 1)[0]))

    def actual(names: set[str]) -> set[str]:
        return {n.replace("<name>", name).replace("<module><EXT_SUFFIX>", so_name) for n in names}

    return actual(in_cache_md), actual(in_api)


def test_an_entry_holds_exactly_the_documented_files(tmp_path, cache_dir):
    from cxximport import _loader

    source = tmp_path / "entry_files.cxxpyx"
    source.write_text("PYX_EXPORT int value() { return 1; }\n")
    result = _loader.build(str(source), "entry_files", {})
    so_name = Path(result["so_path"]).name
    present = {p.name for p in Path(result["entry_dir"]).iterdir()}
    in_cache_md, in_api = _documented("entry_files", so_name)
    assert "compile_commands.json" not in present
    assert in_cache_md == present, (in_cache_md, present)
    assert in_api | {so_name} == present, (in_api, present)
