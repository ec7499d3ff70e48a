"""One remote cache entry as one immutable blob (docs/cache.md, "Remote cache").

Format, version 1 (text header, then the files' bytes)::

    blob    := header body
    header  := "cxximport-remote-entry 1\\n"
               "key " HEX32 "\\n"                   the content key it is stored under
               ("file " SIZE " " NAME "\\n")+        manifest, shared object, .pyi
               "sha256 " HEX64 "\\n"                SHA-256 of body
               ("xxh3-128 " HEX32 "\\n")?           XXH3-128 of body
               ("hmac-sha256 " HEX64 "\\n")?        HMAC-SHA256 (signing key) of every byte above
               "\\n"
    body    := the files' bytes, concatenated in the order listed

The header binds the key, the file list and (through the SHA-256 of the
body) every byte of the files, so the HMAC of the header signs it all. The
entry's own manifest records the XXH3-128 of the shared object, which the
C++ store checks again when it installs the entry.

Which digest a reader checks: with a signing key, the SHA-256 (the HMAC
signs it, and XXH3 is not collision resistant); without one (a store marked
trusted, which could serve any bytes with matching digests anyway) the
XXH3-128 when the blob has it, computed by the core, because importing
OpenSSL's SHA-256 (``_hashlib``) costs 3-10 ms of a remote hit.
"""

from __future__ import annotations

from .._core import xxh3_128


def _sha256(data):
    try:  # OpenSSL's SHA-256 without importing hashlib (which loads blake2 too: ms per process)
        from _hashlib import openssl_sha256 as sha256
    except ImportError:  # pragma: no cover - a Python built without OpenSSL
        from hashlib import sha256
    return sha256(data)


MAGIC = b"cxximport-remote-entry 1\n"
MAX_HEADER = 64 * 1024
MAX_FILES = 16
_HEX = frozenset(b"0123456789abcdef")


def _is_hex64(b: bytes | bytearray) -> bool:
    return len(b) == 64 and _HEX.issuperset(b)


def _is_hex32(b: bytes | bytearray) -> bool:
    return len(b) == 32 and _HEX.issuperset(b)


def _is_name(b: bytes | bytearray) -> bool:
    # Not a regular expression: compiling one costs milliseconds per process.
    return (
        0 < len(b) <= 255
        and not b.startswith(b" ")
        and b not in (b".", b"..")
        and not any(c in b for c in (b"/", b"\x00", b"\n", b"\r"))
    )


class BlobError(ValueError):
    """A blob that must not be used; str() says why (truncated, altered, unsigned...)."""


def _hmac(secret: bytes, data: bytes | bytearray) -> str:
    import hashlib
    import hmac  # ~4 ms to import: only when a signing key is configured

    return hmac.new(secret, data, hashlib.sha256).hexdigest()


def pack(key: str, files: dict[str, bytes], secret: bytes | None = None) -> bytes:
    """The blob of an entry's files (``manifest`` first), signed when secret is given."""
    names = sorted(files, key=lambda n: (n != "manifest", n))
    header = MAGIC + b"key " + key.encode() + b"\n"
    for name in names:
        header += b"file %d %s\n" % (len(files[name]), name.encode())
    body = b"".join(files[name] for name in names)
    header += b"sha256 " + _sha256(body).hexdigest().encode() + b"\n"
    header += b"xxh3-128 " + xxh3_128(body).encode() + b"\n"
    if secret is not None:
        header += b"hmac-sha256 " + _hmac(secret, header).encode() + b"\n"
    return header + b"\n" + body


def unpack(blob: bytes | bytearray, key: str, secret: bytes | None) -> dict[str, memoryview]:
    """The files of a blob stored under key, after checking its integrity and,
    when secret is given, its signature. Raises BlobError. The files are views
    of blob (a 1 MB shared object is not copied again on its way to disk)."""
    view = memoryview(blob)
    end = blob.find(b"\n\n", 0, MAX_HEADER)
    if not blob.startswith(MAGIC):
        raise BlobError("not a cxximport remote entry (garbage, or another format version)")
    if end < 0:
        raise BlobError("no end of header (truncated or garbage)")
    lines = blob[len(MAGIC) : end + 1].split(b"\n")[:-1]
    if not lines or lines[0] != b"key " + key.encode():
        raise BlobError("stored under another key than the one it records")
    files: list[tuple[str, int]] = []
    digest: str | None = None
    fast_digest: str | None = None
    signature: str | None = None
    signed_until = len(MAGIC)
    for line in lines:
        if signature is not None:
            raise BlobError("data after the signature")
        word, _, rest = line.partition(b" ")
        if word == b"key" and line is lines[0]:
            pass
        elif word == b"file" and digest is None:
            size, _, name = rest.partition(b" ")
            if not size.isdigit() or not _is_name(name) or len(files) >= MAX_FILES:
                raise BlobError(f"bad file line {line[:80]!r}")
            files.append((name.decode("utf-8", "replace"), int(size)))
        elif word == b"sha256" and digest is None and _is_hex64(rest):
            digest = rest.decode()
        elif word == b"xxh3-128" and digest is not None and fast_digest is None and _is_hex32(rest):
            fast_digest = rest.decode()
        elif word == b"hmac-sha256" and digest is not None and _is_hex64(rest):
            signature = rest.decode()
            continue
        else:
            raise BlobError(f"bad header line {line[:80]!r}")
        signed_until += len(line) + 1
    if digest is None or not files:
        raise BlobError("incomplete header")
    body = view[end + 2 :]
    expected = sum(size for _, size in files)
    if len(body) != expected:
        raise BlobError(f"{len(body)} bytes of content, the header lists {expected} (truncated)")
    if secret is None and fast_digest is not None:
        if xxh3_128(body) != fast_digest:
            raise BlobError("content does not match its XXH3-128 (altered or corrupt)")
    elif _sha256(body).hexdigest() != digest:
        raise BlobError("content does not match its SHA-256 (altered or corrupt)")
    if secret is not None:
        import hmac

        if signature is None:
            raise BlobError("not signed, and a signing key is configured")
        if not hmac.compare_digest(signature, _hmac(secret, blob[:signed_until])):
            raise BlobError("signature does not verify (another signing key, or altered)")
    out: dict[str, memoryview] = {}
    offset = 0
    for file_name, file_size in files:
        if file_name in out:
            raise BlobError(f"file {file_name!r} listed twice")
        out[file_name] = body[offset : offset + file_size]
        offset += file_size
    if "manifest" not in out:
        raise BlobError("no manifest")
    return out
