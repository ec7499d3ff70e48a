"""``redis://[[user]:password@]host[:port][/db]`` and ``rediss://`` (TLS).

Keys (docs/cache.md, "Remote cache"): ``cxximport:v1:entry:<key>`` (the blob,
written once with ``SET NX``), ``cxximport:v1:lease:<key>`` (``SET NX PX``,
kept alive by its holder), ``cxximport:v1:stats`` (a hash of counters).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from .errors import StoreError
from .resp import Connection, ReplyError

_PREFIX = "cxximport:v1:"
# Compare-and-act on a lease: only its holder may extend or drop it.
_IF_HOLDER = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call"
_EXTEND = _IF_HOLDER + "('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = _IF_HOLDER + "('del', KEYS[1]) end return 0"


class RedisStore:
    def __init__(self, url: str, timeout: float):
        parts = urlsplit(url)
        self.url = url
        self._host = parts.hostname or "127.0.0.1"
        try:
            self._port = parts.port or 6379
        except ValueError:
            raise StoreError(f"bad port in {url}", transport=True) from None
        path = parts.path.strip("/")
        if path and not path.isdigit():
            raise StoreError(f"the path of a redis URL is a database number, not {path!r}")
        self._db = int(path or 0)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password is not None else None
        self._tls = parts.scheme == "rediss"
        self._timeout = timeout
        self._conn: Connection | None = None

    def _call(self, *args):
        if self._conn is None:
            self._conn = Connection(
                self._host,
                self._port,
                db=self._db,
                username=self._user,
                password=self._password,
                tls=self._tls,
                timeout=self._timeout,
            )
        try:
            return self._conn.call(*args)
        except StoreError:
            self._conn = None
            raise
        except ReplyError as e:
            full = str(e).startswith("OOM")
            raise StoreError(("full: " if full else "") + str(e), transport=not full) from None

    def ping(self) -> None:
        if self._call("PING") != "PONG":
            raise StoreError("PING did not answer PONG")

    def get(self, key: str) -> bytes | None:
        return self._call("GET", _PREFIX + "entry:" + key)

    def exists(self, key: str) -> bool:
        return bool(self._call("EXISTS", _PREFIX + "entry:" + key))

    def put(self, key: str, blob: bytes) -> bool:
        return self._call("SET", _PREFIX + "entry:" + key, blob, "NX") == "OK"

    def acquire_lease(self, key: str, holder: bytes, ttl: float) -> bool:
        ms = str(max(1, int(ttl * 1000)))
        return self._call("SET", _PREFIX + "lease:" + key, holder, "NX", "PX", ms) == "OK"

    def extend_lease(self, key: str, holder: bytes, ttl: float) -> bool:
        ms = str(max(1, int(ttl * 1000)))
        return bool(self._call("EVAL", _EXTEND, "1", _PREFIX + "lease:" + key, holder, ms))

    def release_lease(self, key: str, holder: bytes) -> None:
        self._call("EVAL", _RELEASE, "1", _PREFIX + "lease:" + key, holder)

    def lease_holder(self, key: str, ttl: float) -> bytes | None:
        return self._call("GET", _PREFIX + "lease:" + key)

    def count(self, name: str) -> None:
        self._call("HINCRBY", _PREFIX + "stats", name, "1")

    def stats(self) -> dict[str, int]:
        reply = self._call("HGETALL", _PREFIX + "stats") or []
        return {reply[i].decode(): int(reply[i + 1]) for i in range(0, len(reply), 2)}
