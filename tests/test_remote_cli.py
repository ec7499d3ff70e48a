"""`cxximport cache push|pull|info` and `cxximport doctor` with a remote cache
(a real redis-server): push what is built here, pull it on an "offline" node,
see the counters, check reachability and mode."""

from __future__ import annotations

import os
import socket

from conftest import needs_core, run_cli
from remote_servers import redis_server
from test_remote_cache import run_import, source_text, stats

pytestmark = needs_core


def _env(cache, **extra) -> dict:
    env = {k: "" for k in os.environ if k.startswith("CXXIMPORT_")}
    env.update(CXXIMPORT_CACHE_DIR=str(cache), **extra)
    return env


def test_push_then_pull_on_another_node_then_load_offline(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "pushed.cxxpyx").write_text(source_text(f"push {tmp_path}"))
    with redis_server(tmp_path / "redis") as server:
        built = run_cli("build", str(src), env=_env(tmp_path / "a"))
        assert built.returncode == 0, built.stderr
        remote = {"CXXIMPORT_REMOTE_CACHE": server.url}
        push = run_cli("cache", "push", str(src), env=_env(tmp_path / "a", **remote))
        assert push.returncode == 0, push.stderr
        assert "pushed     pushed" in push.stdout and "1 pushed" in push.stdout
        again = run_cli("cache", "push", env=_env(tmp_path / "a", **remote))  # all entries
        assert "0 pushed, 1 already there" in again.stdout, again.stdout

        trusted = {**remote, "CXXIMPORT_REMOTE_TRUST": "1"}
        pull = run_cli("cache", "pull", str(src), env=_env(tmp_path / "b", **trusted))
        assert pull.returncode == 0, pull.stdout + pull.stderr
        assert "pulled     pushed" in pull.stdout
        info = run_cli("cache", "info", env=_env(tmp_path / "b", **trusted))
        assert info.returncode == 0, info.stderr
        lines = dict(line.split("  ", 1) for line in info.stdout.splitlines() if "  " in line)
        assert lines["remote hits"].strip() == "1" and lines["builds"].strip() == "0"
        assert "remote cache" in lines and server.url in lines["remote cache"]
        assert "upload 1" in lines["remote store counters"]
    # The server is gone: the pulled module loads from the local cache alone.
    out, _ = run_import(src, "pushed", tmp_path / "b", {"CXXIMPORT_NO_BUILD": "1"})
    assert out["value"] == 144
    assert stats(tmp_path / "b").get("build", 0) == 0


def test_pull_without_trust_or_key_refuses(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "untrusted.cxxpyx").write_text(source_text(f"untrusted {tmp_path}"))
    with redis_server(tmp_path / "redis") as server:
        pull = run_cli(
            "cache", "pull", str(src), env=_env(tmp_path / "b", CXXIMPORT_REMOTE_CACHE=server.url)
        )
    assert pull.returncode != 0
    assert "not marked trusted" in pull.stderr


def test_doctor_checks_reachability_and_mode(tmp_path):
    with redis_server(tmp_path / "redis") as server:
        env = _env(
            tmp_path / "c",
            CXXIMPORT_REMOTE_CACHE=server.url,
            CXXIMPORT_REMOTE_CACHE_MODE="readwrite",
            CXXIMPORT_REMOTE_TRUST="1",
        )
        ok = run_cli("doctor", env=env)
    assert f"OK    remote cache: {server.url} reachable, mode readwrite" in ok.stdout, ok.stdout
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = f"redis://127.0.0.1:{s.getsockname()[1]}/0"
    s.close()
    bad = run_cli("doctor", env={**env, "CXXIMPORT_REMOTE_CACHE": dead})
    assert bad.returncode != 0
    assert f"FAIL  remote cache: {dead} is not reachable" in bad.stdout, bad.stdout
