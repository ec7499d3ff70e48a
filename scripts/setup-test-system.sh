#!/bin/sh
# Installs the system packages the test suite needs beyond the build's
# (scripts/setup-system.sh): the real servers the remote cache tests start
# on 127.0.0.1 (tests/remote_servers.py):
#   redis-server   the Redis store (redis://)
#   nginx-extras   nginx with WebDAV PUT/DELETE, the HTTP store (http://)
# Debian/Ubuntu (apt-get); sudo only when not root; a no-op when present.
set -eu

need=""
if ! command -v redis-server >/dev/null 2>&1; then
  need="$need redis-server"
fi
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  need="$need nginx-extras"
fi

[ -z "$need" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "cxximport: the remote cache tests need:$need (they are skipped without them)" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
fi
echo "cxximport: installing test servers:$need" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
# The packages start system-wide services; the tests start their own servers.
for service in redis-server nginx; do
  if command -v systemctl >/dev/null 2>&1; then
    $sudo systemctl disable --now "$service" >/dev/null 2>&1 || true
  fi
done
