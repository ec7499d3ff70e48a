#!/bin/sh
# Installs the system packages the test suite's real services and tools need,
# when missing: Redis and nginx with WebDAV (the remote cache's stores),
# Chromium (the annotate report rendered in a real browser), Clang (the second
# compiler of annotate's reports). Debian/Ubuntu (apt-get); sudo only when not
# root. A no-op when everything is there. .ci/run calls it; a developer may too.
set -eu

need=""
command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
[ -e /usr/lib/nginx/modules/ngx_http_dav_ext_module.so ] || need="$need nginx-extras"
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v clang++ >/dev/null 2>&1 || need="$need clang"

[ -z "$need" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "cxximport: the test suite wants:$need (tests needing them are skipped)" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "cxximport: installing test packages:$need" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
