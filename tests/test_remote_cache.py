"""The remote module cache (docs/cache.md, "Remote cache") against real
servers started here: redis-server and nginx (WebDAV PUT), with faults
injected by stopping them, by a proxy that truncates or delays, by flipped
bytes and by wrong keys. Every import runs in a fresh process, so
per-process state (warnings, a store marked down) is what a user gets."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from conftest import needs_core
from remote_servers import FaultProxy, nginx_puts, nginx_server, redis_server

pytestmark = needs_core

IMPORT = """
import json, os, sys, time
sys.path.insert(0, {src!r})
import cxximport
cxximport.install()
t0 = time.monotonic()
try:
    import {name} as m
    out = {{"value": m.square(12), "state": m.__spec__.loader_state}}
except ImportError as e:
    out = {{"error": type(e).__name__, "message": str(e)}}
out["seconds"] = time.monotonic() - t0
print(json.dumps(out))
"""


def source_text(tag: str) -> str:
    # A distinct comment is a distinct key: every test has its own entries.
    return f"// {tag}\nPYX_EXPORT long long square(long long x) {{ return x * x; }}\n"


def run_import(src: Path, name: str, cache: Path, env: dict, timeout: float = 120):
    full = {k: v for k, v in os.environ.items() if not k.startswith("CXXIMPORT_")}
    full.update({"CXXIMPORT_CACHE_DIR": str(cache)}, **env)
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(IMPORT.format(src=str(src), name=name))],
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


def stats(cache: Path) -> dict[str, int]:
    path = cache / "v1" / "stats"
    if not path.exists():
        return {}
    return {k: int(v) for k, v in (line.split() for line in path.read_text().splitlines())}


@pytest.fixture(scope="module")
def redis_srv(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def nginx_srv(tmp_path_factory):
    with nginx_server(tmp_path_factory.mktemp("nginx")) as server:
        yield server


@pytest.fixture
def module(tmp_path, request):
    """(src, name): a module whose key no other test uses."""
    src = tmp_path / "src"
    src.mkdir()
    name = "rsq_" + request.node.name.replace("[", "_").replace("]", "").replace("-", "_")
    (src / f"{name}.cxxpyx").write_text(source_text(f"{request.node.nodeid} {tmp_path}"))
    return src, name


def rw(url: str, **extra) -> dict:
    return {
        "CXXIMPORT_REMOTE_CACHE": url,
        "CXXIMPORT_REMOTE_CACHE_MODE": "readwrite",
        "CXXIMPORT_REMOTE_TRUST": "1",
        **extra,
    }


def redis_client(server):
    import redis  # redis-py: an independent client checks what ours wrote

    return redis.Redis(host="127.0.0.1", port=server.port, db=0)


def entry_keys(server) -> list[bytes]:
    return sorted(redis_client(server).scan_iter("cxximport:v1:entry:*"))


def key_file(tmp_path: Path, content: bytes = b"k" * 32, mode: int = 0o600) -> Path:
    path = tmp_path / f"key-{mode:o}-{content[:4].hex()}"
    path.write_bytes(content)
    path.chmod(mode)
    return path


# ------------------------------------------------------------------ hits


@pytest.mark.parametrize("store", ["redis", "http", "file"])
def test_a_remote_hit_is_installed_into_the_local_cache_without_compiling(
    store, module, tmp_path, request
):
    src, name = module
    if store == "file":
        (tmp_path / "shared").mkdir()
        url = f"file://{tmp_path / 'shared'}"
    else:
        url = request.getfixturevalue({"redis": "redis_srv", "http": "nginx_srv"}[store]).url
    first, _ = run_import(src, name, tmp_path / "a", rw(url))
    assert first["value"] == 144 and first["state"]["built"]
    assert stats(tmp_path / "a")["remote_upload"] == 1

    second, err = run_import(src, name, tmp_path / "b", rw(url))
    assert second["value"] == 144, second
    assert not second["state"]["built"] and second["state"]["remote"].startswith(url[:10])
    assert second["state"]["key"] == first["state"]["key"]
    b = stats(tmp_path / "b")
    assert b.get("build", 0) == 0 and b["remote_hit"] == 1, b
    assert "warning" not in err.lower()
    # An ordinary local entry now: the third import is a local hit.
    third, _ = run_import(src, name, tmp_path / "b", {})
    assert third["value"] == 144 and stats(tmp_path / "b")["hit"] == 1
    key = first["state"]["key"]
    if store == "redis":
        assert redis_client(request.getfixturevalue("redis_srv")).hget(
            "cxximport:v1:stats", "upload"
        )
    if store == "http":
        server = request.getfixturevalue("nginx_srv")
        assert len([p for p in nginx_puts(server) if key in p]) == 1
        # Written once: a second creation is refused.
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("PUT", f"/cache/v1/entries/{key}", b"x", headers={"If-None-Match": "*"})
        assert conn.getresponse().status == 412


def test_read_mode_is_the_default_and_never_writes(redis_srv, module, tmp_path):
    src, name = module
    env = {"CXXIMPORT_REMOTE_CACHE": redis_srv.url, "CXXIMPORT_REMOTE_TRUST": "1"}
    before = entry_keys(redis_srv)
    out, _ = run_import(src, name, tmp_path / "a", env)
    assert out["value"] == 144 and out["state"]["built"]
    assert entry_keys(redis_srv) == before
    assert not list(redis_client(redis_srv).scan_iter("cxximport:v1:lease:*"))
    assert stats(tmp_path / "a")["remote_miss"] == 1


# The tests below need an entry in the store, not a compile each: one module
# is built once (per xdist worker), and each test puts its blob (or a damaged
# one) into its own Redis database.


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    root = tmp_path_factory.mktemp("seed")
    src = root / "src"
    src.mkdir()
    (src / "seeded.cxxpyx").write_text(source_text(f"seed {root}"))
    out, _ = run_import(src, "seeded", root / "builder", {})
    from cxximport import _core

    key = out["state"]["key"]
    files = dict(_core.export_entry(str(root / "builder"), key))
    return {"src": src, "name": "seeded", "key": key, "files": files}


_databases = iter(range(1, 64))


@pytest.fixture
def seeded_store(redis_srv, seed):
    """(url, redis-py client, blob key) of a fresh database holding the seed's blob."""
    import redis

    db = next(_databases)
    client = redis.Redis(host="127.0.0.1", port=redis_srv.port, db=db)
    client.flushdb()
    return f"redis://127.0.0.1:{redis_srv.port}/{db}", client, "cxximport:v1:entry:" + seed["key"]


