#!/usr/bin/env bash
# Creates or updates the two Python environments from their hashed lock files (`make lock` writes them).
# Idempotent: does nothing when the locks did not change.
#   scripts/bootstrap.sh main   -> .venv       (Python 3.11: action server, KB, handoff service, tests)
#   scripts/bootstrap.sh rasa   -> .venv-rasa  (Python 3.10: Rasa 3.6.21 and bot/ code)
set -euo pipefail
cd "$(dirname "$0")/.."
# The Makefile puts the project on PYTHONPATH; pip must not see the project's own egg-info as an installed package
# of the other environment.
unset PYTHONPATH

# pip, quieter: the machine's pip configuration names index folders that may not exist; their warnings are noise.
pip_quiet() { "$@" 2>&1 | { grep -v "^WARNING: Location" || true; }; return "${PIPESTATUS[0]}"; }

die() { echo "bootstrap: $*" >&2; exit 1; }

# find_python MAJOR.MINOR PYENV_VERSION ENV_OVERRIDE
find_python() {
  local want=$1 pyenv_version=$2 override=${3:-}
  local candidates=()
  [ -n "$override" ] && candidates+=("$override")
  if command -v pyenv >/dev/null 2>&1; then
    local prefix
    prefix=$(pyenv prefix "$pyenv_version" 2>/dev/null || true)
    [ -n "$prefix" ] && candidates+=("$prefix/bin/python$want")
  fi
  candidates+=("$HOME/.pyenv/versions/$pyenv_version/bin/python$want" "python$want" "python3")
  local candidate
  for candidate in "${candidates[@]}"; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$want" ]; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# A lock that no longer matches pyproject.toml / bot/requirements.txt would silently install yesterday's set.
require_current_lock() { "$1" scripts/lockfile.py check "$2" || exit 1; }

# up_to_date VENV FILES... : true when VENV exists and was built from these exact files
stamp_of() { cat "$@" scripts/bootstrap.sh | sha256sum | cut -d' ' -f1; }

ensure_venv() {
  local venv=$1 python=$2; shift 2
  local stamp; stamp=$(stamp_of "$@")
  if [ -x "$venv/bin/python" ] && [ -f "$venv/.bootstrap-stamp" ] && [ "$(cat "$venv/.bootstrap-stamp")" = "$stamp" ]; then
    return 1  # up to date
  fi
  if [ ! -x "$venv/bin/python" ]; then
    echo "bootstrap: creating $venv with $python"
    "$python" -m venv "$venv"
  fi
  pip_quiet "$venv/bin/python" -m pip install --quiet --upgrade pip
  echo "$stamp" > "$venv/.bootstrap-stamp.new"
  return 0
}

case "${1:-}" in
  main)
    py=$(find_python 3.11 3.11.7 "${PYTHON311:-}") ||
      die "Python 3.11 not found: install it (e.g. 'pyenv install 3.11.7') or set PYTHON311=/path/to/python3.11"
    require_current_lock "$py" main
    if ensure_venv .venv "$py" requirements/main.lock pyproject.toml; then
      # Every package pinned and hash-checked, torch included: the lock names the local CPU wheel's hash, so pip
      # cannot fall back to a CUDA build. The project is built with the locked setuptools, so nothing unhashed comes in.
      pip_quiet .venv/bin/pip install --quiet --require-hashes -r requirements/main.lock
      pip_quiet .venv/bin/pip install --quiet --no-deps --no-build-isolation -e .
      pip_quiet .venv/bin/pip check
      mv .venv/.bootstrap-stamp.new .venv/.bootstrap-stamp
      echo "bootstrap: .venv ready"
    fi
    ;;
  rasa)
    py=$(find_python 3.10 3.10.13 "${PYTHON310:-}") ||
      die "Python 3.10 not found, and Rasa 3.6 needs it: install it with 'pyenv install 3.10.13' or set PYTHON310=/path/to/python3.10"
    require_current_lock "$py" rasa
    if ensure_venv .venv-rasa "$py" requirements/rasa.lock; then
      pip_quiet .venv-rasa/bin/pip install --quiet --require-hashes -r requirements/rasa.lock
      pip_quiet .venv-rasa/bin/pip check
      mv .venv-rasa/.bootstrap-stamp.new .venv-rasa/.bootstrap-stamp
      echo "bootstrap: .venv-rasa ready"
    fi
    ;;
  *)
    die "usage: scripts/bootstrap.sh main|rasa"
    ;;
esac
