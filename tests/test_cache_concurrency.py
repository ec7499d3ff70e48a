"""Many processes and killed builders: one build per key across processes,
waiters say whom they wait for, a lock timeout is a clear error, and a
builder killed with SIGKILL at any point leaves a cache the next import uses
without manual cleanup (and never a partial entry that gets loaded).

The builds go through a compiler wrapper (g++ behind a script that can sleep
and leaves marker files: compile-start, compile-end, link-start, link-end)
and a ninja wrapper (which can stop the builder just after ninja finished), so
the tests can see and hit every phase of a build. The wrappers' behaviour is
set by environment variables: their paths and contents, and so the cache key,
stay the same whatever they do.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import needs_core

pytestmark = needs_core

CXX_WRAPPER = """#!/bin/sh
# g++, slowed down by $SLOW_CXX_DELAY seconds per compile or link, leaving
# $MARKERS/<phase>-start and -end files when $MARKERS is set.
case " $* " in
  *" --version "*|*" -E "*) exec g++ "$@" ;;
esac
phase=link
case " $* " in *" -c "*) phase=compile ;; esac
[ -n "$MARKERS" ] && : > "$MARKERS/$phase-start"
[ -n "$SLOW_CXX_DELAY" ] && sleep "$SLOW_CXX_DELAY"
g++ "$@"
rc=$?
[ -n "$MARKERS" ] && : > "$MARKERS/$phase-end"
exit $rc
"""

NINJA_WRAPPER = """#!/bin/sh
# The real ninja; then, when $STOP_AFTER_NINJA is set (seconds), a detached
# helper stops the builder (our parent) that long after ninja returned and
# leaves $MARKERS/stopped ("now": stop it before returning).
"$REAL_NINJA" "$@"
rc=$?
if [ "$STOP_AFTER_NINJA" = now ]; then
  # Outputs complete, the builder not yet told: stop it before we exit.
  : > "$MARKERS/stopped"
  kill -STOP $PPID
elif [ -n "$STOP_AFTER_NINJA" ]; then
  parent=$PPID
  (sleep "$STOP_AFTER_NINJA"; kill -STOP "$parent"; : > "$MARKERS/stopped") \
    </dev/null >/dev/null 2>&1 &
fi
exit $rc
"""

# A child that imports `module` from `src` once the file `go` exists (when
# given), and prints what happened as JSON.
CHILD = """
import json, logging, os, sys, time
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
sys.path.insert(0, {src!r})
import cxximport
from cxximport import _core  # loaded before the start line, like the wrappers
cxximport.install(**{options!r})
go = {go!r}
if go:
    open(go + ".ready." + str(os.getpid()), "w").close()
    while not os.path.exists(go):
        time.sleep(0.002)
t0 = time.monotonic()
try:
    import {module} as m
except ImportError as e:
    print(json.dumps({{"pid": os.getpid(), "error": type(e).__name__, "message": str(e)}}))
    sys.exit(3)
state = m.__spec__.loader_state
print(json.dumps({{"pid": os.getpid(), "built": state["built"], "value": m.value(),
                  "so": m.__file__, "seconds": time.monotonic() - t0}}))
"""


def _script(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The compiler and ninja wrappers, set as CXX (inherited by children)."""
    from cxximport import _options

    real_ninja = _options.find_ninja()
    assert real_ninja, "ninja not found"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    cxx = _script(bin_dir / "slowcxx", CXX_WRAPPER)
    ninja = _script(bin_dir / "ninja", NINJA_WRAPPER)
    monkeypatch.setenv("CXX", str(cxx))
    monkeypatch.setenv("REAL_NINJA", real_ninja)
    for var in ("SLOW_CXX_DELAY", "MARKERS", "STOP_AFTER_NINJA"):
        monkeypatch.delenv(var, raising=False)
    return {"cxx": str(cxx), "ninja": str(ninja)}


def _source(tmp_path: Path, name: str, value: int) -> Path:
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    path = src / f"{name}.cxxpyx"
    path.write_text(f"PYX_EXPORT int value() {{ return {value}; }}\n")
    return path


