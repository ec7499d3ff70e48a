"""`cxximport build PATHS...`: many modules in one ninja run (``_core.build_many``)."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from conftest import needs_core

pytestmark = needs_core

GOOD = "PYX_EXPORT int add_{name}(int x) {{ return x + {n}; }}\n"
BROKEN = "PYX_EXPORT int broken(int x) {\n    return undefined_name + x;\n}\n"

# A launcher that logs when each compile starts and ends (to see -j at work).
LAUNCHER = """#!/bin/sh
echo "start $(date +%s.%N)" >> "{log}"
"$@"; rc=$?
echo "end $(date +%s.%N)" >> "{log}"
exit $rc
"""


def make_tree(root: Path) -> Path:
    """Five modules: three plain ones, one in a package, one broken."""
    tree = root / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "__init__.py").touch()
    for n, name in enumerate(("alpha", "beta", "gamma"), 1):
        (tree / f"{name}.cxxpyx").write_text(GOOD.format(name=name, n=n))
    (tree / "pkg" / "kernels.cxxpyx").write_text(GOOD.format(name="kernel", n=10))
    (tree / "broken.cxxpyx").write_text(BROKEN)
    return tree


def launcher(tmp_path: Path, name: str) -> tuple[Path, Path]:
    log = tmp_path / f"{name}.log"
    script = tmp_path / f"{name}.sh"
    script.write_text(LAUNCHER.format(log=log))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


def max_overlap(log: Path) -> int:
    events = []
    for line in log.read_text().splitlines():
        kind, when = line.split()
        events.append((float(when), 1 if kind == "start" else -1))
    running = peak = 0
    for _, delta in sorted(events, key=lambda e: (e[0], e[1])):
        running += delta
        peak = max(peak, running)
    return peak


def builds(cache_dir: Path) -> int:
    """The cache's own count of builds (v1/stats: "name value" lines)."""
    stats = dict(line.split() for line in (cache_dir / "v1" / "stats").read_text().splitlines())
    return int(stats.get("build", 0))


def test_one_ninja_run_builds_the_good_modules_and_reports_the_broken_one(
    cli, python, cache_dir, tmp_path
):
    tree = make_tree(tmp_path)
    script, log = launcher(tmp_path, "compiles")
    proc = cli("build", str(tree), "-j", "2", env={"CXXIMPORT_COMPILER_LAUNCHER": str(script)})
    assert proc.returncode == 1, proc.stdout + proc.stderr

    # One ninja run: every status line counts towards the same total, the
    # edges of all five modules (5 compiles + 4 links; the broken one never links).
    status = re.findall(r"^\[(\d+)/(\d+)\] (CXX|LINK) (\S+)$", proc.stdout, re.M)
    assert {total for _, total, _, _ in status} == {"10"}, proc.stdout
    assert {(verb, name) for _, _, verb, name in status} == {
        *(("CXX", m) for m in ("alpha", "beta", "gamma", "pkg.kernels", "broken")),
        *(("LINK", m) for m in ("alpha", "beta", "gamma", "pkg.kernels")),
    }
    assert "5 modules: 4 built, 0 cached, 1 failed" in proc.stdout
    assert re.search(r"^\[\d/5\] FAILED +broken ", proc.stdout, re.M)
    # The broken module's error, at its line in the .cxxpyx; nothing of the others.
    assert "1 of 5 failed" in proc.stderr
    assert "broken.cxxpyx:2:" in proc.stderr and "undefined_name" in proc.stderr
    assert "alpha" not in proc.stderr
    # In parallel: the launcher saw two compiles at once.
    assert max_overlap(log) == 2

    # Afterwards every good module is a cache hit: imports work with building
    # disabled, and the cache counted no further build.
    before = builds(cache_dir)
    assert before == 4
    proc = python(
        """
        import json, sys, cxximport
        cxximport.install()
        import alpha, beta, gamma, pkg.kernels
        k = pkg.kernels
        a, b, g = alpha.add_alpha(1), beta.add_beta(1), gamma.add_gamma(1)
        print(json.dumps([a, b, g, k.add_kernel(1)]))
        """,
        cwd=tree,
        env={"CXXIMPORT_NO_BUILD": "1"},
    )
    assert proc.result == [2, 3, 4, 11], proc.stderr
    assert builds(cache_dir) == before


def test_jobs_one_compiles_one_at_a_time(cli, cache_dir, tmp_path):
    tree = make_tree(tmp_path)
    (tree / "broken.cxxpyx").unlink()
    script, log = launcher(tmp_path, "serial")
    proc = cli("build", str(tree), "-j", "1", env={"CXXIMPORT_COMPILER_LAUNCHER": str(script)})
    assert proc.returncode == 0, proc.stderr
    assert "(-j 1)" in proc.stdout
    assert max_overlap(log) == 1
    # A start and an end per compile; links run without the launcher.
    assert len(log.read_text().splitlines()) == 2 * 4

    again = cli("build", str(tree), env={"CXXIMPORT_JOBS": "3"})
    assert again.returncode == 0, again.stderr
    assert "4 modules: 0 built, 4 cached, 0 failed" in again.stdout
    assert "(-j 3)" in again.stdout
    assert "CXX" not in again.stdout  # nothing to run


def test_build_names_package_modules_as_import_will(cli, python, cache_dir, tmp_path):
    """`cxximport build pkg/` prebuilds what `import pkg.kernels` looks up:
    the module name is part of the key."""
    tree = make_tree(tmp_path)
    proc = cli("build", str(tree / "pkg"))
    assert proc.returncode == 0, proc.stderr
    assert "pkg.kernels" in proc.stdout
    proc = python(
        "import json, cxximport; cxximport.install(); import pkg.kernels;"
        "print(json.dumps(pkg.kernels.add_kernel(2)))",
        cwd=tree,
        env={"CXXIMPORT_NO_BUILD": "1"},
    )
    assert proc.result == 12, proc.stderr


def test_build_many_api_returns_a_result_or_an_error_per_item(cache_dir, tmp_path):
    import cxximport._core as core
    from cxximport import _options

    tree = make_tree(tmp_path)
    items = []
    for path, name in ((tree / "alpha.cxxpyx", "alpha"), (tree / "broken.cxxpyx", "broken")):
        options = _options.resolve(str(path))
        options.pop("progress")
        items.append((str(path), name, options))
    events = []
    results = core.build_many(
        items, {"jobs": 2, "progress": lambda kind, msg: events.append((kind, msg))}
    )
    assert [r["module"] for r in results] == ["alpha", "broken"]
    assert results[0]["built"] is True and Path(results[0]["so_path"]).is_file()
    error = results[1]
    assert error["error"] == "compile"
    assert "undefined_name" in error["log"] and "alpha" not in error["log"]
    assert error["command"] and Path(error["log_path"]).is_file()
    assert any(kind == "progress" and msg.startswith("[") for kind, msg in events)
    assert core.default_jobs() >= 1
    with pytest.raises(TypeError):
        core.build_many([("only-one",)], {})
