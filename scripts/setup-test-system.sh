#!/bin/sh
# Installs the system packages the TEST SUITE needs on top of setup-system.sh's
# (which the build needs), when missing. Debian/Ubuntu (apt-get); uses sudo only
# when not root. Does nothing when everything is there, so it is safe to run every
# time (.ci/run calls it). Add a line per package: `want COMMAND PACKAGE`.
set -eu

need=""
want() {
  # want COMMAND PACKAGE: install PACKAGE unless COMMAND is on PATH.
  if ! command -v "$1" >/dev/null 2>&1; then
    need="$need $2"
  fi
}

# cxximport annotate: objdump for the machine code per line, clang++ for the
# Clang optimisation-record tests, chromium for the headless browser test.
want objdump binutils
want clang++ clang
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  need="$need chromium"
fi

[ -z "$need" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "cxximport tests: please install:$need (tests needing them are skipped)" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
fi
echo "cxximport tests: installing system packages:$need" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
