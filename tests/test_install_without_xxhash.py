"""`pip install .` and an sdist build on a machine without libxxhash-dev: the
build takes xxhash.h from the pinned `xxhash` sdist on the package index, and
says what is missing when it cannot (issue 16, point 6).

A machine without the header is made for real: a mount namespace overlays
/usr/include with a whiteout for xxhash.h (root only; skipped otherwise)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SDIST_URL_HOST = "https://files.pythonhosted.org/"


def _namespaces_work() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    p = subprocess.run(["unshare", "-m", "-n", "true"], capture_output=True)
    return p.returncode == 0


needs_namespaces = pytest.mark.skipif(
    not _namespaces_work(), reason="needs root and unshare (mount/network namespaces)"
)


def _index_reachable() -> bool:
    try:
        urllib.request.urlopen(SDIST_URL_HOST, timeout=10).close()
        return True
    except OSError:
        return False


def _without_system_xxhash(tmp: Path, command: list[str], network: bool) -> list[str]:
    """`command` run where /usr/include/xxhash.h does not exist (and, unless
    `network`, where no network exists either)."""
    upper, work = tmp / "overlay-upper", tmp / "overlay-work"
    upper.mkdir()
    work.mkdir()
    os.mknod(upper / "xxhash.h", 0o600 | 0o020000, os.makedev(0, 0))  # an overlay whiteout
    mount = (
        f"mount -t overlay overlay -o lowerdir=/usr/include,upperdir={upper},workdir={work} "
        '/usr/include && test ! -e /usr/include/xxhash.h && exec "$@"'
    )
    flags = ["-m"] if network else ["-m", "-n"]
    return ["unshare", *flags, "sh", "-c", mount, "sh", *command]


def _sdist(tmp: Path) -> Path:
    """The sdist of this tree, as `python -m build --sdist` would make it."""
    out = tmp / "dist"
    code = (
        "import sys; from scikit_build_core.build import build_sdist; "
        "print(build_sdist(sys.argv[1]))"
    )
    p = subprocess.run(
        [sys.executable, "-c", code, str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    return out / p.stdout.strip().splitlines()[-1]


def _pip_wheel(source: Path, dest: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-build-isolation",
        "--no-deps",
        "--no-cache-dir",
        "-w",
        str(dest),
        str(source),
    ]


def test_sdist_carries_the_recipe_not_a_copy_of_xxhash(tmp_path: Path):
    with tarfile.open(_sdist(tmp_path)) as tar:
        names = tar.getnames()
    assert any(n.endswith("third_party/xxhash.cmake") for n in names), names
    assert not any(n.endswith("xxhash.h") for n in names), names


@needs_namespaces
def test_no_system_header_and_no_network_names_what_is_missing(tmp_path: Path):
    p = subprocess.run(
        _without_system_xxhash(tmp_path, _pip_wheel(ROOT, tmp_path / "wheels"), network=False),
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert "xxhash.h is missing" in out, out
    assert "libxxhash-dev" in out, out
    assert "files.pythonhosted.org/packages/" in out and "xxhash-3.6.0.tar.gz" in out, out


@needs_namespaces
@pytest.mark.skipif(not _index_reachable(), reason="the package index is not reachable")
def test_sdist_builds_a_working_wheel_without_system_xxhash(tmp_path: Path):
    sdist = _sdist(tmp_path)
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path / "src", filter="data")
    (tree,) = (tmp_path / "src").iterdir()
    wheels = tmp_path / "wheels"
    p = subprocess.run(
        _without_system_xxhash(tmp_path, _pip_wheel(tree, wheels), network=True),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    (wheel,) = wheels.glob("cxximport-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        # The extension contains xxHash's code: its licence ships beside it.
        assert "cxximport/licenses/xxHash-LICENSE" in names, names
        assert "BSD 2-Clause" in z.read("cxximport/licenses/xxHash-LICENSE").decode()
        (core,) = [n for n in names if n.startswith("cxximport/_core") and n.endswith(".so")]
        z.extract(core, tmp_path / "unpacked")
    # The core compiled against the downloaded header loads.
    site = tmp_path / "unpacked"
    shutil.copytree(ROOT / "hook" / "cxximport", site / "cxximport", dirs_exist_ok=True)
    q = subprocess.run(
        [sys.executable, "-c", "import cxximport._core as c; print(c.__file__)"],
        cwd=site,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert q.returncode == 0 and str(site) in q.stdout, q.stdout + q.stderr
