"""Atomic text writes for the files cxximport writes outside its cache
(stubs, compile_commands.json, notebook cells, generated AOT sources): a
reader (an IDE, CMake, another process) never sees half a file."""

from __future__ import annotations

import os


def write_atomic(path: str, text: str) -> None:
    """Writes text to a temporary file beside path, then renames it over path.
    The file gets the mode ``open(path, "w")`` would give it: the one it has,
    or 0666 less the umask for a new file (these are the user's files, not
    the cache's private ones)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        mode = None
    for _ in range(100):
        tmp = os.path.join(directory, f".cxximport-{os.urandom(6).hex()}.tmp")
        try:
            # O_EXCL: never an existing file or symlink; 0o666: the kernel
            # applies the umask, as for any file the user creates.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(f"cannot create a temporary file in {directory}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            if mode is not None:
                os.fchmod(f.fileno(), mode)
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_if_changed(path: str, text: str) -> bool:
    """write_atomic unless path already holds text (its mtime then stays, so
    tools watching it do not rebuild). True when it wrote."""
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return False
    except OSError:
        pass
    write_atomic(path, text)
    return True
