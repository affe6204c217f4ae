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
packages=(chromium fonts-noto-core fonts-noto-cjk)
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "install_browser: Chromium is missing; install it as root: apt-get install ${packages[*]}" >&2
    exit 1
  }
  sudo=(sudo)
fi
echo "install_browser: installing ${packages[*]} from Debian (once)"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
"$chromium" --version
