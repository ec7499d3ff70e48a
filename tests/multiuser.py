"""A second user for the multi-user tests, created with useradd for the test
and deleted afterwards. Skips (with the reason) where that is impossible:
not root, no useradd, or an interpreter another user cannot run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass

import pytest


@dataclass
class User:
    name: str
    uid: int
    gid: int

    def run(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        """Runs argv as this user (a real process with its uid and gid)."""
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        kwargs.setdefault("timeout", 300)
        return subprocess.run(argv, user=self.uid, group=self.gid, extra_groups=[], **kwargs)

    def can_run_python(self) -> str:
        """ "" when this user can run sys.executable with cxximport; else why not."""
        try:
            proc = self.run([sys.executable, "-c", "import cxximport._core"], cwd="/")
        except OSError as e:
            return f"user {self.name} cannot run {sys.executable}: {e}"
        if proc.returncode == 0:
            return ""
        why = proc.stderr.strip()[-200:]
        return f"user {self.name} cannot run {sys.executable} with cxximport: {why}"


def second_user():
    """A generator for a fixture: yields a fresh User, deletes it afterwards."""
    if os.geteuid() != 0:
        pytest.skip("creating a second user needs root")
    useradd, userdel = shutil.which("useradd"), shutil.which("userdel")
    if not useradd or not userdel:
        pytest.skip("creating a second user needs useradd and userdel")
    name = "cxxt" + uuid.uuid4().hex[:8]
    proc = subprocess.run(
        [useradd, "--no-create-home", "--user-group", "--shell", "/bin/sh", name],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.skip(f"useradd failed: {proc.stderr.strip()}")
    try:
        import pwd

        entry = pwd.getpwnam(name)
        yield User(name, entry.pw_uid, entry.pw_gid)
    finally:
        subprocess.run([userdel, name], capture_output=True)
