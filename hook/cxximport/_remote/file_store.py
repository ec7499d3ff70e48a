"""``file:///path``: a shared directory (a network filesystem every node
mounts), through the same interface as the servers.

``<path>/v1/entries/<key>`` is written once (a temporary file ``link(2)``-ed
to its name: atomic, and it fails when the name exists, also on NFS);
``<path>/v1/leases/<key>`` is created with ``O_EXCL``, renewed by touching it
and stale when its mtime is older than the lease time.
"""

from __future__ import annotations

import os
import tempfile
import time
from urllib.parse import unquote, urlsplit

from .errors import StoreError


class FileStore:
    def __init__(self, url: str, timeout: float):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise StoreError(f"a file URL names a path (file:///path), not host {parts.netloc!r}")
        self.url = url
        self.root = unquote(parts.path)
        if not self.root.startswith("/"):
            raise StoreError("file URLs need an absolute path: file:///path")

    def _path(self, kind: str, key: str) -> str:
        return os.path.join(self.root, "v1", kind, key)

    def ping(self) -> None:
        if not os.path.isdir(self.root):
            raise StoreError(f"{self.root} is not a directory")

    def get(self, key: str) -> bytes | None:
        try:
            with open(self._path("entries", key), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise StoreError(str(e)) from None

    def exists(self, key: str) -> bool:
        return os.path.exists(self._path("entries", key))

    def put(self, key: str, blob: bytes) -> bool:
        directory = os.path.join(self.root, "v1", "entries")
        try:
            os.makedirs(directory, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{key}.")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(blob)
                os.chmod(tmp, 0o644)
                os.link(tmp, self._path("entries", key))
                return True
            except FileExistsError:
                return False
            finally:
                os.unlink(tmp)
        except OSError as e:
            import errno

            raise StoreError(("full: " if e.errno == errno.ENOSPC else "") + str(e)) from None

    def acquire_lease(self, key: str, holder: bytes, ttl: float) -> bool:
        path = self._path("leases", key)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        except OSError as e:
            raise StoreError(str(e)) from None
        with os.fdopen(fd, "wb") as f:
            f.write(holder)
        return True

    def _read_lease(self, path: str) -> bytes | None:
        try:
            with open(path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def extend_lease(self, key: str, holder: bytes, ttl: float) -> bool:
        path = self._path("leases", key)
        if self._read_lease(path) != holder:
            return False
        os.utime(path)
        return True

    def release_lease(self, key: str, holder: bytes) -> None:
        path = self._path("leases", key)
        if self._read_lease(path) == holder:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass

    def lease_holder(self, key: str, ttl: float) -> bytes | None:
        path = self._path("leases", key)
        try:
            age = time.time() - os.stat(path).st_mtime
        except FileNotFoundError:
            return None
        if age > ttl:
            try:
                os.unlink(path)  # its holder stopped renewing it: break it
            except FileNotFoundError:
                pass
            return None
        return self._read_lease(path)

    def count(self, name: str) -> None:
        pass

    def stats(self) -> dict[str, int]:
        return {}
