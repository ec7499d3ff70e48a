"""Sources as editors and file systems hand them to us, imported end to end
(real compiler, real ninja): a byte order mark, CRLF line ends, non-ASCII
and non-identifier module names, a Latin-1 docstring, a carriage return or
a non-UTF-8 byte in the directory name, a reserved export name."""

from __future__ import annotations

import importlib
import os
import sys

import pytest
from conftest import needs_core

pytestmark = needs_core

BODY = "/// Adds one.\nPYX_EXPORT int inc(int x) { return x + 1; }\n"


def test_utf8_byte_order_mark_imports(isolated_import):
    source = "\ufeff// cxximport: boundscheck\n" + BODY
    (isolated_import.src / "bom.cxxpyx").write_bytes(source.encode())
    m = isolated_import.import_module("bom")
    assert m.inc(1) == 2
    assert m.inc.__doc__.endswith("Adds one.\n")


def test_crlf_line_ends_import(isolated_import):
    source = (
        "// cxximport: boundscheck\r\n"
        + BODY.replace("\n", "\r\n")
        + "int g(int a,\\\r\n int b);\r\n"
    )
    (isolated_import.src / "crlf.cxxpyx").write_bytes(source.encode())
    m = isolated_import.import_module("crlf")
    assert m.inc(41) == 42
    assert m.inc.__doc__.endswith("Adds one.\n")


def test_non_ascii_module_name_imports(isolated_import):
    (isolated_import.src / "café.cxxpyx").write_text(BODY)
    m = isolated_import.import_module("café")
    assert m.__name__ == "café"
    assert m.inc(1) == 2


def test_non_identifier_module_name_is_refused_before_building(isolated_import, cache_dir):
    from cxximport import _core

    (isolated_import.src / "my-mod.cxxpyx").write_text(BODY)
    with pytest.raises(ImportError) as info:
        isolated_import.import_module("my-mod")
    assert "'my-mod' is not a Python identifier" in str(info.value)
    assert "my_mod.cxxpyx" in str(info.value)
    assert not (cache_dir / "v1" / "failed").exists() or not any(
        (cache_dir / "v1" / "failed").iterdir()
    )
    with pytest.raises(ImportError, match="not a Python identifier"):
        _core.generate(str(isolated_import.src / "my-mod.cxxpyx"), "my-mod", "/nonexistent")


def test_latin1_docstring_is_an_error_naming_the_line(isolated_import):
    import cxximport

    (isolated_import.src / "lat.cxxpyx").write_bytes(
        b"int a;\n/// Caf\xe9 au lait.\nPYX_EXPORT int inc(int x) { return x + 1; }\n"
    )
    with pytest.raises(cxximport.CompileError) as info:
        isolated_import.import_module("lat")
    assert f"{isolated_import.src / 'lat.cxxpyx'}:2:" in str(info.value)
    assert "not UTF-8" in str(info.value)


def test_reserved_export_name_fails_the_import_naming_the_line(isolated_import):
    import cxximport

    (isolated_import.src / "dunder.cxxpyx").write_text(
        "int a;\nPYX_EXPORT int __spec__() { return 1; }\n"
    )
    with pytest.raises(cxximport.CompileError) as info:
        isolated_import.import_module("dunder")
    assert f"{isolated_import.src / 'dunder.cxxpyx'}:2:" in str(info.value)


def _import_from(directory: bytes, name: str):
    sys.path.insert(0, os.fsdecode(directory))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


def test_non_utf8_directory_name_builds(isolated_import, tmp_path):
    directory = os.path.join(os.fsencode(tmp_path), b"caf\xe9 dir")
    os.mkdir(directory)
    with open(os.path.join(directory, b"latdir.cxxpyx"), "wb") as f:
        f.write(BODY.encode())
    importlib.invalidate_caches()
    m = _import_from(directory, "latdir")  # was UnicodeEncodeError
    assert m.inc(1) == 2


def test_carriage_return_in_directory_name_is_an_error_naming_the_path(isolated_import, tmp_path):
    directory = os.path.join(os.fsencode(tmp_path), b"cr\rdir")
    os.mkdir(directory)
    with open(os.path.join(directory, b"crdir.cxxpyx"), "wb") as f:
        f.write(BODY.encode())
    importlib.invalidate_caches()
    with pytest.raises(ImportError) as info:
        _import_from(directory, "crdir")
    message = str(info.value)
    assert "the compiler printed nothing" not in message
    assert os.fsdecode(tmp_path) + "/cr\\rdir/crdir.cxxpyx" in message
    assert "carriage return" in message


@pytest.mark.parametrize(
    ("directory", "shown", "why"),
    [
        (b"tab\tdir", "tab\\tdir", "a tab"),
        (b"nl\ndir", "nl\\ndir", "a newline or carriage return"),
    ],
)
def test_unexpressible_directory_names_are_errors_naming_the_path(
    isolated_import, tmp_path, directory, shown, why
):
    path = os.path.join(os.fsencode(tmp_path), directory)
    os.mkdir(path)
    name = "odd" + str(len(directory))
    with open(os.path.join(path, name.encode() + b".cxxpyx"), "wb") as f:
        f.write(BODY.encode())
    importlib.invalidate_caches()
    with pytest.raises(ImportError) as info:
        _import_from(path, name)
    assert f"{os.fsdecode(tmp_path)}/{shown}/{name}.cxxpyx" in str(info.value)
    assert why in str(info.value)


def test_pipe_in_a_sources_path_is_an_error_naming_it(isolated_import, tmp_path):
    # '|' ends a path in a ninja build edge; only `sources` files are there.
    path = os.path.join(os.fsencode(tmp_path), b"pi|pe")
    os.mkdir(path)
    with open(os.path.join(path, b"extra.cpp"), "wb") as f:
        f.write(b"int g() { return 5; }\n")
    with open(os.path.join(path, b"piped.cxxpyx"), "wb") as f:
        f.write(b"// cxximport: sources = extra.cpp\nint g();\n" + BODY.encode())
    importlib.invalidate_caches()
    with pytest.raises(ImportError) as info:
        _import_from(path, "piped")
    assert f"{os.fsdecode(tmp_path)}/pi|pe/extra.cpp" in str(info.value)
    assert "'|'" in str(info.value)
