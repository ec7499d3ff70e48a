#!/bin/sh
# On demand, not in CI: coverage-guided fuzzing of the scanner with libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer (the bounded, deterministic
# run in the regular suite is tests/test_scan_fuzz.py).
#
#   tests/sanitize/fuzz_scan.sh [SECONDS] [extra libFuzzer arguments]
#
# Builds fuzz_scan.cpp over src/scan/ (plus the stub generator) with clang++
# (CXX_FUZZ overrides), seeds a corpus from the examples' .cxxpyx files and
# runs for SECONDS (default 60) on all but one CPU. The corpus is kept in
# $CXXIMPORT_FUZZ_DIR (default ${TMPDIR:-/tmp}/cxximport-fuzz-scan), so later
# runs continue where this one stopped; a finding is written there as
# crash-* and reproduced with `.../fuzz_scan_bin crash-...`.
# Needs clang and its sanitizer runtimes (Debian/Ubuntu: clang, libclang-rt-dev
# or libclang-rt-14-dev).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
cxx=${CXX_FUZZ:-}
if [ -z "$cxx" ]; then
    for c in clang++ clang++-18 clang++-17 clang++-16 clang++-15 clang++-14; do
        if command -v "$c" >/dev/null 2>&1; then cxx=$c; break; fi
    done
fi
if [ -z "$cxx" ]; then
    echo "fuzz_scan.sh: clang++ is needed (libFuzzer is part of clang)" >&2
    exit 2
fi

work=${CXXIMPORT_FUZZ_DIR:-${TMPDIR:-/tmp}/cxximport-fuzz-scan}
mkdir -p "$work/corpus"
bin="$work/fuzz_scan_bin"
"$cxx" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$repo/src" "$here/fuzz_scan.cpp" "$repo"/src/scan/*.cpp "$repo/src/util/utf8.cpp" \
    "$repo/src/codegen/stub_gen.cpp" -o "$bin"

find "$repo/examples" -name '*.cxxpyx' -exec cp {} "$work/corpus/" \;

# Tokens the scanner treats specially, as a libFuzzer dictionary.
cat > "$work/scan.dict" <<'DICT'
"PYX_EXPORT "
"PYX_NOGIL "
"template <"
"pyx::fused<"
"concept "
"namespace n {"
"struct S {"
"extern \"C\" {"
"operator"
"inline "
"///"
"// cxximport: "
"/*"
"*/"
"R\"x("
")x\""
"\\\x0a"
"\x0d\x0a"
"#define M PYX_EXPORT"
"\xef\xbb\xbf"
"\xe9"
"std::optional<"
">>"
"->"
"..."
DICT

jobs=$(( $(nproc 2>/dev/null || echo 2) - 1 ))
[ "$jobs" -ge 1 ] || jobs=1
cd "$work"
exec "$bin" -max_total_time="$seconds" -dict="$work/scan.dict" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -jobs="$jobs" -workers="$jobs" "$@" "$work/corpus"
