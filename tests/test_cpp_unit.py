"""Builds the core's C++ unit tests (scanner, codegen goldens, cache store,
key, depfile...) with CMake and runs them: one pytest test per C++ suite run."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def unittest_binary(tmp_path_factory):
    cmake = shutil.which("cmake")
    if cmake is None:
        pytest.fail("cmake is needed for the C++ unit tests (pip install '.[test]')")
    build = tmp_path_factory.mktemp("cpp-unittests")
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(
        [
            cmake,
            "-S",
            str(ROOT),
            "-B",
            str(build),
            *generator,
            "-DCXXIMPORT_BUILD_TESTS=ON",
            "-DCXXIMPORT_BUILD_PYTHON=OFF",
            "-DCMAKE_BUILD_TYPE=Debug",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    jobs = str(os.cpu_count() or 2)
    result = subprocess.run(
        [cmake, "--build", str(build), "-j", jobs], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.fail(
            "building the C++ unit tests failed:\n" + result.stdout[-4000:] + result.stderr[-4000:]
        )
    return build / "cxximport_unittests"


def test_cpp_unit_tests_pass(unittest_binary):
    result = subprocess.run([str(unittest_binary)], capture_output=True, text=True, timeout=600)
    sys.stdout.write(result.stdout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    assert " passed, 0 failed" in result.stdout
