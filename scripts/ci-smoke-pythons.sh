#!/usr/bin/env bash
# The smoke subset on every CPython 3.10-3.13 found on this machine (the full
# suite runs on the default Python): install the package into a fresh virtual
# environment, run the README's shortest example, the demo's correctness check
# (--quick) and the ahead-of-time example wheel. A version that is absent is
# skipped with a line saying so. Usage: scripts/ci-smoke-pythons.sh [VERSION...]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

find_python() {
  local v=$1 p
  for p in "python$v" "$HOME/.pyenv/versions/$v"*/bin/python3 "/usr/bin/python$v" "/usr/local/bin/python$v"; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$v'.split('.'))))" 2>/dev/null; then
      command -v "$p"
      return 0
    fi
  done
  return 1
}

versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(3.10 3.11 3.12 3.13)
default=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
work=$(mktemp -d "${TMPDIR:-/tmp}/cxximport-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0 passed=0

smoke() {
  local v=$1 py=$2 dir="$work/$1"
  mkdir -p "$dir/wheels" "$dir/example"
  "$py" -m venv "$dir/venv"
  local vpy="$dir/venv/bin/python"
  "$vpy" -m pip install -q --upgrade pip >/dev/null
  # The package as a user builds it (build isolation), kept as a wheel for the AOT step.
  "$vpy" -m pip wheel -q --no-deps "$repo" -w "$dir/wheels"
  "$vpy" -m pip install -q "$dir"/wheels/cxximport-*.whl
  # The README's shortest example, verbatim.
  cp "$repo/tests/data/readme/compute.cxxpyx" "$repo/tests/data/readme/run_readme.py" "$dir/example/"
  (cd "$dir/example" && CXXIMPORT_CACHE_DIR="$dir/cache" "$vpy" run_readme.py)
  # The demo's correctness check on small arrays.
  CXXIMPORT_CACHE_DIR="$dir/cache" "$vpy" -m cxximport demo --quick >"$dir/demo.log"
  # The AOT example, with the commands docs/aot.md gives.
  "$vpy" -m pip wheel -q --find-links "$dir/wheels" "$repo/examples/aot_package" -w "$dir/aot"
  "$vpy" -m pip install -q --find-links "$dir/wheels" "$dir"/aot/aotdemo-*.whl
  (cd "$dir" && "$vpy" -c 'import numpy as np, aotdemo.kernels as k; print(k.__name__, "ok")')
}

for v in "${versions[@]}"; do
  if [ "$v" = "$default" ] && [ "${CXXIMPORT_SMOKE_DEFAULT:-0}" != 1 ]; then
    echo "smoke: Python $v: the full suite runs on it; skipped here"
    continue
  fi
  if ! py=$(find_python "$v"); then
    echo "smoke: Python $v: not found on this machine; skipped"
    continue
  fi
  echo "smoke: Python $v ($py)"
  if smoke "$v" "$py"; then
    echo "smoke: Python $v: passed"
    passed=$((passed + 1))
  else
    echo "smoke: Python $v: FAILED"
    failed=$((failed + 1))
  fi
done
echo "smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
