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
bash "$(dirname "$0")/apt_install.sh" install_haproxy haproxy
# sed reads the whole version text: head would stop early and pipefail would fail the install on its SIGPIPE.
haproxy -v | sed -n 1p
