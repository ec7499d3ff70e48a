"""A small Redis client: RESP2 over one socket, with a deadline per command.

Why not redis-py: importing it costs ~120 ms (it pulls in asyncio), more than
the whole remote hit this cache is meant to deliver, and we need five
commands (docs/ARCHITECTURE.md). The tests check what this client writes with
redis-py.
"""

from __future__ import annotations

import _socket  # not socket: its import (selectors, enum tables) costs ms per process
import threading
import time
from typing import Any

from .errors import StoreError


def _connect(host: str, port: int, timeout: float) -> _socket.socket:
    """socket.create_connection, with _socket."""
    # An ASCII host as bytes: a str would load the idna codec (ms per process).
    name = host.encode("ascii") if host.isascii() else host
    error: OSError | None = None
    for family, kind, proto, _, address in _socket.getaddrinfo(name, port, 0, _socket.SOCK_STREAM):
        sock = _socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            return sock
        except OSError as e:
            sock.close()
            error = e
    raise error or OSError(f"cannot resolve {host}")


class ReplyError(Exception):
    """An error reply of the server (``-ERR ...``, ``-OOM ...``)."""


class Connection:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        db: int = 0,
        username: str | None = None,
        password: str | None = None,
        tls: bool = False,
        timeout: float = 2.0,
    ):
        self.timeout = timeout
        self._lock = threading.Lock()
        try:
            sock = _connect(host, port, timeout)
            if tls:
                import socket
                import ssl

                plain = socket.socket(fileno=sock.detach())
                plain.settimeout(timeout)
                sock = ssl.create_default_context().wrap_socket(plain, server_hostname=host)
        except OSError as e:
            raise StoreError(f"cannot connect: {e}") from None
        self._sock = sock
        self._buf = bytearray()
        if password is not None:
            self.call(*(["AUTH", username, password] if username else ["AUTH", password]))
        if db:
            self.call("SELECT", str(db))

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass

    def call(self, *args: Any) -> Any:
        """Sends one command and returns its reply; raises ReplyError for an
        error reply and StoreError when the server is gone or too slow."""
        out = bytearray(b"*%d\r\n" % len(args))
        for a in args:
            b = a if isinstance(a, (bytes, bytearray, memoryview)) else str(a).encode()
            out += b"$%d\r\n" % len(b)
            out += b
            out += b"\r\n"
        with self._lock:
            deadline = time.monotonic() + self.timeout
            try:
                self._sock.settimeout(self.timeout)
                self._sock.sendall(out)
                return self._reply(deadline)
            except (OSError, ValueError) as e:
                self.close()
                reason = "timed out" if isinstance(e, TimeoutError) else str(e) or type(e).__name__
                raise StoreError(reason) from None

    def _fill(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError()
        self._sock.settimeout(left)
        chunk = self._sock.recv(1 << 20)
        if not chunk:
            raise ValueError("connection closed by the server")
        self._buf += chunk

    def _line(self, deadline: float) -> bytes:
        while True:
            i = self._buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self._buf[:i])
                del self._buf[: i + 2]
                return line
            self._fill(deadline)

    def _reply(self, deadline: float) -> Any:
        line = self._line(deadline)
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise ReplyError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            if len(self._buf) >= n + 2:
                data = bytes(self._buf[:n])
                del self._buf[: n + 2]
                return data
            # A large value (a blob): received straight into its own buffer.
            out = bytearray(n + 2)
            have = len(self._buf)
            out[:have] = self._buf
            self._buf.clear()
            view = memoryview(out)
            while have < n + 2:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError()
                self._sock.settimeout(left)
                got = self._sock.recv_into(view[have:])
                if not got:
                    raise ValueError("connection closed by the server")
                have += got
            view.release()
            del out[n:]
            return out
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply(deadline) for _ in range(n)]
        raise ValueError(f"not a Redis reply: {line[:40]!r}")
