"""A bounded fuzz run of the scanner, in process through ``_core.scan``:
mutated versions of the examples' .cxxpyx files (and of a few hostile
seeds) must each give a result or a clean ScanError naming the file and a
line; never a crash, a hang, a SystemError or any other exception.

The run is deterministic (seeded). CXXIMPORT_FUZZ_RUNS and
CXXIMPORT_FUZZ_SEED change its size and seed; tests/sanitize/run.sh runs it
under ASan/UBSan, and tests/sanitize/fuzz_scan.sh is the coverage-guided
(libFuzzer) harness for longer runs (docs/language.md, "Fuzzing the scanner").
"""

from __future__ import annotations

import os
import random
import re
import time
from pathlib import Path

import pytest
from conftest import REPO, needs_core

pytestmark = needs_core

RUNS = int(os.environ.get("CXXIMPORT_FUZZ_RUNS", "20000"))
SEED = int(os.environ.get("CXXIMPORT_FUZZ_SEED", "14"))

# Fragments the scanner treats specially: marks, brackets, literals, comments,
# splices, line ends, encodings.
DICTIONARY = [
    b"PYX_EXPORT ",
    b"PYX_NOGIL ",
    b"template <",
    b"pyx::fused<",
    b"concept ",
    b"namespace n {",
    b"struct S {",
    b'extern "C" {',
    b"<",
    b">",
    b">>",
    b"(",
    b")",
    b"[[",
    b"]]",
    b"{",
    b"}",
    b";",
    b",",
    b"=",
    b"::",
    b"...",
    b"->",
    b"operator",
    b"inline ",
    b"///",
    b"// cxximport: ",
    b"// cxximport: openmp\n",
    b"// cxximport: std = gnu++20\n",
    b"//",
    b"/*",
    b"*/",
    b'"',
    b"'",
    b'R"x(',
    b')x"',
    b'u8"',
    b"\\\n",
    b"\\\r\n",
    b"\r\n",
    b"\r",
    b"\n",
    b"#define M PYX_EXPORT\n",
    b"#",
    b"\xef\xbb\xbf",
    b"\xe9",
    b"\xff",
    b"\xc3\xa9",
    b"\xed\xa0\x80",
    b"\x00",
    b"__name__",
    b"1'000u",
    b"0x",
    b"std::optional<",
    b"std::nullopt",
    b"a < b",
    b"= int>",
]

HOSTILE_SEEDS = [
    b"PYX_EXPORT int f(bool x = "
    + b" && ".join(b"a%d < b%d" % (i, i) for i in range(40))
    + b");\n",
    b"PYX_EXPORT int f(int x = " + b"(" * 300 + b"1" + b")" * 300 + b");\n",
    b"template <pyx::fused<int, double> T = int>\nPYX_EXPORT T f(T x = T(3)) { return x; }\n",
    b'/// doc\r\nPYX_EXPORT std::tuple<int, std::optional<double>> g(const char* s = "\\x41");\r\n',
]

MESSAGE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): ")


def seeds() -> list[bytes]:
    files = sorted((REPO / "examples").rglob("*.cxxpyx"))
    assert files, "the examples' .cxxpyx files are the fuzz seeds"
    return [f.read_bytes() for f in files] + HOSTILE_SEEDS


def mutate(rng: random.Random, data: bytes, others: list[bytes]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        at = rng.randint(0, len(buf))
        op = rng.randrange(7)
        if op == 0 and buf:  # flip a byte
            buf[min(at, len(buf) - 1)] = rng.randrange(256)
        elif op == 1:  # insert a dictionary fragment
            buf[at:at] = rng.choice(DICTIONARY)
        elif op == 2:  # delete a range
            del buf[at : at + rng.randint(1, 64)]
        elif op == 3 and buf:  # duplicate a range
            b = rng.randrange(len(buf))
            buf[at:at] = buf[b : b + rng.randint(1, 128)]
        elif op == 4:  # splice in part of another seed
            other = rng.choice(others)
            b = rng.randrange(max(1, len(other)))
            buf[at:at] = other[b : b + rng.randint(1, 256)]
        elif op == 5:  # repeat a fragment many times (nesting, chains)
            buf[at:at] = rng.choice(DICTIONARY) * rng.randint(2, 400)
        else:  # truncate
            del buf[at:]
    return bytes(buf)


def check_one(core, path: Path, data: bytes) -> str | None:
    """None if data scanned cleanly (a result or a ScanError), else what went wrong."""
    # A new file each time: truncating a file just written makes ext4 flush it
    # (auto_da_alloc), which costs milliseconds per input.
    path.unlink(missing_ok=True)
    path.write_bytes(data)
    try:
        result = core.scan(str(path))
    except core.ScanError as e:
        m = MESSAGE.match(str(e))
        if not m or m["path"] != str(path) or e.filename != str(path):
            return f"ScanError not naming file:line:col: {e!r}"
        return None
    except Exception as e:  # noqa: BLE001 - any other exception is the finding
        return f"{type(e).__name__}: {e}"
    for ex in result["exports"]:
        texts = [ex["name"], ex["qualified_name"], ex["return_type"], ex["doc"]]
        texts += [v for p in ex["params"] for v in p.values()]
        if not all(isinstance(t, str) for t in texts) or not isinstance(ex["line"], int):
            return f"malformed result: {ex!r}"
    return None


def test_scanner_survives_mutated_examples(tmp_path):
    from cxximport import _core

    rng = random.Random(SEED)
    pool = seeds()
    path = tmp_path / "fuzz.cxxpyx"
    failures: list[tuple[int, str]] = []
    scanned = errors = 0
    start = time.perf_counter()
    for i in range(RUNS):
        data = mutate(rng, rng.choice(pool), pool)
        problem = check_one(_core, path, data)
        if problem is not None:
            kept = tmp_path / f"failure-{i}.cxxpyx"
            kept.write_bytes(data)
            failures.append((i, f"{problem} (input kept in {kept})"))
            if len(failures) >= 10:
                break
        elif len(data) and i % 50 == 0:
            # A sample of the valid results feeds later mutations.
            try:
                _core.scan(str(path))
                scanned += 1
                if len(pool) < 200:
                    pool.append(data)
            except _core.ScanError:
                errors += 1
    elapsed = time.perf_counter() - start
    assert not failures, f"seed {SEED}: " + "\n".join(f"input {i}: {p}" for i, p in failures)
    print(f"{RUNS} inputs in {elapsed:.1f} s (seed {SEED})")


@pytest.mark.parametrize(
    "data", HOSTILE_SEEDS, ids=["chain", "nesting", "fused-default", "crlf-tuple"]
)
def test_hostile_seeds_scan(tmp_path, data):
    from cxximport import _core

    assert check_one(_core, tmp_path / "seed.cxxpyx", data) is None