def _spawn(source: Path, options: dict, env: dict, go: str = "", session: bool = False):
    code = CHILD.format(src=str(source.parent), module=source.stem, options=options, go=go)
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=session,
    )


def _finish(proc: subprocess.Popen, timeout: float = 120) -> dict:
    out, err = proc.communicate(timeout=timeout)
    lines = out.strip().splitlines()
    result = json.loads(lines[-1]) if lines else {}
    result.update(returncode=proc.returncode, stderr=err)
    return result


def _core():
    from cxximport import _core as core

    return core


def _wait_for(predicate, timeout: float = 60.0, interval: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


# --------------------------------------------------------------------------
# Races


def test_sixteen_processes_importing_at_once_build_once(tmp_path, cache_dir, tools):
    source = _source(tmp_path, "racer", 16)
    go = str(tmp_path / "go")
    env = {"SLOW_CXX_DELAY": "3"}
    procs = [_spawn(source, {"ninja": tools["ninja"]}, env, go=go) for _ in range(16)]
    ready = lambda: len(list(tmp_path.glob("go.ready.*"))) == 16  # noqa: E731
    assert _wait_for(ready, timeout=60), "the 16 children did not start"
    t0 = time.monotonic()
    Path(go).touch()
    results = [_finish(p) for p in procs]
    wall = time.monotonic() - t0

    for r in results:
        assert r["returncode"] == 0, r["stderr"]
        assert r["value"] == 16
    builders = [r for r in results if r["built"]]
    info = _core().cache_info(str(cache_dir))
    print(
        f"\nrace: 16 processes, {len(builders)} built, cache_info build={info['build']} "
        f"miss={info['miss']} hit={info['hit']}, wall {wall:.1f} s, "
        f"slowest import {max(r['seconds'] for r in results):.1f} s"
    )
    assert len(builders) == 1
    assert info["build"] == 1 and info["build_failed"] == 0
    assert len({r["so"] for r in results}) == 1
    builder = builders[0]["pid"]
    waiting = re.compile(rf"waiting for another process \(pid {builder}\) building racer")
    waiters = [r for r in results if waiting.search(r["stderr"])]
    # The build takes 3 s more than the others need to reach the lock: every
    # other process waits for more than a second and says so.
    assert len(waiters) == 15, [r["stderr"] for r in results if not waiting.search(r["stderr"])]
    assert _core().cache_list(str(cache_dir))[0]["problem"] == ""


def test_a_lock_timeout_is_a_clear_error_naming_the_builder(tmp_path, cache_dir, tools):
    source = _source(tmp_path, "slow", 5)
    markers = tmp_path / "markers"
    markers.mkdir()
    builder = _spawn(
        source, {"ninja": tools["ninja"]}, {"SLOW_CXX_DELAY": "2.5", "MARKERS": str(markers)}
    )
    try:
        assert _wait_for(lambda: (markers / "compile-start").exists(), timeout=60)
        t0 = time.monotonic()
        waiter = _finish(_spawn(source, {"ninja": tools["ninja"], "lock_timeout": 0.5}, {}))
        waited = time.monotonic() - t0
        builder_still_running = builder.poll() is None
    finally:
        first = _finish(builder)
    assert first["returncode"] == 0 and first["built"] is True, first["stderr"]
    assert waiter["returncode"] == 3, waiter["stderr"]
    message = waiter["message"]
    print(f"\nlock timeout after {waited:.1f} s: {waiter['error']}: {message}")
    assert builder_still_running  # it gave up after its timeout, not after the build
    assert f"pid {first['pid']}" in message
    assert message.startswith("cxximport: cannot import slow (")
    assert ".lock" in message and "0.5 s" in message and "lock_timeout" in message


# --------------------------------------------------------------------------
# SIGKILL


def _phase(markers: Path) -> str:
    names = {p.name for p in markers.iterdir()}
    if "stopped" in names:
        return "after ninja (publish)"
    if "link-end" in names:
        return "after link"
    if "link-start" in names:
        return "link"
    if "compile-end" in names:
        return "between compile and link"
    if "compile-start" in names:
        return "compile"
    return "start-up/scan/generation"


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL the builder, then whatever it left running (ninja, compiler)."""
    for kill in (os.kill, os.killpg):
        try:
            kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.communicate(timeout=60)


def _check_cache_after_kill(cache_dir: Path) -> list[dict]:
    """Every entry has a readable manifest and the shared object it records."""
    entries = _core().cache_list(str(cache_dir))
    bad = [e for e in entries if e["problem"]]
    assert not bad, bad
    for e in entries:
        fields = dict(
            line.split(" ", 1)
            for line in (Path(e["entry_dir"]) / "manifest").read_text().splitlines()[1:-1]
        )
        so = Path(e["entry_dir"]) / fields["so_name"]
        assert so.stat().st_size == int(fields["so_size"]), e
    return entries


def test_builds_killed_at_random_points_leave_a_usable_cache(tmp_path, cache_dir, tools):
    seed = int(os.environ.get("CXXIMPORT_KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    options = {"ninja": tools["ninja"]}
    slow = {"SLOW_CXX_DELAY": "0.3"}

    # Measure a whole build (a child's start-up to its exit) with the wrapper,
    # twice, keeping the shorter: the first also fills the compiler's memo, and
    # a build slowed by a passing load would put most kills after the end.
    build_time = float("inf")
    for n in (-1, -2):
        t0 = time.monotonic()
        calib = _finish(_spawn(_source(tmp_path, "victim", n), options, slow))
        build_time = min(build_time, time.monotonic() - t0)
        assert calib["returncode"] == 0 and calib["built"] is True, calib["stderr"]

    # When to kill each run: (marker to wait for or None, then seconds to
    # sleep, STOP_AFTER_NINJA). Random delays over the whole build; then
    # deterministic points: inside the compiler, inside the linker, and after
    # ninja finished (the builder stopped by the ninja wrapper right away or a
    # few milliseconds later, in the publication).
    plans: list[tuple[str | None, float, str]] = [
        (None, rng.uniform(0, build_time), "") for _ in range(20)
    ]
    plans += [("compile-start", 0.1, ""), ("compile-start", 0.5, ""), ("link-start", 0.35, "")]
    plans += [("stopped", 0.0, stop) for stop in ("now", "0.001", "0.003", "0.01")]

    outcomes: dict[str, int] = {}
    for i, (marker, delay, stop) in enumerate(plans):
        markers = tmp_path / f"markers{i}"
        markers.mkdir()
        source = _source(tmp_path, "victim", i)
        env = {**slow, "MARKERS": str(markers), "STOP_AFTER_NINJA": stop}
        keys_before = {e["key"] for e in _core().cache_list(str(cache_dir))}
        proc = _spawn(source, options, env, session=True)
        if marker:
            seen = markers / marker
            _wait_for(lambda: seen.exists() or proc.poll() is not None, timeout=60)  # noqa: B023
        time.sleep(delay)
        finished = proc.poll() is not None
        phase = "finished before the kill" if finished else _phase(markers)
        _kill(proc)
        if finished:
            assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""

        entries = _check_cache_after_kill(cache_dir)
        if phase.startswith("after ninja"):
            published = any(e["key"] not in keys_before for e in entries)
            phase += ", entry published" if published else ", before publication"
        outcomes[phase] = outcomes.get(phase, 0) + 1
        # The next import, without any cleanup: builds or hits, loads this
        # iteration's code from a complete entry.
        after = _finish(_spawn(source, options, {}))
        assert after["returncode"] == 0, (marker, delay, stop, phase, after["stderr"])
        assert after["value"] == i
        entries = _check_cache_after_kill(cache_dir)
        assert after["so"] in {str(Path(e["entry_dir"]) / Path(after["so"]).name) for e in entries}
        # Dead builders' directories were removed by that import.
        leftovers = [p.name for p in (cache_dir / "v1" / "tmp").iterdir()]
        assert leftovers == [], (phase, leftovers)

    kills = len(plans)
    print(
        f"\nkill test (seed {seed}): build time {build_time:.2f} s, {kills} SIGKILLs; "
        + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
        + f"; cache_info {json.dumps(_core().cache_info(str(cache_dir)))}"
    )
    assert kills >= 20
    # Most kills must hit a build in progress (else the test proves little).
    assert outcomes.get("finished before the kill", 0) <= kills // 2
