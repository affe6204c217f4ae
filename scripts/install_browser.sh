#!/usr/bin/env bash
# Installs Debian's Chromium (and fonts for Arabic and Chinese) for the browser tests, once. Playwright drives this
# browser; it never downloads one of its own. Idempotent: does nothing when Chromium is already there.
#   CHROMIUM=/path/to/chromium  use another Chromium build (nothing is installed then)
set -euo pipefail
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$chromium" ]; then
  exit 0
fi
if [ -n "${CHROMIUM:-}" ]; then
  echo "install_browser: CHROMIUM=$CHROMIUM is not an executable" >&2
  exit 1
fi
bash "$(dirname "$0")/apt_install.sh" install_browser chromium fonts-noto-core fonts-noto-cjk
"$chromium" --version
