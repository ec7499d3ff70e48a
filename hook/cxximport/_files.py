"""Atomic text writes for the files cxximport writes outside its cache
(stubs, compile_commands.json, notebook cells, generated AOT sources): a
reader (an IDE, CMake, another process) never sees half a file."""

from __future__ import annotations

import os
import tempfile


def write_atomic(path: str, text: str) -> None:
    """Writes text to a temporary file beside path, then renames it over path."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".cxximport-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
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
