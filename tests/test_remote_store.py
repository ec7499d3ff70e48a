"""The remote stores' protocol against real servers, without compiling:
write-once blobs, exclusive leases, the holder's heartbeat, stale leases;
and the settings (pyproject.toml may name a store, never trust one)."""

from __future__ import annotations

import time

import pytest
from conftest import needs_core
from remote_servers import nginx_server, redis_server

pytestmark = needs_core

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module", params=["redis", "http", "file"])
def store(request, tmp_path_factory):
    from cxximport._remote import config

    root = tmp_path_factory.mktemp(request.param)
    if request.param == "file":
        yield config.make_store(f"file://{root}", 2.0)
        return
    server = redis_server if request.param == "redis" else nginx_server
    with server(root) as srv:
        yield config.make_store(srv.url, 2.0)


def test_a_blob_is_written_once(store):
    assert store.get(KEY) is None and not store.exists(KEY)
    assert store.put(KEY, b"first")
    assert not store.put(KEY, b"second")  # the second writer is harmless
    assert store.get(KEY) == b"first" and store.exists(KEY)


def test_a_lease_has_one_holder_until_released(store):
    key = KEY[::-1]
    assert store.acquire_lease(key, b"host=a pid=1 token=1", 10)
    assert not store.acquire_lease(key, b"host=b pid=2 token=2", 10)
    assert store.lease_holder(key, 10) == b"host=a pid=1 token=1"
    store.release_lease(key, b"host=b pid=2 token=2")  # not b's: stays
    assert store.lease_holder(key, 10) == b"host=a pid=1 token=1"
    store.release_lease(key, b"host=a pid=1 token=1")
    assert store.lease_holder(key, 10) is None
    assert store.acquire_lease(key, b"host=b pid=2 token=2", 10)
    store.release_lease(key, b"host=b pid=2 token=2")


def test_the_heartbeat_keeps_a_lease_and_a_dead_holder_loses_it(store):
    from cxximport._remote import Session, _Heartbeat, config

    key = "f" * 32
    ttl = 1.0 if store.__class__.__name__ == "HttpStore" else 0.6  # HTTP dates have seconds
    holder = b"host=me pid=3 token=3"
    assert store.acquire_lease(key, holder, ttl)
    session = Session.__new__(Session)
    session.store = store
    session.settings = config.Settings(url="x://", lease_ttl=ttl)
    beat = _Heartbeat(session, key, holder)
    beat.start()
    time.sleep(ttl * 2)
    assert store.lease_holder(key, ttl) == holder  # renewed while the holder lives
    beat.stop()  # the holder "died": nobody renews
    deadline = time.monotonic() + ttl + 3
    while store.lease_holder(key, ttl) is not None:
        assert time.monotonic() < deadline, "a dead holder's lease did not expire"
        time.sleep(0.1)
    assert store.acquire_lease(key, b"host=next pid=4 token=4", ttl)
    store.release_lease(key, b"host=next pid=4 token=4")


def test_pyproject_may_name_a_store_but_not_trust_it(tmp_path):
    from cxximport import _options

    (tmp_path / "pyproject.toml").write_text(
        '[tool.cxximport]\nremote_cache = "redis://cache:6379/0"\nremote_cache_mode = "read"\n'
    )
    options = _options.pyproject_options(str(tmp_path / "m.cxxpyx"))
    assert options["remote_cache"] == "redis://cache:6379/0"
    (tmp_path / "pyproject.toml").write_text("[tool.cxximport]\nremote_cache_trusted = true\n")
    with pytest.raises(_options.OptionError, match="remote_cache_trusted"):
        _options.pyproject_options(str(tmp_path / "m.cxxpyx"))


def test_bad_remote_settings_are_option_errors():
    import cxximport

    with pytest.raises(cxximport.OptionError, match="remote_cache"):
        cxximport.install(remote_cache="ftp://example.org/cache")
    with pytest.raises(cxximport.OptionError, match="remote_cache_mode"):
        cxximport.install(remote_cache_mode="write")
    cxximport.uninstall()
    from cxximport import _options

    env = {"CXXIMPORT_REMOTE_CACHE": "http://h/c", "CXXIMPORT_REMOTE_TIMEOUT": "0.5"}
    assert _options.environment_options(env)["remote_timeout"] == 0.5
