"""`cxximport cache list|info|clean|prune`, run as a user would (a new
process), on a cache of three real entries. The entries are built once per
test process and copied into each test's own cache directory."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from conftest import needs_core

pytestmark = needs_core

MODULES = ("alpha", "beta", "gamma")
DAY = 86400


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> dict:
    """A cache holding alpha, beta and gamma (built once), plus one hit."""
    from cxximport import _loader

    base = tmp_path_factory.mktemp("cache-cli")
    src, root = base / "src", base / "cache"
    src.mkdir()
    results = {}
    for i, name in enumerate(MODULES):
        source = src / f"{name}.cxxpyx"
        source.write_text(f"PYX_EXPORT int value() {{ return {i}; }}\n")
        results[name] = _loader.build(str(source), name, {"cache_dir": str(root)})
    _loader.build(str(src / "alpha.cxxpyx"), "alpha", {"cache_dir": str(root)})  # a hit
    return {"root": root, "src": src, "results": results}


@pytest.fixture
def cache(template, cache_dir: Path) -> dict:
    """This test's copy of the template cache, at $CXXIMPORT_CACHE_DIR."""
    shutil.copytree(template["root"], cache_dir, symlinks=True)
    entries = {
        name: cache_dir / Path(r["entry_dir"]).relative_to(template["root"])
        for name, r in template["results"].items()
    }
    return {**template, "root": cache_dir, "entries": entries}


def _ok(proc) -> str:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _listed(cli) -> set[str]:
    out = _ok(cli("cache", "list"))
    return {line.split()[0] for line in out.splitlines()[2:] if line.strip()}


def _age(entry: Path, days: float) -> None:
    """Sets an entry's last use (its variant directory's mtime) days ago."""
    when = time.time() - days * DAY
    os.utime(entry, (when, when))


@pytest.mark.parametrize(
    "words, expected",
    [
        (("cache",), "list"),
        (("cache", "list"), "--cache-dir"),
        (("cache", "info"), "--cache-dir"),
        (("cache", "clean"), "module"),
        (("cache", "prune"), "--older-than"),
    ],
)
def test_each_cache_command_has_help(cli, words, expected):
    out = _ok(cli(*words, "--help"))
    assert out.startswith("usage: ") and expected in out
    if words[-1] == "prune":
        assert "--max-size" in out


def test_list_shows_module_source_key_size_and_last_use(cli, cache):
    out = _ok(cli("cache", "list"))
    header, rule, *rows = out.splitlines()
    assert header.split() == ["MODULE", "SIZE", "CREATED", "LAST", "USED", "KEY", "SOURCE"]
    assert set(rule) <= {"-", " "}
    assert len(rows) == 3
    from cxximport import _core

    for entry, row in zip(
        sorted(_core.cache_list(str(cache["root"])), key=lambda e: e["module"]), rows, strict=True
    ):
        cells = row.split()
        assert cells[0] == entry["module"]
        assert entry["key"][:12] in cells and entry["source"] == cells[-1]
        assert re.fullmatch(r"\d+\.\d [kM]B", " ".join(cells[1:3]))
        used = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry["last_used"]))
        assert used in row


def test_list_of_an_empty_cache_says_so(cli, cache_dir):
    out = _ok(cli("cache", "list"))
    assert "no entries" in out and str(cache_dir) in out


def test_info_shows_location_entries_size_and_counters(cli, cache):
    out = _ok(cli("cache", "info"))
    fields = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in out.splitlines())
    assert fields["location"] == str(cache["root"])
    assert fields["entries"] == "3"
    assert re.fullmatch(r"\d+\.\d [kM]B", fields["size"])
    assert (fields["hits"], fields["misses"], fields["builds"], fields["failed builds"]) == (
        "1",
        "3",
        "3",
        "0",
    )


def test_clean_one_module_removes_only_its_entries(cli, cache):
    out = _ok(cli("cache", "clean", "beta"))
    assert out.startswith("removed 1 entries")
    assert _listed(cli) == {"alpha", "gamma"}
    assert not cache["entries"]["beta"].exists()


