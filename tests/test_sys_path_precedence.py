"""Defect 8 of issue 14 and point 9 of issue 16: a .cxxpyx takes its place in
sys.path order (the standard library and anything found earlier win), ranks
after the .py files, packages and extensions of its own directory (with one
warning), and never becomes one of cxximport's own imports during a build."""

from __future__ import annotations

import warnings

from conftest import needs_core

RUN = """
import json, sys, warnings
warnings.simplefilter("always")
sys.path[:0] = {front!r}
sys.path.extend({back!r})
import cxximport
cxximport.install(lock_timeout=20)
out = {{}}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for name in {names!r}:
        try:
            m = __import__(name)
            out[name] = {{"file": getattr(m, "__file__", None), "cxx": hasattr(m, "__cxxpyx__")}}
        except BaseException as e:
            out[name] = {{"error": type(e).__name__, "message": str(e)[:300]}}
out["warnings"] = [str(w.message) for w in caught if "cxximport" in str(w.message)]
print(json.dumps(out))
"""

STRAY = "PYX_EXPORT int value() { return 1; }\n"


def _run(python, names, front=(), back=(), timeout=240):
    code = RUN.format(front=[str(p) for p in front], back=[str(p) for p in back], names=list(names))
    proc = python(code, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return proc.result


def test_the_standard_library_wins_over_a_cxxpyx_later_on_sys_path(tmp_path, cache_dir, python):
    stray = tmp_path / "stray"
    stray.mkdir()
    for name in ("fractions", "ast", "numpy"):
        (stray / f"{name}.cxxpyx").write_text(STRAY)
    out = _run(python, ["fractions", "ast", "numpy"], back=[stray])
    for name in ("fractions", "ast", "numpy"):
        assert out[name].get("cxx") is False, out[name]
        assert not out[name]["file"].startswith(str(stray))
    assert not list(cache_dir.glob("v1/entries/*"))  # nothing was built


@needs_core
def test_a_stray_module_named_like_one_the_build_imports_neither_hangs_nor_recurses(
    tmp_path, cache_dir, python
):
    """logging.cxxpyx first on sys.path: importing it builds it, and the build's
    own `import logging` must get the standard library's, not a second build
    of logging.cxxpyx waiting for the lock the first one holds."""
    front = tmp_path / "front"
    front.mkdir()
    (front / "logging.cxxpyx").write_text(STRAY)
    out = _run(python, ["logging"], front=[front], timeout=120)
    assert out["logging"].get("cxx") is True, out[
        "logging"
    ]  # first on sys.path: ours, like a logging.py


@needs_core
def test_a_stray_numpy_first_on_sys_path_does_not_recurse(tmp_path, cache_dir, python):
    front = tmp_path / "front"
    front.mkdir()
    (front / "numpy.cxxpyx").write_text(STRAY)
    out = _run(python, ["numpy"], front=[front], timeout=120)
    assert out["numpy"].get("error") != "RecursionError", out["numpy"]


def test_order_follows_sys_path_both_ways(tmp_path, cache_dir, python):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "order_py.py").write_text("")
    (b / "order_py.cxxpyx").write_text(STRAY)
    (a / "order_pkg").mkdir()
    (a / "order_pkg" / "__init__.py").write_text("")
    (b / "order_pkg.cxxpyx").write_text(STRAY)
    out = _run(python, ["order_py", "order_pkg"], front=[a, b])
    assert out["order_py"]["file"] == str(a / "order_py.py")
    assert out["order_pkg"]["file"] == str(a / "order_pkg" / "__init__.py")
    assert out["warnings"] == []


@needs_core
def test_an_earlier_cxxpyx_wins_over_a_later_py(tmp_path, cache_dir, python):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "order_first.cxxpyx").write_text(STRAY)
    (b / "order_first.py").write_text("")
    out = _run(python, ["order_first"], front=[a, b])
    assert out["order_first"]["cxx"] is True


def test_in_one_directory_the_cxxpyx_wins_with_one_warning(tmp_path):
    import cxximport

    d = tmp_path / "same"
    d.mkdir()
    (d / "samedir.cxxpyx").write_text(STRAY)
    (d / "samedir.py").write_text("")
    finder = cxximport.CxxFinder()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            spec = finder.find_spec("samedir", [str(d)])
            assert spec is not None and spec.origin == str(d / "samedir.cxxpyx")
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages
    assert str(d / "samedir.cxxpyx") in messages[0] and str(d / "samedir.py") in messages[0]
    assert "ignored" in messages[0]


def test_a_namespace_directory_does_not_hide_a_cxxpyx(tmp_path):
    import cxximport

    a, b = tmp_path / "a", tmp_path / "b"
    (a / "nsname").mkdir(parents=True)  # no __init__.py: a namespace portion
    b.mkdir()
    (b / "nsname.cxxpyx").write_text(STRAY)
    spec = cxximport.CxxFinder().find_spec("nsname", [str(a), str(b)])
    assert spec is not None and spec.origin == str(b / "nsname.cxxpyx")


def test_the_cxxpyx_wins_over_a_stale_extension_module_beside_it(tmp_path):
    import importlib.machinery

    import cxximport

    d = tmp_path / "ext"
    d.mkdir()
    (d / "samext.cxxpyx").write_text(STRAY)
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    (d / f"samext{suffix}").write_bytes(b"")  # found (never loaded) by the path-based finder
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spec = cxximport.CxxFinder().find_spec("samext", [str(d)])
    assert spec is not None and spec.origin == str(d / "samext.cxxpyx")
    assert [str(w.message) for w in caught if f"samext{suffix}" in str(w.message)]


def test_the_finder_costs_nothing_more_for_names_that_are_not_ours(tmp_path, monkeypatch):
    """The standard finder is consulted only for names with a .cxxpyx."""
    import importlib.machinery

    import cxximport

    calls = []
    real = importlib.machinery.PathFinder.find_spec
    monkeypatch.setattr(
        importlib.machinery.PathFinder,
        "find_spec",
        classmethod(lambda cls, *a, **k: calls.append(a) or real(*a, **k)),
    )
    d = tmp_path / "cheap"
    d.mkdir()
    (d / "cheap_mod.cxxpyx").write_text(STRAY)
    finder = cxximport.CxxFinder()
    assert finder.find_spec("json_not_ours", [str(d)]) is None
    assert calls == []
    assert finder.find_spec("cheap_mod", [str(d)]) is not None
    assert len(calls) == 2
