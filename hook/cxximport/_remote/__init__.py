"""The remote module cache: a second level behind the local cache, shared by
machines that share no filesystem (docs/cache.md, "Remote cache";
docs/cluster.md).

On a local miss the loader comes here (``build``): the entry is fetched from
the remote store, checked (integrity, signature) and installed into the local
cache by the C++ store's own atomic publication (``_core.install_entry``).
On a remote miss one process in the cluster takes the key's lease, builds and
uploads; the others wait for its upload (bounded) and fall back to a local
build when the holder dies or the wait ends. Any failure of the store is a
local build and one warning per process.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from .._options import logger
from . import config
from .blob import BlobError, pack, unpack
from .config import Settings, settings_from
from .errors import StoreError

POLL = 0.05  # seconds between checks for an awaited upload (notices it within 100 ms)
HOLDER_CHECK = 0.5  # seconds between checks that the lease still has a holder


def holder_identity() -> bytes:
    host = os.uname().nodename
    return f"host={host} pid={os.getpid()} token={os.urandom(8).hex()}".encode()


def parse_holder(holder: bytes) -> dict[str, str]:
    fields = {}
    for word in holder.decode("utf-8", "replace").split():
        k, _, v = word.partition("=")
        fields[k] = v
    return fields


class Session:
    """One import's use of the remote store (the store object is per process)."""

    def __init__(
        self,
        core: Any,
        settings: Settings,
        cache_dir: str,
        progress: Callable[[str, str], object] | None = None,
        loads: bool = True,
    ):
        self.core = core
        self.settings = settings
        self.cache_dir = cache_dir
        self.progress = progress
        self.secret: bytes | None = None
        self.failed = False  # a request failed: no more leases or waits in this import
        self._refused: set[str] = set()  # keys whose blob was refused: not fetched again
        self.store = config.store_for(settings)
        if self.store is None:
            return
        if settings.key_file:
            try:
                self.secret = config.read_key_file(settings.key_file)
            except StoreError as e:
                self._down(str(e))
        elif loads and not settings.trusted:  # uploading alone needs no trust
            self._down(
                "not used: it is not marked trusted and no signing key is configured "
                "(set CXXIMPORT_REMOTE_TRUST=1 or CXXIMPORT_REMOTE_KEY_FILE; docs/cache.md)"
            )

    @property
    def usable(self) -> bool:
        return self.store is not None and not config.is_down(self.settings)

    def _down(self, reason: str) -> None:
        config.mark_down(self.settings, reason)
        self.store = None

    def call(self, method: str, *args: Any, default: Any = None) -> Any:
        """store.method(*args); a failure makes the store unused for this
        process (transport) or is warned about once, and returns default."""
        if not self.usable:
            return default
        try:
            return getattr(self.store, method)(*args)
        except StoreError as e:
            self.failed = True
            if e.transport:
                self._down(str(e))
            else:
                self.count("error")
                config.warn_once(self.settings, str(e))
            return default

    def count(self, name: str, remote: bool = False) -> None:
        try:
            self.core.cache_count(self.cache_dir, "remote_" + name)
        except Exception:  # counters never fail an import
            logger.debug("cxximport: cannot count remote_%s", name, exc_info=True)
        if remote and self.store is not None and self.usable:
            try:
                self.store.count(name)
            except StoreError:
                pass

    # ----------------------------------------------------------------------

    def fetch(self, key: str) -> dict[str, Any] | None:
        """The installed entry of key, from the store; None on a miss or any failure."""
        if key in self._refused:
            return None
        blob = self.call("get", key)
        if blob is None:
            return None
        try:
            files = unpack(blob, key, self.secret)
        except BlobError as e:
            self._refused.add(key)
            self.count("error")
            config.warn_once(self.settings, f"entry {key} refused: {e}")
            return None
        try:
            result = self.core.install_entry(self.cache_dir, key, files)
        except self.core.CacheError as e:
            self._refused.add(key)
            if getattr(e, "reason", None) == "other_headers":
                logger.debug("cxximport: remote entry %s not usable here: %s", key, e)
            else:
                self.count("error")
                config.warn_once(self.settings, f"entry {key} refused: {e}")
            return None
        result = dict(result)
        result["remote"] = self.settings.name
        self.count("hit", remote=True)
        return result

    def upload(self, key: str) -> bool:
        try:
            files = self.core.export_entry(self.cache_dir, key)
        except self.core.CacheError as e:
            logger.debug("cxximport: nothing to upload for %s: %s", key, e)
            return False
        written = self.call("put", key, pack(key, dict(files), self.secret), default=False)
        if written:
            self.count("upload", remote=True)
        return bool(written)

    def build_once(
        self, key: str, name: str, build_local: Callable[[], Mapping[str, Any]]
    ) -> dict[str, Any]:
        """Builds key once in the cluster: take the lease and build and upload,
        or wait for the holder's upload; else build here."""
        deadline = time.monotonic() + self.settings.wait
        holder = holder_identity()
        while self.usable and not self.failed:
            if self.settings.writes and self.call(
                "acquire_lease", key, holder, self.settings.lease_ttl, default=False
            ):
                return self._build_and_upload(key, holder, build_local)
            result, outcome = self._wait(key, name, deadline)
            if result is not None:
                return result
            if outcome != "gone" or not self.settings.writes or time.monotonic() >= deadline:
                break
            time.sleep(POLL)  # the holder released without uploading: take over
        result = dict(build_local())
        if self.settings.writes and result.get("built") and self.usable:
            self.upload(key)
        return result

    def _build_and_upload(
        self, key: str, holder: bytes, build_local: Callable[[], Mapping[str, Any]]
    ) -> dict[str, Any]:
        beat = _Heartbeat(self, key, holder)
        beat.start()
        try:
            result = dict(build_local())
            beat.stop()
            self.upload(key)
            return result
        finally:
            beat.stop()
            self.call("release_lease", key, holder)

    def _wait(self, key: str, name: str, deadline: float) -> tuple[dict | None, str]:
        """Waits for another process's upload of key. (result, "hit"), or
        (None, why): "gone" (no lease holder, no upload), "timeout", "down"."""
        started = time.monotonic()
        next_check = started
        next_report = started + 1.0
        who = ""
        while True:
            now = time.monotonic()
            if now >= next_check:
                next_check = now + HOLDER_CHECK
                holder = self.call("lease_holder", key, self.settings.lease_ttl)
                if not self.usable or self.failed:
                    return None, "down"
                if holder is None:
                    # Released: uploaded (fetch it), or failed or died (build here).
                    result = self.fetch(key)
                    return (result, "hit") if result is not None else (None, "gone")
                if not who:
                    fields = parse_holder(holder)
                    who = f"host {fields.get('host', '?')} (pid {fields.get('pid', '?')})"
                    self.count("lease_wait", remote=True)
            if self.call("exists", key, default=False):
                result = self.fetch(key)
                return (result, "hit") if result is not None else (None, "failed")
            if not self.usable or self.failed:
                return None, "down"
            if now >= deadline:
                logger.warning(
                    "cxximport: waited %.0f s for %s to upload %s to the remote cache %s; "
                    "building locally (remote_wait / CXXIMPORT_REMOTE_WAIT sets the wait)",
                    now - started,
                    who,
                    name,
                    self.settings.name,
                )
                return None, "timeout"
            if now >= next_report:
                message = (
                    f"waiting for {who} building {name} for the remote cache "
                    f"{self.settings.name} ({int(now - started)} s)"
                )
                if next_report == started + 1.0:
                    logger.warning("cxximport: %s", message)
                elif self.progress is not None:
                    self.progress("wait", message)
                next_report += 1.0
            time.sleep(POLL)


