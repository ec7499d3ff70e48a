"""A cluster on one machine: many processes sharing one cache root, as nodes
share a cache directory on a network filesystem (docs/cluster.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from conftest import needs_core

pytestmark = needs_core

WORKERS = 8
SOURCE = "PYX_EXPORT long long square(long long x) { return x * x; }\n"

# A worker: waits for the starting gun, then imports the module.
WORKER = """
import json, os, sys, time
go = {go!r}
while not os.path.exists(go):
    time.sleep(0.005)
sys.path.insert(0, {src!r})
import cxximport
cxximport.install()
try:
    import {name} as m
    print(json.dumps({{"pid": os.getpid(), "value": m.square(12)}}))
except ImportError as e:
    print(json.dumps({{"pid": os.getpid(), "error": type(e).__name__, "message": str(e)}}))
"""


def stats(cache: Path) -> dict[str, int]:
    path = cache / "v1" / "stats"
    return {k: int(v) for k, v in (line.split() for line in path.read_text().splitlines())}


def run_workers(n: int, src: Path, name: str, tmp_path: Path, env: dict) -> list[dict]:
    go = tmp_path / f"go-{name}-{time.monotonic_ns()}"
    code = textwrap.dedent(WORKER.format(go=str(go), src=str(src), name=name))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    time.sleep(0.5)  # let every interpreter start and wait at the gun
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_many_processes_one_shared_cache_one_compile(cache_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "shared_square.cxxpyx").write_text(SOURCE)
    shared = tmp_path / "shared-cache"  # the "network" cache every node uses
    env = {"CXXIMPORT_CACHE_DIR": str(shared)}

    results = run_workers(WORKERS, src, "shared_square", tmp_path, env)
    assert [r.get("value") for r in results] == [144] * WORKERS, results
    assert len({r["pid"] for r in results}) == WORKERS
    counts = stats(shared)
    assert counts["build"] == 1, counts  # exactly one compile
    assert counts.get("build_failed", 0) == 0

    # Workers that must not compile: CXXIMPORT_NO_BUILD=1 loads from the cache.
    no_build = {**env, "CXXIMPORT_NO_BUILD": "1"}
    results = run_workers(4, src, "shared_square", tmp_path, no_build)
    assert [r.get("value") for r in results] == [144] * 4, results
    assert stats(shared)["build"] == 1

    # The key includes the compiler's identity: a worker without that compiler
    # cannot look entries up, and says so (docs/cluster.md).
    (result,) = run_workers(1, src, "shared_square", tmp_path, {**no_build, "CXX": "/nope/c++"})
    assert result["error"] == "NotCachedError", result


def test_no_build_worker_gets_a_clear_import_error_for_an_unbuilt_module(cache_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "never_built.cxxpyx").write_text(SOURCE)
    shared = tmp_path / "shared-cache"
    env = {"CXXIMPORT_CACHE_DIR": str(shared), "CXXIMPORT_NO_BUILD": "1"}
    (result,) = run_workers(1, src, "never_built", tmp_path, env)
    assert result["error"] == "NotCachedError", result
    assert "never_built" in result["message"]
    assert "cxximport build" in result["message"]  # says what to do
    assert not (shared / "v1" / "entries").exists() or not any(
        (shared / "v1" / "entries").iterdir()
    )


def test_prebuild_step_then_workers_load_without_building(cli, cache_dir, tmp_path):
    """The job script of docs/cluster.md: `cxximport build` once, then workers
    with CXXIMPORT_NO_BUILD=1."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "prebuilt_square.cxxpyx").write_text(SOURCE)
    shared = tmp_path / "shared-cache"
    proc = cli("build", str(src), "--cache-dir", str(shared))
    assert proc.returncode == 0, proc.stderr
    env = {"CXXIMPORT_CACHE_DIR": str(shared), "CXXIMPORT_NO_BUILD": "1"}
    results = run_workers(WORKERS, src, "prebuilt_square", tmp_path, env)
    assert [r.get("value") for r in results] == [144] * WORKERS, results
    assert stats(shared)["build"] == 1
