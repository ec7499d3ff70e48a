#!/bin/sh
# Installs the system packages the test suite needs beyond scripts/setup-system.sh,
# when missing. Debian/Ubuntu (apt-get); sudo only when not root; a no-op when
# everything is there.
# - useradd/userdel (passwd): the multi-user cache tests create a second user
#   (tests/multiuser.py; skipped without them);
# - mount (mount): the read-only cache test bind-mounts a cache read-only.
set -eu

need=""
command -v useradd >/dev/null 2>&1 || need="$need passwd"
command -v mount >/dev/null 2>&1 || need="$need mount"
[ -z "$need" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "cxximport: the tests would use:$need (install them with your package manager)" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq $need