def put_seed(seed, store, secret: bytes | None = None) -> bytes:
    from cxximport._remote.blob import pack

    _, client, blob_key = store
    blob = pack(seed["key"], seed["files"], secret)
    client.set(blob_key, blob)
    return blob


def consume(seed, tmp_path, url, **extra):
    """A load-only import of the seed module from an empty local cache."""
    env = {"CXXIMPORT_REMOTE_CACHE": url, "CXXIMPORT_NO_BUILD": "1", **extra}
    return run_import(seed["src"], seed["name"], tmp_path / "consumer", env)


def test_load_only_workers_take_remote_hits(seed, seeded_store, tmp_path):
    put_seed(seed, seeded_store)
    out, _ = consume(seed, tmp_path, seeded_store[0], CXXIMPORT_REMOTE_TRUST="1")
    assert out["value"] == 144 and stats(tmp_path / "consumer").get("build", 0) == 0
    assert stats(tmp_path / "consumer")["remote_hit"] == 1
    # Not in the remote store either: NotCachedError, no compile.
    (seed["src"] / "other.cxxpyx").write_text(source_text(f"other {tmp_path}"))
    env = {
        "CXXIMPORT_REMOTE_CACHE": seeded_store[0],
        "CXXIMPORT_REMOTE_TRUST": "1",
        "CXXIMPORT_NO_BUILD": "1",
    }
    out, _ = run_import(seed["src"], "other", tmp_path / "consumer", env)
    assert out["error"] == "NotCachedError", out


