"""The HTTP store's own HTTP/1.1 client (hook/cxximport/_remote/http_client.py):
against nginx (Content-Length answers, 404, PUT/HEAD/DELETE, one kept-alive
connection) and against a scripted server for what nginx does not send
(chunked answers, a body ended by closing, truncation, garbage, a kept-alive
connection the server closed, a server that never answers)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from conftest import needs_core
from remote_servers import nginx_server

pytestmark = needs_core


@pytest.fixture(scope="module")
def nginx_srv(tmp_path_factory):
    with nginx_server(tmp_path_factory.mktemp("nginx")) as srv:
        yield srv


class Scripted:
    """A real TCP server on 127.0.0.1: reads each request (head and body by
    Content-Length) and writes the next canned answer; an answer of None
    closes the connection without a word; close_after closes after writing."""

    def __init__(self, answers: list[bytes | None], close_after: bool = False):
        self.answers, self.close_after = list(answers), close_after
        self.requests: list[bytes] = []
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while self.answers:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                buf = b""
                while self.answers:
                    while b"\r\n\r\n" not in buf:
                        data = conn.recv(65536)
                        if not data:
                            break
                        buf += data
                    if b"\r\n\r\n" not in buf:
                        break
                    head, _, buf = buf.partition(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    while len(buf) < length:
                        buf += conn.recv(65536)
                    self.requests.append(head + b"\r\n\r\n" + buf[:length])
                    buf = buf[length:]
                    answer = self.answers.pop(0)
                    if answer is None:
                        break
                    conn.sendall(answer)
                    if self.close_after:
                        break

    def close(self) -> None:
        self.sock.close()


def client(port: int, timeout: float = 2.0):
    from cxximport._remote.http_client import Connection

    return Connection("127.0.0.1", port, False, timeout)


def test_importing_the_http_store_loads_no_http_client_email_or_ssl():
    code = (
        "import sys, cxximport._remote.http_store\n"
        "print(sorted(m for m in ('http.client', 'email', 'ssl', 'socket', 'base64') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_put_get_head_delete_on_nginx_over_one_connection(nginx_srv):
    conn = client(nginx_srv.port)
    blob = os.urandom(1 << 20)
    path = "/cache/v1/entries/" + "a" * 32
    status, _, _ = conn.request("PUT", path, {"If-None-Match": "*"}, blob)
    assert status == 201
    sock = conn._sock
    status, headers, data = conn.request("GET", path, {})
    assert status == 200 and data == blob and headers["content-length"] == str(len(blob))
    status, headers, data = conn.request("HEAD", path, {})
    assert status == 200 and data == b""
    status, _, _ = conn.request("PUT", path, {"If-None-Match": "*"}, b"second")
    assert status in (204, 412)  # nginx may ignore the precondition: the store checks first
    assert conn.request("DELETE", path, {})[0] == 204
    assert conn.request("GET", path, {})[0] == 404
    assert conn._sock is sock  # all on one kept-alive connection
    conn.close()


def test_a_chunked_answer_is_read_whole():
    body = os.urandom(70000)
    chunks = b"".join(
        b"%x;ext=1\r\n" % len(body[i : i + 30000]) + body[i : i + 30000] + b"\r\n"
        for i in range(0, len(body), 30000)
    )
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    answer = head + chunks + b"0\r\nX-T: 1\r\n\r\n"
    srv = Scripted([answer, b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno\n"])
    conn = client(srv.port)
    assert conn.request("GET", "/x", {})[2] == body
    status, _, data = conn.request("GET", "/y", {})  # the connection is still in step
    assert (status, data) == (404, b"no\n") and srv.connections == 1
    srv.close()


def test_a_body_without_length_ends_when_the_server_closes():
    srv = Scripted([b"HTTP/1.0 200 OK\r\n\r\nall of it"], close_after=True)
    status, _, data = client(srv.port).request("GET", "/x", {})
    assert (status, bytes(data)) == (200, b"all of it")
    srv.close()


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 400,
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\n" + b"x" * 50,
        b"HTTP/1.1 200 OK\r\nContent-Le",
    ],
    ids=["content-length", "chunked", "head"],
)
def test_a_truncated_answer_is_an_error(answer):
    from cxximport._remote.http_client import HttpError

    srv = Scripted([answer], close_after=True)
    with pytest.raises(HttpError, match="truncated"):
        client(srv.port).request("GET", "/x", {})
    srv.close()


def test_garbage_is_an_error():
    from cxximport._remote.http_client import HttpError

    srv = Scripted([b"SSH-2.0-OpenSSH\r\n\r\n"], close_after=True)
    with pytest.raises(HttpError, match="not an HTTP answer"):
        client(srv.port).request("GET", "/x", {})
    srv.close()


def test_the_store_retries_once_on_a_kept_alive_connection_the_server_closed():
    from cxximport._remote.http_store import HttpStore

    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
    srv = Scripted([ok, None, ok])  # the second request finds the connection closed
    store = HttpStore(f"http://127.0.0.1:{srv.port}/c", 2.0)
    assert store.get("k") == b"hi"
    assert store.get("k") == b"hi"
    assert srv.connections == 2 and srv.requests[-1].startswith(b"GET /c/v1/entries/k HTTP/1.1")
    srv.close()


def test_the_store_turns_truncation_and_silence_into_store_errors():
    from cxximport._remote.errors import StoreError
    from cxximport._remote.http_store import HttpStore

    srv = Scripted([b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"], close_after=True)
    with pytest.raises(StoreError, match="truncated"):
        HttpStore(f"http://127.0.0.1:{srv.port}", 2.0).get("k")
    srv.close()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    store = HttpStore(f"http://127.0.0.1:{silent.getsockname()[1]}", 0.5)
    started = time.monotonic()
    with pytest.raises(StoreError, match="timed out"):
        store.get("k")
    assert time.monotonic() - started < 1.5
    silent.close()


def test_basic_credentials_from_the_url_are_sent():
    from cxximport._remote.http_store import HttpStore

    srv = Scripted([b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"])
    assert HttpStore(f"http://us%40r:p%3Ass@127.0.0.1:{srv.port}", 2.0).get("k") is None
    # base64("us@r:p:ss")
    assert b"Authorization: Basic dXNAcjpwOnNz\r\n" in srv.requests[0]
    srv.close()
