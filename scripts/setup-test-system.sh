#!/bin/sh
# Installs the system packages the test suite needs beyond scripts/setup-system.sh,
# when missing. Debian/Ubuntu (apt-get); sudo only when not root; a no-op when
# everything is there. .ci/run calls it; a developer may too. Without apt-get it
# names what is missing and the tests that need it skip with a reason.
# - useradd/userdel (passwd): the multi-user cache tests create a second user
#   (tests/multiuser.py);
# - mount (mount): the read-only cache test bind-mounts a cache read-only;
# - redis-server, nginx with WebDAV (nginx-extras): the remote cache's stores;
# - openssl (the CLI): the throwaway CA of the remote cache's TLS tests
#   (tests/test_remote_tls.py; redis-server and nginx bring its library);
# - chromium: the annotate report rendered in a real browser;
# - clang, libomp-dev, binutils (objdump): annotate's reports from the second
#   compiler (OpenMP modules included), and the machine code per line;
# - clangd: `cxximport ide`'s compilation database checked by clangd itself.
set -eu

need=""
command -v useradd >/dev/null 2>&1 || need="$need passwd"
command -v mount >/dev/null 2>&1 || need="$need mount"
command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
[ -e /usr/lib/nginx/modules/ngx_http_dav_ext_module.so ] || need="$need nginx-extras"
command -v openssl >/dev/null 2>&1 || need="$need openssl"
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v clang++ >/dev/null 2>&1 || need="$need clang"
command -v objdump >/dev/null 2>&1 || need="$need binutils"
command -v clangd >/dev/null 2>&1 || need="$need clangd"
# Clang's OpenMP (omp.h, libomp): annotate's Clang reports of OpenMP modules.
[ -e /usr/lib/llvm-14/lib/clang/14.0.6/include/omp.h ] || ls /usr/lib/llvm-*/lib/clang/*/include/omp.h >/dev/null 2>&1 || need="$need libomp-dev"
[ -z "$need" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "cxximport: the tests would use:$need (install them with your package manager)" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "cxximport: installing test packages:$need" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
# The tests start their own servers on free loopback ports: the packages'
# system services are not wanted.
for service in redis-server nginx; do
  if command -v systemctl >/dev/null 2>&1; then
    $sudo systemctl disable --now "$service" >/dev/null 2>&1 || true
  fi
done
