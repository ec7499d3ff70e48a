"""`cxximport` / `python -m cxximport`: every subcommand, in a new process."""

from __future__ import annotations

import pytest
from conftest import has_core, needs_core

SUBCOMMANDS = [
    ["demo"],
    ["build"],
    ["show"],
    ["doctor"],
    ["cache"],
    ["cache", "list"],
    ["cache", "info"],
    ["cache", "clean"],
    ["cache", "prune"],
]

GOOD = "PYX_EXPORT int twice(int x) { return 2 * x; }\n"
BAD = "PYX_EXPORT int oops(int x) { return x }\n"


@pytest.mark.parametrize("words", SUBCOMMANDS, ids=" ".join)
def test_every_subcommand_has_help(cli, words):
    proc = cli(*words, "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: cxximport " + " ".join(words))


def test_no_subcommand_prints_help_and_fails(cli):
    proc = cli()
    assert proc.returncode == 2
    assert "demo" in proc.stdout and "doctor" in proc.stdout


def test_doctor_reports_every_check(cli, cache_dir):
    proc = cli("doctor")
    out = proc.stdout
    for check in (
        "C++ compiler",
        "OpenMP",
        "ninja",
        "NumPy headers",
        "Python headers",
        "cache directory",
        "core extension",
    ):
        assert check in out
    # This machine has what the suite needs, so the doctor must agree.
    assert proc.returncode == (0 if has_core() else 1), out
    assert "all checks passed" in out or not has_core()


def test_doctor_fails_with_a_fix_when_the_compiler_is_missing(cli, cache_dir):
    proc = cli("doctor", env={"CXX": "no-such-compiler-cxximport"})
    assert proc.returncode == 1
    assert "FAIL  C++ compiler" in proc.stdout
    assert "fix:" in proc.stdout


def test_doctor_flags_a_cache_dir_writable_by_others(cli, cache_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    cache_dir.mkdir(mode=0o777)
    cache_dir.chmod(0o777)
    proc = cli("doctor")
    # Imports refuse it and use the private fallback: a warning, not a failure.
    assert "WARN  cache directory" in proc.stdout and "imports use the private cache" in proc.stdout
    assert "FAIL  cache directory" not in proc.stdout


@needs_core
def test_build_builds_every_file_and_lists_every_failure(cli, cache_dir, tmp_path):
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "good.cxxpyx").write_text(GOOD)
    (tree / "sub" / "bad.cxxpyx").write_text(BAD)
    (tree / "sub" / "also_bad.cxxpyx").write_text(BAD)
    proc = cli("build", str(tree))
    assert proc.returncode == 1
    assert "[1/3]" in proc.stdout and "[3/3]" in proc.stdout
    assert "2 of 3 failed" in proc.stderr
    assert "bad.cxxpyx" in proc.stderr and "also_bad.cxxpyx" in proc.stderr

    again = cli("build", str(tree / "good.cxxpyx"))
    assert again.returncode == 0, again.stderr
    assert "cached" in again.stdout


def test_build_fails_on_a_missing_path(cli, cache_dir, tmp_path):
    proc = cli("build", str(tmp_path / "nothing-here"))
    assert proc.returncode == 1
    assert "no such file or directory" in proc.stderr


@needs_core
def test_show_prints_generated_module_and_build_log(cli, cache_dir, tmp_path):
    source = tmp_path / "shown.cxxpyx"
    source.write_text(GOOD)
    built = cli("build", str(source))
    assert built.returncode == 0, built.stderr
    proc = cli("show", str(source))
    assert proc.returncode == 0, proc.stderr
    assert "module.cpp" in proc.stdout
    assert "twice" in proc.stdout
    assert "build log" in proc.stdout

    by_name = cli("show", "shown", cwd=tmp_path)
    assert by_name.returncode == 0, by_name.stderr
    assert "module.cpp" in by_name.stdout


@needs_core
def test_show_of_an_unbuilt_module_shows_what_would_be_generated(cli, cache_dir, tmp_path):
    source = tmp_path / "fresh.cxxpyx"
    source.write_text(GOOD)
    proc = cli("show", str(source))
    assert proc.returncode == 0, proc.stderr
    assert "not in the cache" in proc.stdout
    assert "twice" in proc.stdout


def test_show_of_an_unknown_module_fails(cli, cache_dir, tmp_path):
    proc = cli("show", "no_such_module_anywhere", cwd=tmp_path)
    assert proc.returncode != 0
    assert "no_such_module_anywhere.cxxpyx" in proc.stderr


def _core_has(name):
    if not has_core():
        return False
    import cxximport._core as core

    return hasattr(core, name)


@pytest.mark.skipif(not _core_has("cache_info"), reason="cache administration not in _core yet")
def test_cache_info_and_list_after_a_build(cli, cache_dir, tmp_path):
    source = tmp_path / "listed.cxxpyx"
    source.write_text(GOOD)
    assert cli("build", str(source)).returncode == 0
    info = cli("cache", "info")
    assert info.returncode == 0, info.stderr
    assert str(cache_dir) in info.stdout and "entries" in info.stdout
    listing = cli("cache", "list")
    assert listing.returncode == 0, listing.stderr
    assert "listed" in listing.stdout and "MODULE" in listing.stdout
    cleaned = cli("cache", "clean")
    assert cleaned.returncode == 0, cleaned.stderr
    assert "removed 1 entries" in cleaned.stdout


def test_cache_prune_needs_a_limit(cli, cache_dir):
    proc = cli("cache", "prune")
    assert proc.returncode != 0


def test_cache_prune_rejects_a_bad_size(cli, cache_dir):
    proc = cli("cache", "prune", "--max-size", "lots")
    assert proc.returncode == 2
    assert "not a size" in proc.stderr