# ------------------------------------------------------------------ trust


def test_an_untrusted_store_without_a_key_is_not_used(seed, seeded_store, tmp_path):
    put_seed(seed, seeded_store)
    out, err = consume(seed, tmp_path, seeded_store[0])
    assert out["error"] == "NotCachedError"
    assert err.count("not marked trusted") == 1 and seeded_store[0] in err


def test_signed_entries_verify_with_the_key_and_not_with_another(seed, seeded_store, tmp_path):
    good = key_file(tmp_path, b"s" * 32)
    blob = put_seed(seed, seeded_store, secret=b"s" * 32)
    assert b"\nhmac-sha256 " in blob
    url = seeded_store[0]
    out, _ = consume(seed, tmp_path / "1", url, CXXIMPORT_REMOTE_KEY_FILE=str(good))
    assert out["value"] == 144  # no trust setting needed: the signature is the trust

    wrong = key_file(tmp_path, b"w" * 32)
    out, err = consume(seed, tmp_path / "2", url, CXXIMPORT_REMOTE_KEY_FILE=str(wrong))
    assert out["error"] == "NotCachedError" and "signature does not verify" in err

    # A key file others can read is refused (and the store is not used).
    loose = key_file(tmp_path, b"s" * 32, mode=0o644)
    out, err = consume(seed, tmp_path / "3", url, CXXIMPORT_REMOTE_KEY_FILE=str(loose))
    assert out["error"] == "NotCachedError" and "refused" in err and "chmod 600" in err


def test_a_readwrite_client_with_a_key_signs_its_uploads(redis_srv, module, tmp_path):
    src, name = module
    good = key_file(tmp_path, b"s" * 32)
    env = {
        "CXXIMPORT_REMOTE_CACHE": redis_srv.url,
        "CXXIMPORT_REMOTE_KEY_FILE": str(good),
        "CXXIMPORT_REMOTE_CACHE_MODE": "readwrite",
    }
    first, _ = run_import(src, name, tmp_path / "a", env)
    blob = redis_client(redis_srv).get("cxximport:v1:entry:" + first["state"]["key"])
    from cxximport._remote.blob import BlobError, unpack

    assert unpack(blob, first["state"]["key"], b"s" * 32)["manifest"]
    with pytest.raises(BlobError, match="signature"):
        unpack(blob, first["state"]["key"], b"w" * 32)


def test_an_unsigned_blob_is_refused_when_a_key_is_configured(seed, seeded_store, tmp_path):
    put_seed(seed, seeded_store)
    env = {"CXXIMPORT_REMOTE_KEY_FILE": str(key_file(tmp_path))}
    out, err = consume(seed, tmp_path, seeded_store[0], **env)
    assert out["error"] == "NotCachedError" and "not signed" in err


# ------------------------------------------------------------------ faults


