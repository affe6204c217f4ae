#!/usr/bin/env bash
# Installs Debian's HAProxy for the two-host set-up (scripts/hosts.py, `make run-hosts`, tests/scaled), once.
# Idempotent: does nothing when haproxy is already on the PATH.
#   HAPROXY=/path/to/haproxy  use another HAProxy build (nothing is installed then)
set -euo pipefail
if [ -n "${HAPROXY:-}" ]; then
  [ -x "$HAPROXY" ] && exit 0
  echo "install_haproxy: HAPROXY=$HAPROXY is not an executable" >&2
  exit 1
fi
if command -v haproxy >/dev/null 2>&1; then
  exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "install_haproxy: HAProxy is missing; install it as root: apt-get install haproxy" >&2
    exit 1
  }
  sudo=(sudo)
fi
echo "install_haproxy: installing haproxy from Debian (once)"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends haproxy >/dev/null
haproxy -v | head -1
