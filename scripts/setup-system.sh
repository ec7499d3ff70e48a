#!/bin/sh
# Installs the system packages that building cxximport needs, when missing:
# a C++20 compiler (g++) and the Python headers; the xxHash headers
# (libxxhash-dev: without them the build downloads xxhash.h from PyPI,
# docs/building.md); and ccache, which the test suite uses as a real compiler launcher
# (CXXIMPORT_COMPILER_LAUNCHER). Debian/Ubuntu (apt-get); uses sudo only when not root. Does
# nothing when everything is there, so it is safe to run every time.
set -eu

need=""
if ! command -v c++ >/dev/null 2>&1 && ! command -v g++ >/dev/null 2>&1; then
  need="$need g++"
fi
# Optional: without xxhash.h the build downloads it; without ccache the
# launcher tests are skipped.
optional=""
if [ ! -e /usr/include/xxhash.h ] && [ ! -e /usr/local/include/xxhash.h ]; then
  optional="$optional libxxhash-dev"
fi
if ! command -v ccache >/dev/null 2>&1; then
  optional="$optional ccache"
fi
python=$(command -v python3 || command -v python || true)
if [ -n "$python" ] && ! "$python" -c 'import os, sys, sysconfig; sys.exit(not os.path.isfile(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null; then
  need="$need python3-dev"
fi

[ -z "$need$optional" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  [ -n "$optional" ] && echo "cxximport: optional:$optional (xxHash's headers, else the build downloads xxhash.h; ccache, for the compiler-launcher tests)" >&2
  [ -z "$need" ] && exit 0
  echo "cxximport: please install:$need (a C++20 compiler, the Python headers)" >&2
  exit 1
fi
need="$need$optional"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
fi
echo "cxximport: installing system packages:$need" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