def test_flipped_bytes_are_refused_and_the_module_is_built_locally(seed, seeded_store, tmp_path):
    blob = bytearray(put_seed(seed, seeded_store))
    blob[len(blob) // 2] ^= 0x01  # inside the shared object
    seeded_store[1].set(seeded_store[2], bytes(blob))
    env = {"CXXIMPORT_REMOTE_CACHE": seeded_store[0], "CXXIMPORT_REMOTE_TRUST": "1"}
    out, err = run_import(seed["src"], seed["name"], tmp_path / "b", env)
    assert out["value"] == 144 and out["state"]["built"]
    assert err.count("cxximport: remote cache") == 1 and "XXH3-128" in err  # no key: XXH3
    assert stats(tmp_path / "b")["remote_error"] == 1


def test_garbage_from_the_store_is_a_miss(seed, seeded_store, tmp_path):
    seeded_store[1].set(seeded_store[2], b"\x00garbage")
    out, err = consume(seed, tmp_path, seeded_store[0], CXXIMPORT_REMOTE_TRUST="1")
    assert out["error"] == "NotCachedError" and "not a cxximport remote entry" in err


def test_a_truncating_or_delaying_proxy_is_a_miss_with_one_warning(seed, nginx_srv, tmp_path):
    from cxximport._remote.blob import pack

    (nginx_srv.directory / "data" / "cache" / "t" / "v1").mkdir(parents=True, exist_ok=True)
    conn = http.client.HTTPConnection("127.0.0.1", nginx_srv.port, timeout=5)
    conn.request("PUT", f"/cache/t/v1/entries/{seed['key']}", pack(seed["key"], seed["files"]))
    assert conn.getresponse().status in (201, 204)
    for mode, params, reason in (
        ("truncate", {"limit": 4000}, "truncated"),
        ("delay", {"delay": 3}, "timed out"),
    ):
        proxy = FaultProxy(nginx_srv.port, mode, **params)
        try:
            url = f"http://127.0.0.1:{proxy.port}/cache/t"
            out, err = consume(
                seed,
                tmp_path / mode,
                url,
                CXXIMPORT_REMOTE_TRUST="1",
                CXXIMPORT_REMOTE_TIMEOUT="1",
            )
        finally:
            proxy.close()
        assert out["error"] == "NotCachedError", out
        assert err.count("cxximport: remote cache") == 1 and url in err and reason in err, err
    # Through no proxy, the same blob is a hit: the faults were the proxy's.
    out, _ = consume(seed, tmp_path / "direct", nginx_srv.url + "/t", CXXIMPORT_REMOTE_TRUST="1")
    assert out["value"] == 144


def test_a_slow_store_costs_the_timeout_once_per_process(tmp_path):
    """A server that accepts and never answers: two load-only imports in one
    process, one connection attempt, one warning, and the second import does
    not wait."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    accepted = []

    def accept():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    src = tmp_path / "src"
    src.mkdir()
    for n in ("slow_a", "slow_b"):
        (src / f"{n}.cxxpyx").write_text(source_text(f"{n} {tmp_path}"))
    code = textwrap.dedent(
        f"""
        import json, sys, time
        sys.path.insert(0, {str(src)!r})
        import cxximport
        cxximport.install()
        t = []
        for n in ("slow_a", "slow_b"):
            t0 = time.monotonic()
            try:
                __import__(n)
            except ImportError as e:
                t.append((type(e).__name__, time.monotonic() - t0))
        print(json.dumps(t))
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXXIMPORT_")}
    env.update(rw(f"redis://127.0.0.1:{port}/0", CXXIMPORT_REMOTE_TIMEOUT="0.5"))
    env["CXXIMPORT_NO_BUILD"] = "1"
    env["CXXIMPORT_CACHE_DIR"] = str(tmp_path / "cache")
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
    finally:
        listener.close()
    assert proc.returncode == 0, proc.stderr
    values = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [v[0] for v in values] == ["NotCachedError", "NotCachedError"]
    assert len(accepted) == 1  # the second import did not ask the dead store again
    assert proc.stderr.count("cxximport: remote cache") == 1 and "timed out" in proc.stderr


def test_an_unreachable_store_is_a_local_build(module, tmp_path):
    src, name = module
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{port.getsockname()[1]}/cache"
    port.close()  # nothing listens there
    out, err = run_import(src, name, tmp_path / "a", rw(url))
    assert out["value"] == 144 and out["state"]["built"]
    assert err.count("cxximport: remote cache") == 1 and url in err


def test_stopping_the_server_mid_upload_leaves_no_blob(tmp_path, module):
    src, name = module
    with nginx_server(tmp_path / "nginx") as server:
        holder = {}

        class CuttingProxy(FaultProxy):
            def _pump(self, src_sock, dst, answer):
                if answer:
                    return super()._pump(src_sock, dst, answer)
                uploading = 0  # bytes of an entry upload forwarded so far
                try:
                    while data := src_sock.recv(65536):
                        if b"PUT /cache/v1/entries/" in data:
                            uploading = 1
                        if uploading:
                            uploading += len(data)
                            if uploading > 3000:  # part of an upload, then the server dies
                                dst.sendall(data[:1000])
                                holder["cut"] = True
                                server.stop()
                                break
                        dst.sendall(data)
                except OSError:
                    pass
                finally:
                    src_sock.close()
                    dst.close()

        proxy = CuttingProxy(server.port)
        url = f"http://127.0.0.1:{proxy.port}/cache"
        try:
            out, err = run_import(src, name, tmp_path / "a", rw(url))
        finally:
            proxy.close()
    assert holder.get("cut")
    assert out["value"] == 144 and out["state"]["built"]
    assert err.count("cxximport: remote cache") == 1
    assert not list((server.directory / "data" / "cache" / "v1" / "entries").glob("*"))


def test_a_full_store_is_a_local_build(tmp_path, module):
    src, name = module
    with redis_server(tmp_path / "redis", maxmemory="1") as server:
        out, err = run_import(src, name, tmp_path / "a", rw(server.url))
    assert out["value"] == 144 and out["state"]["built"]
    assert err.count("cxximport: remote cache") == 1 and "full" in err


# ------------------------------------------------------------------ leases


def test_a_waiter_names_the_holder_and_builds_when_the_holder_dies(redis_srv, module, tmp_path):
    src, name = module
    # Learn the key (a NO_BUILD import computes it), then hold its lease as a
    # "process" that dies: nobody renews the lease, it expires after 5 s.
    probe, _ = run_import(src, name, tmp_path / "a", {"CXXIMPORT_NO_BUILD": "1"})
    assert probe["error"] == "NotCachedError"
    from cxximport import _core

    key = _probe_key(src, name, tmp_path / "a")
    r = redis_client(redis_srv)
    r.set("cxximport:v1:lease:" + key, b"host=deadnode pid=4242 token=x", px=5000)
    out, err = run_import(src, name, tmp_path / "a", rw(redis_srv.url))
    assert out["value"] == 144 and out["state"]["built"], out
    assert "deadnode" in err and "4242" in err
    a = stats(tmp_path / "a")
    assert a["remote_lease_wait"] == 1 and a["remote_upload"] == 1, a
    assert _core  # imported for _probe_key


def test_the_wait_is_bounded(redis_srv, module, tmp_path):
    src, name = module
    key = _probe_key(src, name, tmp_path / "a")
    r = redis_client(redis_srv)
    r.set("cxximport:v1:lease:" + key, b"host=busynode pid=7 token=y", px=60000)
    env = rw(redis_srv.url, CXXIMPORT_REMOTE_WAIT="1")
    out, err = run_import(src, name, tmp_path / "a", env)
    assert out["value"] == 144 and out["state"]["built"]
    assert "waited" in err and "busynode" in err and "CXXIMPORT_REMOTE_WAIT" in err
    r.delete("cxximport:v1:lease:" + key)


def _probe_key(src: Path, name: str, cache: Path) -> str:
    """The key an import of name computes (a NO_BUILD build call fails with it)."""
    code = textwrap.dedent(
        f"""
        import sys
        from cxximport import _core, _options
        source = {str(src / (name + ".cxxpyx"))!r}
        options = _options.resolve(source, {{"no_build": True, "cache_dir": {str(cache)!r}}})
        try:
            _core.build(source, {name!r}, options)
        except _core.NotCachedError as e:
            print(e.key)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    key = proc.stdout.strip()
    assert len(key) == 32, proc.stderr
    return key
