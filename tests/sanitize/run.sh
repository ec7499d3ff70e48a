#!/bin/sh
# On demand, not in CI (a few minutes): builds the type-coverage modules of
# tests/data/types/ with AddressSanitizer and UndefinedBehaviorSanitizer and
# runs test_types.py and the bad-input matrix (test_bad_inputs.py, whose
# cases also run in child interpreters) against them.
#
#   tests/sanitize/run.sh [extra pytest arguments]
#
# Python itself is not instrumented, so the ASan runtime is preloaded, and
# PYTHONMALLOC=malloc routes Python's allocations through it too. Leak
# detection is off: the interpreter keeps memory until exit by design (the
# leak test is tests/test_leaks.py). Any sanitizer report aborts the process,
# which fails the running test (or the matrix case) with the report in its output.
#
# Then the scanner: cxximport._core itself is rebuilt with ASan and UBSan
# (CMake, into a temporary directory) and the bounded scanner fuzz test
# (test_scan_fuzz.py: 20,000 mutated inputs through _core.scan, in process)
# runs against it. CXXIMPORT_FUZZ_RUNS / CXXIMPORT_FUZZ_SEED size and seed it;
# fuzz_scan.sh is the coverage-guided harness for longer runs.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
cxx=${CXX:-g++}

asan=$("$cxx" -print-file-name=libasan.so)
if [ ! -e "$asan" ]; then
    echo "run.sh: $cxx has no libasan.so (install the compiler's sanitizer runtime)" >&2
    exit 2
fi

export PYXTYPES_SANITIZE=1
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
export PYTHONMALLOC=malloc

cd "$tests"
PYXTYPES_CACHE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pyx-sanitize.XXXXXX")
export PYXTYPES_CACHE_DIR
trap 'rm -rf "$PYXTYPES_CACHE_DIR"' EXIT
# Build first without the preload, so the compiler runs uninstrumented
# (cxximport.build compiles without importing; pytest then hits the cache).
python -c '
import sys
import pyxtypes_build as tb
for source in (tb.TYPES_SOURCE, tb.BOUNDS_SOURCE):
    print("built", tb.build(source, tb.shared_cache_dir(None)))
'

# libstdc++ is preloaded too: ASan intercepts __cxa_throw and must find the
# real one at start-up, before the extension modules bring libstdc++ in.
stdcxx=$("$cxx" -print-file-name=libstdc++.so)
LD_PRELOAD="$asan $stdcxx" python -m pytest -q -p no:cacheprovider test_types.py test_bad_inputs.py "$@"

# ---- the scanner, in process, under the sanitizers ----
scan_build=$(mktemp -d "${TMPDIR:-/tmp}/pyx-sanitize-core.XXXXXX")
trap 'rm -rf "$PYXTYPES_CACHE_DIR" "$scan_build"' EXIT
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
repo=$(dirname "$tests")
generator=""
command -v ninja >/dev/null 2>&1 && generator="-G Ninja"
# shellcheck disable=SC2086
cmake -S "$repo" -B "$scan_build/build" $generator -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$cxx" -DPython_EXECUTABLE="$(command -v python)" \
    -DCMAKE_CXX_FLAGS="$san" -DCMAKE_MODULE_LINKER_FLAGS="$san" -DCMAKE_SHARED_LINKER_FLAGS="$san" >/dev/null
cmake --build "$scan_build/build" --target _core -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
mkdir -p "$scan_build/pkg/cxximport"
cp "$repo"/hook/cxximport/*.py "$scan_build/pkg/cxximport/"
cp "$scan_build"/build/_core*.so "$scan_build/pkg/cxximport/"
PYTHONPATH="$scan_build/pkg${PYTHONPATH:+:$PYTHONPATH}" LD_PRELOAD="$asan $stdcxx" python -c \
    'import cxximport._core as c; print("sanitized core:", c.__file__)'
PYTHONPATH="$scan_build/pkg${PYTHONPATH:+:$PYTHONPATH}" LD_PRELOAD="$asan $stdcxx" \
    python -m pytest -q -p no:cacheprovider test_scan_fuzz.py test_scan_hostile.py