def test_clean_removes_everything_and_keeps_the_counters(cli, cache):
    out = _ok(cli("cache", "clean"))
    assert out.startswith("removed 3 entries")
    assert "no entries" in _ok(cli("cache", "list"))
    info = _ok(cli("cache", "info"))
    assert re.search(r"^builds\s+3$", info, re.M) and re.search(r"^entries\s+0$", info, re.M)


def test_prune_older_than_removes_the_entries_not_used_since(cli, cache):
    entries = cache["entries"]
    _age(entries["alpha"], 10)
    _age(entries["beta"], 3)
    _age(entries["gamma"], 0)
    out = _ok(cli("cache", "prune", "--older-than", "5d"))
    assert out.startswith("removed 1 entries") and "kept 2 entries" in out
    assert _listed(cli) == {"beta", "gamma"}
    out = _ok(cli("cache", "prune", "--older-than", "36h"))
    assert out.startswith("removed 1 entries")
    assert _listed(cli) == {"gamma"}


def test_prune_max_size_removes_least_recently_used_first(cli, cache):
    from cxximport import _core

    entries = cache["entries"]
    _age(entries["alpha"], 1)  # most recently used of the three
    _age(entries["beta"], 3)  # least recently used
    _age(entries["gamma"], 2)
    sizes = {e["module"]: e["size"] for e in _core.cache_list(str(cache["root"]))}
    # Room for two entries: the least recently used one goes.
    room = sizes["alpha"] + sizes["gamma"]
    out = _ok(cli("cache", "prune", "--max-size", str(room)))
    assert out.startswith("removed 1 entries")
    assert _listed(cli) == {"alpha", "gamma"}
    # Room for one (in KiB, rounded up): gamma, now the least recently used, goes.
    kib = -(-sizes["alpha"] // 1024)
    out = _ok(cli("cache", "prune", "--max-size", f"{kib}Ki"))
    assert out.startswith("removed 1 entries")
    assert _listed(cli) == {"alpha"}


def test_prune_with_both_limits_applies_age_then_size(cli, cache):
    from cxximport import _core

    entries = cache["entries"]
    _age(entries["alpha"], 40)
    _age(entries["beta"], 2)
    _age(entries["gamma"], 1)
    size = max(e["size"] for e in _core.cache_list(str(cache["root"])))
    out = _ok(cli("cache", "prune", "--older-than", "30d", "--max-size", f"{size}B"))
    assert out.startswith("removed 2 entries")
    assert _listed(cli) == {"gamma"}


@pytest.mark.parametrize(
    "args, message",
    [
        (("--max-size", "lots"), "not a size"),
        (("--max-size", "0"), "must be positive"),
        (("--older-than", "soon"), "not a duration"),
        (("--older-than", "0"), "at least 1 s"),
        ((), "--max-size and/or --older-than"),
    ],
)
def test_prune_rejects_bad_limits_with_a_message(cli, cache_dir, args, message):
    proc = cli("cache", "prune", *args)
    assert proc.returncode != 0
    assert message in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "text, expected",
    [
        ("123", 123),
        ("123B", 123),
        ("10k", 10_000),
        ("500M", 500_000_000),
        ("500MB", 500_000_000),
        ("1.5G", 1_500_000_000),
        ("2T", 2 * 10**12),
        ("10Ki", 10 * 1024),
        ("500Mi", 500 * 1024**2),
        ("2GiB", 2 * 1024**3),
    ],
)
def test_sizes_are_read_as_documented(text, expected):
    from cxximport.commands.cache import parse_size as _parse_size

    assert _parse_size(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("90", 90), ("90s", 90), ("15m", 900), ("12h", 43200), ("1.5d", 129600), ("2w", 1209600)],
)
def test_ages_are_whole_seconds(text, expected):
    from cxximport.commands.cache import parse_age as _parse_age

    assert _parse_age(text) == expected and isinstance(_parse_age(text), int)
