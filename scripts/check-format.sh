#!/bin/sh
# Fails when a C++ file of ours drifts from .clang-format. The clang-format
# version is pinned (.ci/run installs it from the package index) because
# releases reformat differently; with --fix, rewrites the files instead.
set -eu
cd "$(dirname "$0")/.."
files=$(git ls-files 'src/*.cpp' 'src/*.hpp' 'cache/*.cpp' 'cache/*.hpp' 'templates/*.hpp' \
  'tests/cpp/*.cpp' 'tests/cpp/*.hpp')
if [ "${1:-}" = "--fix" ]; then
  echo "$files" | xargs clang-format -i
else
  echo "$files" | xargs clang-format --dry-run --Werror
fi
