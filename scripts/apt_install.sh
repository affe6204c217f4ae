#!/usr/bin/env bash
# Installs Debian packages for one of the project's tools, as root or through sudo; says what to run when neither is
# possible. Usage: apt_install.sh TOOL PACKAGE...
set -euo pipefail
tool=$1
shift
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "$tool: missing; install it as root: apt-get install $*" >&2
    exit 1
  }
  sudo=(sudo)
fi
echo "$tool: installing $* from Debian (once)"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
