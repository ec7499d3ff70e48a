"""The meta-path finder: what it finds, what it ignores, what it costs.

No compiler needed: finding never builds.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import sys

import cxximport
import pytest
from cxximport import CxxFinder, CxxLoader


@pytest.fixture
def src(tmp_path):
    d = tmp_path / "src"
    d.mkdir()
    return d


def _touch_dir_mtime(directory, delta_ns):
    st = os.stat(directory)
    os.utime(directory, ns=(st.st_atime_ns, st.st_mtime_ns + delta_ns))


def test_finds_top_level_module_on_path_entry(src):
    (src / "compute.cxxpyx").write_text("")
    finder = CxxFinder()
    spec = finder.find_spec("compute", [str(src)])
    assert spec is not None
    assert spec.name == "compute"
    assert spec.origin == str(src / "compute.cxxpyx")
    assert spec.has_location
    assert isinstance(spec.loader, CxxLoader)
    assert spec.loader.path == spec.origin
    assert spec.loader.is_package("compute") is False
    assert spec.loader.get_source("compute") is None
    assert spec.loader.get_filename("compute") == spec.origin


def test_top_level_names_search_sys_path(src, monkeypatch):
    (src / "kernels.cxxpyx").write_text("")
    monkeypatch.setattr(sys, "path", [str(src)])
    spec = CxxFinder().find_spec("kernels", None)
    assert spec is not None and spec.origin == str(src / "kernels.cxxpyx")


def test_empty_path_entry_means_current_directory(src, monkeypatch):
    (src / "here.cxxpyx").write_text("")
    monkeypatch.chdir(src)
    spec = CxxFinder().find_spec("here", [""])
    assert spec is not None and spec.origin == str(src / "here.cxxpyx")


def test_finds_submodule_in_parent_package_path(src):
    pkg = src / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "kernels.cxxpyx").write_text("")
    finder = CxxFinder()
    spec = finder.find_spec("pkg.kernels", [str(pkg)])
    assert spec is not None
    assert spec.name == "pkg.kernels"
    assert spec.origin == str(pkg / "kernels.cxxpyx")
    # A top-level lookup does not see inside packages.
    assert finder.find_spec("kernels", [str(src)]) is None


def test_first_path_entry_wins(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for d in (first, second):
        d.mkdir()
        (d / "m.cxxpyx").write_text("")
    spec = CxxFinder().find_spec("m", [str(first), str(second)])
    assert spec.origin == str(first / "m.cxxpyx")


def test_ignores_names_that_are_not_cxxpyx_files(src):
    (src / "other.py").write_text("")
    (src / "backup.cxxpyx.bak").write_text("")
    (src / "notes.cxxpyx.txt").write_text("")
    (src / "folder.cxxpyx").mkdir()
    finder = CxxFinder()
    for name in ("other", "backup", "notes", "folder", "missing"):
        assert finder.find_spec(name, [str(src)]) is None


def test_skips_missing_entries_files_and_non_string_entries(src, tmp_path):
    (src / "m.cxxpyx").write_text("")
    archive = tmp_path / "lib.zip"
    archive.write_bytes(b"PK")
    entries = [str(tmp_path / "does-not-exist"), str(archive), b"/bytes", None, str(src)]
    spec = CxxFinder().find_spec("m", entries)
    assert spec is not None and spec.origin == str(src / "m.cxxpyx")


def test_listing_is_refreshed_when_directory_mtime_changes(src):
    finder = CxxFinder()
    assert finder.find_spec("late", [str(src)]) is None
    (src / "late.cxxpyx").write_text("")
    _touch_dir_mtime(src, 1_000_000_000)  # robust against coarse mtimes
    assert finder.find_spec("late", [str(src)]) is not None


def test_listing_is_cached_until_mtime_changes_or_invalidate_caches(src):
    finder = CxxFinder()
    assert finder.find_spec("hidden", [str(src)]) is None
    before = os.stat(src)
    (src / "hidden.cxxpyx").write_text("")
    # Put the directory's mtime back: the cached listing is still believed.
    os.utime(src, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert finder.find_spec("hidden", [str(src)]) is None
    finder.invalidate_caches()
    assert finder.find_spec("hidden", [str(src)]) is not None


def test_importlib_invalidate_caches_reaches_the_installed_finder(src):
    finder = cxximport.install()
    try:
        finder.find_spec("x", [str(src)])
        assert finder._listings
        importlib.invalidate_caches()
        assert not finder._listings
    finally:
        cxximport.uninstall()


def test_unchanged_directories_cost_one_stat_and_no_listdir(src, tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.mkdir()
    entries = [str(src), str(other)]
    finder = CxxFinder()
    finder.find_spec("json_like", entries)  # fills the listings

    calls = {"stat": 0, "listdir": 0}
    real_stat, real_listdir = os.stat, os.listdir

    def counting_stat(*args, **kwargs):
        calls["stat"] += 1
        return real_stat(*args, **kwargs)

    def counting_listdir(*args, **kwargs):
        calls["listdir"] += 1
        return real_listdir(*args, **kwargs)

    monkeypatch.setattr(os, "stat", counting_stat)
    monkeypatch.setattr(os, "listdir", counting_listdir)
    for _ in range(10):
        assert finder.find_spec("json_like", entries) is None
    assert calls == {"stat": 20, "listdir": 0}


def test_install_is_idempotent_and_goes_before_path_finder():
    saved = sys.meta_path[:]
    try:
        first = cxximport.install()
        second = cxximport.install(verbose=True)
        assert first is second
        assert sys.meta_path.count(first) == 1
        assert first.options["verbose"] is True
        assert sys.meta_path.index(first) < sys.meta_path.index(importlib.machinery.PathFinder)
        assert cxximport.installed() is first
    finally:
        cxximport.uninstall()
        sys.meta_path[:] = saved


def test_uninstall_is_idempotent_and_removes_the_finder():
    saved = sys.meta_path[:]
    try:
        finder = cxximport.install()
        cxximport.uninstall()
        cxximport.uninstall()
        assert finder not in sys.meta_path
        assert cxximport.installed() is None
        assert not any(isinstance(f, CxxFinder) for f in sys.meta_path)
    finally:
        sys.meta_path[:] = saved


def test_install_reinserts_a_finder_removed_from_meta_path():
    saved = sys.meta_path[:]
    try:
        finder = cxximport.install()
        sys.meta_path.remove(finder)
        assert cxximport.install() is finder
        assert finder in sys.meta_path
    finally:
        cxximport.uninstall()
        sys.meta_path[:] = saved


def test_install_rejects_unknown_or_mistyped_options():
    with pytest.raises(cxximport.OptionError, match="unknown option 'jbos'"):
        cxximport.install(jbos=4)
    with pytest.raises(cxximport.OptionError, match="'jobs'"):
        cxximport.install(jobs="many")
    with pytest.raises(cxximport.OptionError, match="'build_type'"):
        cxximport.install(build_type="fast")
    assert cxximport.installed() is None


def test_imports_that_are_not_ours_are_unaffected(isolated_import):
    sys.modules.pop("json", None)
    sys.modules.pop("json.decoder", None)
    import json

    assert json.loads("[1]") == [1]
    finder = cxximport.installed()
    assert finder.find_spec("json", None) is None
    assert finder.find_spec("json.decoder", json.__path__) is None
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("surely_no_such_module_cxximport")


def test_import_cxximport_stays_cheap(python):
    proc = python(
        """
        import sys, json
        before = set(sys.modules)
        import cxximport
        cxximport.install()
        heavy = ["numpy", "cxximport._core", "ninja", "logging", "ast", "tomllib"]
        print(json.dumps(sorted(m for m in heavy if m in set(sys.modules) - before)))
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.result == []


def test_module_name_for_follows_enclosing_packages(src):
    pkg = src / "pkg" / "sub"
    pkg.mkdir(parents=True)
    (src / "pkg" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "k.cxxpyx").write_text("")
    (src / "top.cxxpyx").write_text("")
    assert cxximport.module_name_for(str(pkg / "k.cxxpyx")) == "pkg.sub.k"
    assert cxximport.module_name_for(str(src / "top.cxxpyx")) == "top"
