"""Real servers for the remote cache tests, on 127.0.0.1 and free ports:
redis-server, nginx with its WebDAV module (PUT/DELETE), and a TCP proxy that
injects faults (delay, truncation, flipped bytes) between a client and a
server. Each is stopped by its context manager; all are bounded in time."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def require(program: str) -> str:
    path = shutil.which(program, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if path is None:
        pytest.skip(f"{program} is not installed (scripts/setup-test-system.sh installs it)")
    return path


class Server:
    def __init__(self, proc: subprocess.Popen, port: int, url: str, directory: Path):
        self.proc, self.port, self.url, self.directory = proc, port, url, directory

    def stop(self) -> None:
        _stop(self.proc)


@contextlib.contextmanager
def redis_server(directory: Path, maxmemory: str | None = None):
    exe = require("redis-server")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    args = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    args += ["--dir", str(directory), "--daemonize", "no", "--protected-mode", "no"]
    if maxmemory:
        args += ["--maxmemory", maxmemory, "--maxmemory-policy", "noeviction"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, proc, "redis-server")
        yield Server(proc, port, f"redis://127.0.0.1:{port}/0", directory)
    finally:
        _stop(proc)


# One worker process: the check of If-None-Match and the rename of the
# uploaded file then happen in one event loop, so "201 Created" names the one
# creator (docs/cache.md, "Remote cache", HTTP).
NGINX_CONF = """
{user}worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log {dir}/access.log;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  client_max_body_size 0;
  server {{
    listen 127.0.0.1:{port}{listen_suffix};
    root {dir}/data;
    location / {{
      dav_methods PUT DELETE;
      create_full_put_path on;
      dav_access user:rw;
      set $create_once "";
      if ($http_if_none_match = "*") {{ set $create_once "A"; }}
      if (-f $request_filename) {{ set $create_once "${{create_once}}B"; }}
      if ($create_once = "AB") {{ return 412; }}
    }}
  }}
}}
"""


@contextlib.contextmanager
def nginx_server(directory: Path, listen_suffix: str = ""):
    exe = require("nginx")
    directory.mkdir(parents=True, exist_ok=True)
    # nginx creates the missing directories of a PUT's path below these.
    (directory / "data" / "cache" / "v1").mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = directory / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""  # else workers drop to nobody
    conf.write_text(
        NGINX_CONF.format(dir=directory, port=port, user=user, listen_suffix=listen_suffix)
    )
    proc = subprocess.Popen(
        [exe, "-p", str(directory), "-c", str(conf), "-e", str(directory / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_port(port, proc, "nginx")
        yield Server(proc, port, f"http://127.0.0.1:{port}/cache", directory)
    finally:
        _stop(proc)


def nginx_puts(server: Server, kind: str = "entries") -> list[str]:
    """The successful PUTs of the access log (status 201) under /cache/v1/<kind>/."""
    log = (server.directory / "access.log").read_text()
    return [
        line for line in log.splitlines() if f'"PUT /cache/v1/{kind}/' in line and '" 201 ' in line
    ]


class FaultProxy:
    """Forwards 127.0.0.1:port to a server; `mode` says what it does to the
    server's answers: "pass", "delay" (sleeps `delay` s before each chunk),
    "truncate" (closes after `limit` bytes), "flip" (inverts the byte at
    offset `offset` of each connection's answer)."""

    def __init__(self, target_port: int, mode: str = "pass", **params):
        self.target_port, self.mode, self.params = target_port, mode, params
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._closed = True
        self.sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, answer: bool) -> None:
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if answer and self.mode == "delay":
                    time.sleep(self.params.get("delay", 5))
                if answer and self.mode == "truncate":
                    limit = self.params.get("limit", 100)
                    data = data[: max(0, limit - sent)]
                    if not data:
                        break
                    if sent + len(data) >= limit:  # the rest never comes: close
                        dst.sendall(data)
                        break
                if answer and self.mode == "flip":
                    offset = self.params.get("offset", 0)
                    if sent <= offset < sent + len(data):
                        b = bytearray(data)
                        b[offset - sent] ^= 0xFF
                        data = bytes(b)
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()


# ------------------------------------------------------------------ TLS


def make_certificates(directory: Path) -> dict[str, Path]:
    """A throwaway CA and a server certificate it signs for 127.0.0.1 and
    localhost, plus a self-signed "rogue" certificate no client trusts, made
    with the openssl CLI. Returns the paths by name: ca, cert, key,
    rogue_cert, rogue_key."""
    exe = require("openssl")
    directory.mkdir(parents=True, exist_ok=True)
    p = {
        name: directory / name
        for name in ("ca.pem", "ca.key", "server.pem", "server.key", "server.csr", "ext.cnf")
    }
    p["ext.cnf"].write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
    )

    def run(*args: str) -> None:
        subprocess.run([exe, *args], check=True, capture_output=True, timeout=60)

    # EC keys: generated in milliseconds where RSA takes up to a second.
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", str(p["ca.key"]), "-out", str(p["ca.pem"]),
        "-days", "2", "-subj", "/CN=cxximport test CA")  # fmt: skip
    run("req", *ec, "-keyout", str(p["server.key"]), "-out", str(p["server.csr"]),
        "-subj", "/CN=127.0.0.1")  # fmt: skip
    run("x509", "-req", "-in", str(p["server.csr"]), "-CA", str(p["ca.pem"]),
        "-CAkey", str(p["ca.key"]), "-CAcreateserial", "-out", str(p["server.pem"]),
        "-days", "2", "-extfile", str(p["ext.cnf"]))  # fmt: skip
    rogue_cert, rogue_key = directory / "rogue.pem", directory / "rogue.key"
    run("req", "-x509", *ec, "-keyout", str(rogue_key), "-out", str(rogue_cert),
        "-days", "2", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost")  # fmt: skip
    return {
        "ca": p["ca.pem"],
        "cert": p["server.pem"],
        "key": p["server.key"],
        "rogue_cert": rogue_cert,
        "rogue_key": rogue_key,
    }


@contextlib.contextmanager
def rediss_server(directory: Path, cert: Path, key: Path, ca: Path):
    """redis-server listening only on TLS (--port 0), clients not asked for
    a certificate; the URL is rediss://."""
    exe = require("redis-server")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    args = [exe, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1"]
    args += ["--tls-cert-file", str(cert), "--tls-key-file", str(key)]
    args += ["--tls-ca-cert-file", str(ca), "--tls-auth-clients", "no"]
    args += ["--save", "", "--appendonly", "no", "--dir", str(directory)]
    args += ["--daemonize", "no", "--protected-mode", "no"]
    log = directory / "redis.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    try:
        try:
            _wait_port(port, proc, "redis-server (TLS)")
        except RuntimeError as e:
            text = log.read_text(errors="replace")
            if "tls" in text.lower() and ("not supported" in text or "unrecognized" in text):
                pytest.skip(f"this redis-server was built without TLS: {text.strip()[-200:]}")
            raise RuntimeError(f"{e}: {text[-500:]}") from None
        yield Server(proc, port, f"rediss://127.0.0.1:{port}/0", directory)
    finally:
        _stop(proc)


@contextlib.contextmanager
def nginx_tls_server(directory: Path, cert: Path, key: Path):
    """nginx_server's WebDAV configuration behind `listen ... ssl`; the URL is
    https://."""
    directory.mkdir(parents=True, exist_ok=True)
    ssl_lines = f"ssl;\n    ssl_certificate {cert};\n    ssl_certificate_key {key}"
    with nginx_server(directory, listen_suffix=" " + ssl_lines) as server:
        server.url = server.url.replace("http://", "https://", 1)
        yield server
