"""The remote blob's digests (hook/cxximport/_remote/blob.py): without a
signing key the XXH3-128 line is checked (by the core, without importing
OpenSSL), with a key the SHA-256 that the HMAC signs; blobs without the
XXH3-128 line are checked by their SHA-256."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import needs_core

pytestmark = needs_core

KEY = "0123456789abcdef0123456789abcdef"
FILES = {"manifest": b"cxximport-manifest 1\n", "m.so": bytes(range(256)) * 4096, "m.pyi": b"x\n"}
SECRET = b"k" * 32


def flip(blob: bytes, at: int) -> bytes:
    b = bytearray(blob)
    b[at] ^= 0x01
    return bytes(b)


def test_an_unsigned_blob_carries_both_digests_and_is_checked_by_xxh3():
    from cxximport._core import xxh3_128
    from cxximport._remote.blob import BlobError, pack, unpack

    blob = pack(KEY, FILES)
    body = blob[blob.index(b"\n\n") + 2 :]
    assert b"\nsha256 " in blob and f"\nxxh3-128 {xxh3_128(body)}\n".encode() in blob
    assert {k: bytes(v) for k, v in unpack(bytearray(blob), KEY, None).items()} == FILES
    with pytest.raises(BlobError, match="XXH3-128"):
        unpack(flip(blob, len(blob) - 5000), KEY, None)


def test_a_blob_without_the_xxh3_line_is_checked_by_its_sha256():
    from cxximport._remote.blob import BlobError, pack, unpack

    blob = pack(KEY, FILES)
    start = blob.index(b"xxh3-128 ")
    older = blob[:start] + blob[blob.index(b"\n", start) + 1 :]
    assert unpack(older, KEY, None)["m.pyi"] == b"x\n"
    with pytest.raises(BlobError, match="SHA-256"):
        unpack(flip(older, len(older) - 5000), KEY, None)


def test_with_a_key_the_sha256_is_checked_even_when_the_xxh3_matches():
    from cxximport._core import xxh3_128
    from cxximport._remote.blob import BlobError, pack, unpack

    blob = pack(KEY, FILES, SECRET)
    assert unpack(blob, KEY, SECRET)["m.pyi"] == b"x\n"
    # Alter the body and fix up its XXH3-128 (XXH3 is no defence against
    # a forger): the SHA-256, which the signature covers, still refuses it.
    altered = flip(blob, len(blob) - 5000)
    body = altered[altered.index(b"\n\n") + 2 :]
    start = altered.index(b"xxh3-128 ") + len(b"xxh3-128 ")
    forged = altered[:start] + xxh3_128(body).encode() + altered[start + 32 :]
    with pytest.raises(BlobError, match="SHA-256"):
        unpack(forged, KEY, SECRET)


def test_a_header_line_out_of_place_is_refused():
    from cxximport._remote.blob import BlobError, pack, unpack

    blob = pack(KEY, FILES)
    line_start = blob.index(b"xxh3-128 ")
    line = blob[line_start : blob.index(b"\n", line_start) + 1]
    doubled = blob[:line_start] + line + line + blob[line_start + len(line) :]
    with pytest.raises(BlobError, match="bad header line"):
        unpack(doubled, KEY, None)


def test_checking_an_unsigned_blob_does_not_load_openssl(tmp_path):
    from cxximport._remote.blob import pack

    (tmp_path / "blob").write_bytes(pack(KEY, FILES))
    code = (
        "import sys\n"
        "from cxximport._remote.blob import unpack\n"
        f"files = unpack(open({str(tmp_path / 'blob')!r}, 'rb').read(), {KEY!r}, None)\n"
        "loaded = [m for m in ('_hashlib', 'hashlib', 'hmac') if m in sys.modules]\n"
        "print(sorted(files), loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['m.pyi', 'm.so', 'manifest'] []"
