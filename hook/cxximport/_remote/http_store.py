"""``http://`` and ``https://``: opaque blobs by GET/HEAD/PUT, as ccache's HTTP
storage and bazel-remote use them, plus a lease object per key.

Layout under the URL: ``<url>/v1/entries/<key>`` (the blob) and
``<url>/v1/leases/<key>`` (the lease: "host=... pid=... token=..."). Both are
created with ``PUT`` and ``If-None-Match: *``; the client counts itself the
creator only on ``201 Created`` (a server that ignores the precondition
answers ``204`` when it replaced an object, which is then not ours). The
holder renews its lease by writing it again; a lease the server last wrote
more than the lease time ago (the server's own ``Date`` minus
``Last-Modified``, so clocks of clients never matter) is stale and broken.
"""

from __future__ import annotations

import threading
from binascii import b2a_base64
from urllib.parse import unquote, urlsplit

from .errors import StoreError
from .http_client import Connection, HttpError, StaleConnection


class HttpStore:
    def __init__(self, url: str, timeout: float):
        parts = urlsplit(url)
        self.url = url
        self._tls = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        try:
            self._port = parts.port or (443 if self._tls else 80)
        except ValueError:
            raise StoreError(f"bad port in {url}") from None
        self._base = parts.path.rstrip("/")
        self._headers = {}
        if parts.username is not None:
            cred = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            self._headers["Authorization"] = "Basic " + b2a_base64(cred, newline=False).decode()
        self._timeout = timeout
        self._conn = Connection(self._host, self._port, self._tls, timeout)
        self._lock = threading.Lock()

    def _request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes | bytearray]:
        """(status, headers with lower-case names, body) of one request, read
        within the timeout. A kept-alive connection the server closed is retried once."""
        all_headers = {**self._headers, **(headers or {})}
        with self._lock:
            for attempt in (0, 1):
                try:
                    return self._conn.request(method, self._base + path, all_headers, body)
                except StaleConnection:
                    self._conn.close()
                    if attempt == 0:
                        continue
                    raise StoreError("the server closed the connection") from None
                except (OSError, HttpError) as e:
                    self._conn.close()
                    if isinstance(e, TimeoutError):
                        raise StoreError("timed out") from None
                    raise StoreError(str(e) or type(e).__name__) from None
        raise AssertionError("unreachable")

    def _fail(self, method: str, path: str, status: int) -> StoreError:
        full = status in (413, 507)
        what = f"{'full: ' if full else ''}{method} {self._base}{path} answered {status}"
        return StoreError(what, transport=not full)

    def ping(self) -> None:
        status, _, _ = self._request("HEAD", "/")
        if status >= 500:
            raise self._fail("HEAD", "/", status)

    def get(self, key: str) -> bytes | bytearray | None:  # the body as read: no copy
        status, headers, data = self._request("GET", f"/v1/entries/{key}")
        if status == 404:
            return None
        if status != 200:
            raise self._fail("GET", f"/v1/entries/{key}", status)
        return data

    def exists(self, key: str) -> bool:
        status, _, _ = self._request("HEAD", f"/v1/entries/{key}")
        if status not in (200, 404):
            raise self._fail("HEAD", f"/v1/entries/{key}", status)
        return status == 200

    def _create(self, path: str, data: bytes) -> bool:
        status, _, _ = self._request("PUT", path, data, {"If-None-Match": "*"})
        if status in (200, 201, 204, 412):
            return status == 201
        raise self._fail("PUT", path, status)

    def put(self, key: str, blob: bytes) -> bool:
        if self.exists(key):
            return False  # written once: the first writer's blob stays
        return self._create(f"/v1/entries/{key}", blob)

    def acquire_lease(self, key: str, holder: bytes, ttl: float) -> bool:
        return self._create(f"/v1/leases/{key}", holder)

    def extend_lease(self, key: str, holder: bytes, ttl: float) -> bool:
        path = f"/v1/leases/{key}"
        status, _, data = self._request("GET", path)
        if status != 200 or data != holder:
            return False  # broken by a waiter as stale, or released
        status, _, _ = self._request("PUT", path, holder)
        return status in (200, 201, 204)

    def release_lease(self, key: str, holder: bytes) -> None:
        path = f"/v1/leases/{key}"
        status, _, data = self._request("GET", path)
        if status == 200 and data == holder:
            self._request("DELETE", path)

    def lease_holder(self, key: str, ttl: float) -> bytes | bytearray | None:
        path = f"/v1/leases/{key}"
        status, headers, data = self._request("GET", path)
        if status == 404:
            return None
        if status != 200:
            raise self._fail("GET", path, status)
        from email.utils import parsedate_to_datetime

        try:
            now = parsedate_to_datetime(headers["date"])
            age = (now - parsedate_to_datetime(headers["last-modified"])).total_seconds()
        except (KeyError, TypeError, ValueError):
            age = 0.0  # no dates: the lease lives until released (or the wait ends)
        if age > ttl + 1:  # the dates have whole seconds
            self._request("DELETE", path)  # its holder stopped renewing it: break it
            return None
        return data

    def count(self, name: str) -> None:
        pass  # plain HTTP has no counters: the server's access log has the PUTs

    def stats(self) -> dict[str, int]:
        return {}