class _Heartbeat(threading.Thread):
    """Keeps the lease alive while its holder builds: renews it every third
    of the lease time; if the holder dies the lease expires by itself."""

    def __init__(self, session: Session, key: str, holder: bytes):
        super().__init__(name="cxximport-lease", daemon=True)
        self.session, self.key, self.holder = session, key, holder
        self._stop_event = threading.Event()

    def run(self) -> None:
        ttl = self.session.settings.lease_ttl
        while not self._stop_event.wait(ttl / 3):
            store = self.session.store
            try:
                if store is None or not store.extend_lease(self.key, self.holder, ttl):
                    return
            except StoreError:
                return

    def stop(self) -> None:
        self._stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join()


def build(core: Any, source: str, name: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """``_core.build`` with the remote store as a second level (the loader's miss path)."""
    settings = settings_from(options)
    if settings is None or options.get("force") or config.is_down(settings):
        return core.build(source, name, dict(options))
    try:
        return core.build(source, name, {**options, "no_build": True})
    except core.NotCachedError as e:
        miss = e
    key = getattr(miss, "key", "") or ""
    if not key:  # the key cannot be computed (no compiler): nothing to ask
        if options.get("no_build"):
            raise miss
        return core.build(source, name, dict(options))
    session = Session(core, settings, options["cache_dir"], options.get("progress"))
    result = session.fetch(key) if session.usable else None
    if result is not None:
        return result
    if session.usable:
        session.count("miss", remote=True)
    if options.get("no_build"):
        raise miss
    return session.build_once(key, name, lambda: core.build(source, name, dict(options)))
