"""The remote module cache over TLS (docs/cache.md, "Remote cache over
TLS"): rediss:// against redis-server's TLS port and https:// against nginx's
`listen ... ssl`, with a throwaway CA made by the openssl CLI. The clients use
Python's default SSL context, so they trust the test CA through the standard
SSL_CERT_FILE variable; a server whose certificate no trusted CA signed is a
local build with one warning, never an import failure."""

from __future__ import annotations

import contextlib
import re

import pytest
from conftest import needs_core
from remote_servers import make_certificates, nginx_tls_server, rediss_server
from test_remote_cache import run_import, rw, source_text, stats

pytestmark = needs_core


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tls_servers(tmp_path_factory, certs):
    """Both stores, each twice: served with the CA-signed certificate
    ("good") and with a self-signed one no client trusts ("rogue")."""
    made = tmp_path_factory.mktemp
    good, rogue = (certs["cert"], certs["key"]), (certs["rogue_cert"], certs["rogue_key"])
    with contextlib.ExitStack() as stack:
        yield {
            "rediss good": stack.enter_context(rediss_server(made("rediss"), *good, certs["ca"])),
            "rediss rogue": stack.enter_context(
                rediss_server(made("rediss_rogue"), *rogue, certs["rogue_cert"])
            ),
            "https good": stack.enter_context(nginx_tls_server(made("https"), *good)),
            "https rogue": stack.enter_context(nginx_tls_server(made("https_rogue"), *rogue)),
        }


@pytest.fixture
def module(tmp_path, request):
    src = tmp_path / "src"
    src.mkdir()
    name = "tls_" + re.sub(r"\W", "_", request.node.name)
    (src / f"{name}.cxxpyx").write_text(source_text(f"{request.node.nodeid} {tmp_path}"))
    return src, name


@pytest.mark.parametrize("scheme", ["rediss", "https"])
def test_a_remote_hit_over_tls_with_the_ca_in_ssl_cert_file(
    scheme, tls_servers, certs, module, tmp_path
):
    src, name = module
    url = tls_servers[f"{scheme} good"].url
    assert url.startswith(f"{scheme}://")
    env = rw(url, SSL_CERT_FILE=str(certs["ca"]))

    first, err = run_import(src, name, tmp_path / "a", env)
    assert first["value"] == 144 and first["state"]["built"], first
    assert "warning" not in err.lower(), err
    assert stats(tmp_path / "a")["remote_upload"] == 1

    second, err = run_import(src, name, tmp_path / "b", env)
    assert second["value"] == 144, second
    assert not second["state"]["built"] and second["state"]["key"] == first["state"]["key"]
    assert second["state"]["remote"].startswith(f"{scheme}://"), second["state"]
    b = stats(tmp_path / "b")
    assert b.get("build", 0) == 0 and b["remote_hit"] == 1, b
    assert "warning" not in err.lower(), err


@pytest.mark.parametrize("scheme", ["rediss", "https"])
@pytest.mark.parametrize(
    "server, trusted_ca, reason",
    [
        # Self-signed, not by the CA in SSL_CERT_FILE; its hostname matches,
        # so only the chain is wrong.
        pytest.param("rogue", "ca", "self-signed certificate", id="self_signed"),
        # Signed by the test CA, which the client was not told to trust: the
        # trust above came from SSL_CERT_FILE and nothing else.
        # (redis-server sends the CA along: "self-signed certificate in
        # certificate chain"; nginx does not: "unable to get local issuer".)
        pytest.param("good", "none", "certificate verify failed", id="ca_not_trusted"),
    ],
)
def test_an_untrusted_certificate_is_a_local_build_with_one_warning(
    scheme, server, trusted_ca, reason, tls_servers, certs, module, tmp_path
):
    src, name = module
    url = tls_servers[f"{scheme} {server}"].url
    extra = {"SSL_CERT_FILE": str(certs["ca"])} if trusted_ca == "ca" else {}
    out, err = run_import(src, name, tmp_path / "a", rw(url, **extra))
    assert out["value"] == 144 and out["state"]["built"], out
    assert err.count("cxximport: remote cache") == 1, err
    assert url in err and "CERTIFICATE_VERIFY_FAILED" in err and reason in err, err
    a = stats(tmp_path / "a")
    assert a.get("remote_upload", 0) == 0 and a.get("remote_hit", 0) == 0, a
