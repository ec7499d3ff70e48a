"""A small HTTP/1.1 client: one kept-alive connection, a deadline per request.

Why not http.client: importing it costs tens of milliseconds per process (it
pulls in email, ssl, socket and selectors), more than a whole remote hit, and
the HTTP store needs GET/HEAD/PUT/DELETE of opaque blobs (docs/cache.md,
"Remote cache"). Answers are read by Content-Length, chunked, or until the
server closes; anything else is a protocol error. ssl is imported only for
https://. The tests run it against nginx and against servers that answer in
chunks, truncate, or close a kept-alive connection.
"""

from __future__ import annotations

import time
from typing import Any

from .resp import _connect as connect

MAX_HEAD = 64 * 1024  # status line and headers
NO_BODY = (204, 304)


class HttpError(Exception):
    """A malformed or incomplete answer; str() says what was wrong."""


class StaleConnection(Exception):
    """A kept-alive connection the server had closed before our request."""


class Connection:
    def __init__(self, host: str, port: int, tls: bool, timeout: float):
        self.host, self.port, self.tls, self.timeout = host, port, tls, timeout
        self._sock: Any = None  # a socket, or an ssl.SSLSocket over one
        self._buf = bytearray()
        self._deadline = 0.0
        self.used = False  # an answer was read on this connection

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None
        self._buf.clear()

    def _open(self) -> None:
        sock = connect(self.host, self.port, self.timeout)
        if self.tls:
            import socket
            import ssl

            plain = socket.socket(fileno=sock.detach())
            plain.settimeout(self.timeout)
            sock = ssl.create_default_context().wrap_socket(plain, server_hostname=self.host)
        self._sock = sock
        self._buf.clear()
        self.used = False

    def request(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None = None
    ) -> tuple[int, dict[str, str], bytes | bytearray]:
        """(status, headers with lower-case names, body) of one request.
        Raises StaleConnection (retry on a new one), HttpError, OSError."""
        self._deadline = time.monotonic() + self.timeout
        if self._sock is None:
            self._open()
        reused = self.used
        host = f"[{self.host}]" if ":" in self.host else self.host
        head = f"{method} {target} HTTP/1.1\r\nHost: {host}:{self.port}\r\n"
        for name, value in headers.items():
            head += f"{name}: {value}\r\n"
        if body is not None or method in ("PUT", "POST"):
            head += f"Content-Length: {len(body or b'')}\r\n"
        out = head.encode("latin-1") + b"\r\n"
        try:
            self._send(out)
            if body:
                self._send(body)
            line = self._line()
        except (ConnectionError, HttpError) as e:
            if reused and not self._buf:
                raise StaleConnection() from e
            raise
        while True:
            version, status, fields = self._head(line)
            if not 100 <= status < 200:
                break
            line = self._line()  # 100 Continue and friends: the real answer follows
        data = self._body(method, status, fields)
        self.used = True
        keep = version != b"HTTP/1.0" and fields.get("connection", "").lower() != "close"
        if not keep:
            self.close()
        return status, fields, data

    def _head(self, line: bytes) -> tuple[bytes, int, dict[str, str]]:
        version, _, rest = line.partition(b" ")
        code = rest[:3]
        if not version.startswith(b"HTTP/1.") or not code.isdigit():
            raise HttpError(f"not an HTTP answer: {line[:60]!r}")
        fields: dict[str, str] = {}
        while line := self._line():
            name, sep, value = line.partition(b":")
            if not sep:
                raise HttpError(f"bad header line {line[:60]!r}")
            fields[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        return version, int(code), fields

    def _body(self, method: str, status: int, fields: dict[str, str]) -> bytes | bytearray:
        if method == "HEAD" or status in NO_BODY:
            return b""
        if "chunked" in fields.get("transfer-encoding", "").lower():
            data = bytearray()
            while True:
                size_line = self._line().split(b";")[0].strip()
                try:
                    size = int(size_line, 16)
                except ValueError:
                    raise HttpError(f"bad chunk size {size_line[:20]!r}") from None
                if size == 0:
                    while self._line():  # trailers
                        pass
                    return data
                data += self._exact(size)
                if self._exact(2) != b"\r\n":
                    raise HttpError("bad chunk end")
        length = fields.get("content-length")
        if length is not None:
            if not length.isdigit():
                raise HttpError(f"bad Content-Length {length[:20]!r}")
            return self._exact(int(length))
        data = bytearray(self._buf)  # no length: the body ends when the server closes
        self._buf.clear()
        while chunk := self._recv(1 << 16):
            data += chunk
        self.close()
        return data

    # -- the socket, within the request's deadline ---------------------------

    def _left(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError()
        return left

    def _send(self, data: bytes) -> None:
        self._sock.settimeout(self._left())
        self._sock.sendall(data)

    def _recv(self, n: int) -> bytes:
        self._sock.settimeout(self._left())
        return self._sock.recv(n)

    def _line(self) -> bytes:
        while True:
            i = self._buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self._buf[:i])
                del self._buf[: i + 2]
                return line
            if len(self._buf) > MAX_HEAD:
                raise HttpError("header line too long")
            chunk = self._recv(1 << 16)
            if not chunk:
                raise HttpError("connection closed mid-answer (truncated)")
            self._buf += chunk

    def _exact(self, n: int) -> bytearray:
        """n bytes, received straight into their own buffer (a blob is one copy)."""
        out = bytearray(n)
        have = min(n, len(self._buf))
        out[:have] = self._buf[:have]
        del self._buf[:have]
        with memoryview(out) as view:
            while have < n:
                self._sock.settimeout(self._left())
                got = self._sock.recv_into(view[have:])
                if not got:
                    raise HttpError(
                        f"connection closed mid-answer after {have} of {n} bytes (truncated)"
                    )
                have += got
        return out
