"""Hostile and careless sources through the scanner (`_core.scan`, in
process): deep nesting, long chains of comparisons, undecodable bytes,
reserved export names and the declarations the scanner used to misread.
Each error must be a clean ScanError naming file:line, never a crash."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from conftest import needs_core

pytestmark = needs_core


def scan(tmp_path, text, name="m.cxxpyx"):
    from cxximport import _core

    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return _core.scan(str(path))


def scan_error(tmp_path, text, name="m.cxxpyx"):
    from cxximport import _core

    with pytest.raises(_core.ScanError) as info:
        scan(tmp_path, text, name)
    return str(info.value)


# -- defect 3: nesting -------------------------------------------------------


@pytest.mark.parametrize("brackets", ["()", "[]", "{}", "<>"])
def test_deep_nesting_is_a_scan_error_not_a_crash(tmp_path, brackets):
    # 100,000 levels used to overflow the C stack (SIGSEGV); run it in a child
    # so a regression fails this test instead of killing pytest.
    op, cl = brackets
    inner = {"()": "1", "[]": "1", "{}": "1", "<>": "int"}[brackets]
    head = "std::vector" if op == "<" else ""
    nested = (head + op) * 100_000 + inner + cl * 100_000
    if op == "<":
        source = f"\nPYX_EXPORT int f({nested} x) {{ return 0; }}\n"
    else:
        source = f"\nPYX_EXPORT int f(int x = {nested}) {{ return 0; }}\n"
    path = tmp_path / "deep.cxxpyx"
    path.write_text(source)
    code = textwrap.dedent(
        f"""
        from cxximport import _core
        try:
            _core.scan({str(path)!r})
        except _core.ScanError as e:
            print("ScanError:", e)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"ScanError: {path}:2:" in proc.stdout
    assert "nesting too deep" in proc.stdout


def test_unclosed_deep_nesting_is_a_scan_error(tmp_path):
    message = scan_error(tmp_path, "\nPYX_EXPORT int f(int x = " + "(" * 100_000 + ") {}\n")
    assert message.startswith(f"{tmp_path / 'm.cxxpyx'}:2:")
    message = scan_error(tmp_path, "namespace a {\n" * 300 + "PYX_EXPORT int f();\n")
    assert "nesting too deep" in message


def test_nesting_up_to_the_limit_scans(tmp_path):
    nested = "(" * 200 + "1" + ")" * 200
    result = scan(tmp_path, f"PYX_EXPORT int f(int x = {nested}) {{ return x; }}\n")
    assert result["exports"][0]["params"][0]["default"] == nested


# -- defect 6: unmatched '<' --------------------------------------------------


def comparisons(n):
    return " && ".join(f"a{i} < b{i}" for i in range(n))


def test_a_thousand_comparisons_scan_in_linear_time(tmp_path):
    # 22 comparisons took 2.4 s and every two more x4: exponential matching.
    source = (
        f"PYX_EXPORT int f(bool x = {comparisons(1000)}, int y = 2) {{ return x; }}\n"
        f"constexpr bool k = {comparisons(1000)};\n"
        f"int g() {{ return {comparisons(1000)}; }}\n"
    )
    start = time.perf_counter()
    result = scan(tmp_path, source)
    elapsed = time.perf_counter() - start
    params = result["exports"][0]["params"]
    assert [p["name"] for p in params] == ["x", "y"]
    assert params[0]["default"] == comparisons(1000)
    assert elapsed < 5.0, f"1,000 comparisons took {elapsed:.2f} s"


def test_templates_still_read_as_templates_beside_comparisons(tmp_path):
    source = (
        "PYX_EXPORT std::vector<std::pair<int, int>> f(bool p = a < b, "
        "std::array<int, 3> q = {}, bool r = (c > d)) { return {}; }\n"
    )
    params = scan(tmp_path, source)["exports"][0]["params"]
    assert [(p["type"], p["name"], p["default"]) for p in params] == [
        ("bool", "p", "a < b"),
        ("std::array<int, 3>", "q", "{}"),
        ("bool", "r", "(c > d)"),
    ]


