"""A module that compiles and links but leaves a symbol undefined is a
CompileError at build time, never a published entry that fails on load."""

from pathlib import Path

import cxximport
import pytest
from cxximport import _core

UNDEFINED = """\
int helper(int x);
PYX_EXPORT int f(int x) { return helper(x); }
"""


def test_declared_but_undefined_function_is_a_compile_error_and_nothing_is_published(
    tmp_path, cache_dir
):
    src = tmp_path / "undef.cxxpyx"
    src.write_text(UNDEFINED)
    with pytest.raises(cxximport.CompileError) as info:
        cxximport.build(str(src))
    assert "helper(int)" in str(info.value)
    assert "declared but never defined" in str(info.value)
    assert _core.cache_list(str(cache_dir)) == []
    assert _core.cache_info(str(cache_dir))["build_failed"] == 1


def test_defining_the_function_in_a_sources_file_links(tmp_path, cache_dir):
    (tmp_path / "helper.cpp").write_text("int helper(int x) { return 2 * x; }\n")
    src = tmp_path / "undef2.cxxpyx"
    src.write_text("// cxximport: sources = helper.cpp\n" + UNDEFINED)
    so_path = cxximport.build(str(src))
    assert so_path.endswith(".so")


def test_a_published_entry_keeps_no_objects_or_depfiles(tmp_path, cache_dir):
    src = tmp_path / "small.cxxpyx"
    src.write_text("PYX_EXPORT int one() { return 1; }\n")
    entry = Path(cxximport.build(str(src))).parent
    names = sorted(p.name for p in entry.iterdir())
    assert not [n for n in names if n.endswith((".o", ".o.d"))], names
    assert {"manifest", "module.cpp", "build.ninja", "build.log", "small.pyi"} <= set(names)
