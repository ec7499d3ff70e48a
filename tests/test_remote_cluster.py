"""A real distributed engine: a Dask LocalCluster of 4 worker processes, each
with its own local cache root (nothing shared but the remote store), imports
the same uncached module at the same moment. Exactly one compile happens in
the whole cluster (the caches' `build` counters and the store's upload count
say so) and all four load the same module (docs/cluster.md)."""

from __future__ import annotations

import hashlib
import time

import pytest
from conftest import needs_core
from remote_servers import nginx_puts, nginx_server, redis_server

pytestmark = needs_core
distributed = pytest.importorskip("distributed")

WORKERS = 4


@pytest.fixture(scope="module")
def client():
    import dask

    with dask.config.set({"distributed.worker.daemon": False, "logging.distributed": "error"}):
        cluster = distributed.LocalCluster(
            n_workers=WORKERS,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
            silence_logs=50,
        )
        with cluster, distributed.Client(cluster) as c:
            c.wait_for_workers(WORKERS, timeout=60)
            yield c


def work(src: str, name: str, cache_root: str, url: str, start_at: float) -> dict:
    """One worker: its own cache root; imports name at start_at (wall clock)."""
    import importlib
    import os
    import sys
    import time

    sys.path.insert(0, src)
    import cxximport

    cxximport.install(
        cache_dir=cache_root,
        remote_cache=url,
        remote_cache_mode="readwrite",
        remote_cache_trusted=True,
        remote_lease_ttl=5,
    )
    while time.time() < start_at:
        time.sleep(0.002)
    module = importlib.import_module(name)
    stats = {}
    path = os.path.join(cache_root, "v1", "stats")
    if os.path.exists(path):
        with open(path) as f:
            stats = {k: int(v) for k, v in (line.split() for line in f)}
    state = module.__spec__.loader_state
    with open(state["so_path"], "rb") as f:
        so = f.read()
    return {
        "pid": os.getpid(),
        "value": module.square(12),
        "key": state["key"],
        "so_sha256": hashlib.sha256(so).hexdigest(),
        "stats": stats,
    }


def run_cluster(client, tmp_path, url: str, tag: str) -> list[dict]:
    src = tmp_path / "src"
    src.mkdir()
    name = f"cluster_square_{tag}"
    (src / f"{name}.cxxpyx").write_text(
        f"// {tag} {tmp_path}\nPYX_EXPORT long long square(long long x) {{ return x * x; }}\n"
    )
    workers = sorted(client.scheduler_info()["workers"])
    assert len(workers) == WORKERS
    start_at = time.time() + 1.0
    futures = [
        client.submit(
            work,
            str(src),
            name,
            str(tmp_path / f"worker-{i}"),
            url,
            start_at,
            workers=[w],
            allow_other_workers=False,
            pure=False,
        )
        for i, w in enumerate(workers)
    ]
    results = client.gather(futures, errors="raise")
    assert len({r["pid"] for r in results}) == WORKERS  # four processes
    assert [r["value"] for r in results] == [144] * WORKERS
    assert len({r["key"] for r in results}) == 1
    assert len({r["so_sha256"] for r in results}) == 1  # the same module everywhere
    builds = sum(r["stats"].get("build", 0) for r in results)
    assert builds == 1, [r["stats"] for r in results]  # one compile, cluster-wide
    assert sum(r["stats"].get("remote_hit", 0) for r in results) == WORKERS - 1
    assert sum(r["stats"].get("remote_upload", 0) for r in results) == 1
    return results


def test_four_dask_workers_compile_once_through_redis(client, tmp_path):
    import redis

    with redis_server(tmp_path / "redis") as server:
        results = run_cluster(client, tmp_path, server.url, "redis")
        r = redis.Redis(host="127.0.0.1", port=server.port)
        assert int(r.hget("cxximport:v1:stats", "upload")) == 1
        assert int(r.hget("cxximport:v1:stats", "hit")) == WORKERS - 1
        assert len(list(r.scan_iter("cxximport:v1:entry:*"))) == 1
        assert not list(r.scan_iter("cxximport:v1:lease:*"))  # released
    print(results)


def test_four_dask_workers_compile_once_through_http(client, tmp_path):
    with nginx_server(tmp_path / "nginx") as server:
        results = run_cluster(client, tmp_path, server.url, "http")
        key = results[0]["key"]
        assert len([line for line in nginx_puts(server) if key in line]) == 1
        assert len(nginx_puts(server, "leases")) == 1  # one lease created, by one worker
    print(results)
