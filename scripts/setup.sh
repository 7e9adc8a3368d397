#!/usr/bin/env bash
# Prepare this machine for LOOM development, the demo and the tests: system packages
# (PostgreSQL 15, the sqlite3 CLI, gettext, Docker's engine and mmdebstrap, systemd's
# analyzer), then the project's virtualenv in .venv with every extra installed.
# Safe to run again: it installs only what is missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

log() { printf '[setup] %s\n' "$*" >&2; }

need_apt=()
command -v sqlite3 >/dev/null 2>&1 || need_apt+=(sqlite3)
command -v msgfmt >/dev/null 2>&1 || need_apt+=(gettext)
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need_apt+=(postgresql postgresql-contrib)
fi
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
if [ "${LOOM_SETUP_DOCKER:-1}" = "1" ]; then
  command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
  command -v mmdebstrap >/dev/null 2>&1 || need_apt+=(mmdebstrap)
fi

if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" != "0" ]; then
    log "missing system packages: ${need_apt[*]}; run this script as root or install them"
    exit 1
  fi
  log "installing system packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# PostgreSQL's binaries live in a versioned folder; the tests look on PATH.
if ! command -v initdb >/dev/null 2>&1; then
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -n "$pg_bin" ] && [ "$(id -u)" = "0" ]; then
    for tool in initdb pg_ctl postgres pg_dump pg_restore psql createdb; do
      [ -e "/usr/local/bin/$tool" ] || ln -s "$pg_bin/$tool" "/usr/local/bin/$tool"
    done
  fi
fi

python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  log "creating .venv with $("$python" --version)"
  "$python" -m venv .venv
fi
stamp=".venv/.loom-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ setup.py -nt "$stamp" ]; then
  log "installing loom-narrative with every extra into .venv"
  .venv/bin/python -m pip install -q --upgrade pip setuptools wheel
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi

log "compiling translations"
.venv/bin/python tools/i18n.py compile
log "ready"