# -- defect 9: bytes that are not UTF-8 ----------------------------------------


@pytest.mark.parametrize(
    ("source", "where"),
    [
        (
            b"\n/// caf\xe9\nPYX_EXPORT int f(int x) { return x; }\n",
            ":2:1: byte 0xE9 in a /// docstring",
        ),
        (b"\nPYX_EXPORT int f\xe9(int x) { return x; }\n", ":2:16: byte 0xE9"),
        (b"\nPYX_EXPORT int f(int x\xff) { return x; }\n", ":2:22: byte 0xFF"),
        (b'\nPYX_EXPORT int f(const char* s = "\xe9") { return 0; }\n', ":2:"),
    ],
)
def test_non_utf8_is_a_scan_error_naming_the_line(tmp_path, source, where):
    # Used to be SystemError: "returned a result with an exception set".
    message = scan_error(tmp_path, source)
    assert message.startswith(str(tmp_path / "m.cxxpyx") + where)
    assert "not UTF-8" in message


def test_non_utf8_outside_exports_is_left_to_the_compiler(tmp_path):
    result = scan(
        tmp_path,
        b"// caf\xe9\nint g() { return 1; }\n/// d\xc3\xa9j\xc3\xa0\nPYX_EXPORT int f();\n",
    )
    assert result["exports"][0]["doc"] == "déjà"


def test_scan_accepts_paths_that_are_not_utf8(tmp_path):
    import os

    from cxximport import _core

    directory = os.path.join(os.fsencode(tmp_path), b"lat\xe9")
    os.mkdir(directory)
    path = os.path.join(directory, b"m.cxxpyx")
    with open(path, "wb") as f:
        f.write(b"// cxximport: include_dirs = inc\xe9\nPYX_EXPORT int f();\n")
    for arg in (path, os.fsdecode(path)):
        result = _core.scan(arg)
        assert result["exports"][0]["name"] == "f"
        assert os.fsencode(result["directives"]["include_dirs"][0]) == b"inc\xe9"
    with open(path, "wb") as f:
        f.write(b"PYX_EXPORT int f(;\n")
    with pytest.raises(_core.ScanError) as info:
        _core.scan(path)
    assert os.fsencode(info.value.filename) == path


# -- defect 12: reserved export names -------------------------------------------


@pytest.mark.parametrize(
    "name", ["__name__", "__getattr__", "__dict__", "__spec__", "__doc__", "__loader__", "__all__"]
)
def test_dunder_export_names_are_reserved(tmp_path, name):
    message = scan_error(tmp_path, f"\nPYX_EXPORT int {name}(int x) {{ return x; }}\n")
    assert message.startswith(
        f"{tmp_path / 'm.cxxpyx'}:2:16: cannot export a function named '{name}'"
    )
    assert "reserved" in message


# -- defect 13: misreads --------------------------------------------------------


def test_default_on_a_fused_template_parameter(tmp_path):
    result = scan(
        tmp_path, "template <pyx::fused<int, double> T = int>\nPYX_EXPORT T f(T x) { return x; }\n"
    )
    assert result["exports"][0]["fused"] == [{"name": "T", "types": ["int", "double"]}]


def test_keyword_is_not_an_export_name(tmp_path):
    message = scan_error(tmp_path, "PYX_EXPORT inline (int x) { return x; }\n")
    assert message.startswith(f"{tmp_path / 'm.cxxpyx'}:1:12: 'inline' is a C++ keyword")


def test_macro_expanding_to_pyx_export_is_an_error(tmp_path):
    message = scan_error(
        tmp_path, "int a;\n#define EXPORTED PYX_EXPORT\nEXPORTED int f(int x) { return x; }\n"
    )
    assert message.startswith(
        f"{tmp_path / 'm.cxxpyx'}:2:1: macro 'EXPORTED' expands to PYX_EXPORT"
    )
