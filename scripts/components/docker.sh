#!/usr/bin/env bash
# Make a Docker daemon and LOOM's base image available on this machine, for the tests
# and CI. Safe to run again: each step is skipped when its result already exists.
#
#   bash scripts/components/docker.sh daemon      # install docker.io if missing, start dockerd
#   bash scripts/components/docker.sh base-image  # build loom-base from Debian packages
#   bash scripts/components/docker.sh all         # both (the default)
#
# No Docker Hub: the base image is a Debian bookworm root file system made by mmdebstrap
# and loaded with `docker import`. The daemon's output goes to $LOOM_DOCKERD_LOG.
set -euo pipefail

BASE_IMAGE="${LOOM_BASE_IMAGE:-loom-base:bookworm}"
BASE_LABEL="org.loom.base=1"
DOCKERD_LOG="${LOOM_DOCKERD_LOG:-/var/log/loom-dockerd.log}"
DAEMON_WAIT_SECONDS="${LOOM_DOCKERD_WAIT:-60}"

log() { printf '[docker] %s\n' "$*" >&2; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" != "0" ]; then
    log "missing packages ${missing[*]}; run as root or install them"
    return 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

start_daemon() {
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  log "starting dockerd (log: $DOCKERD_LOG)"
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  # setsid detaches dockerd from this script's process group, so it outlives the caller.
  setsid dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  local waited=0
  until docker info >/dev/null 2>&1; do
    if [ "$waited" -ge "$DAEMON_WAIT_SECONDS" ]; then
      log "dockerd did not answer within ${DAEMON_WAIT_SECONDS}s; last lines of $DOCKERD_LOG:"
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  log "dockerd is ready after ${waited}s"
}

build_base_image() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    return 0
  fi
  local work
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  log "building $BASE_IMAGE with mmdebstrap (about half a minute)"
  mmdebstrap --quiet --variant=minbase \
    --include=python3,python3-venv,python3-pip,ca-certificates \
    bookworm "$work/rootfs.tar"
  docker import --change "LABEL $BASE_LABEL" "$work/rootfs.tar" "$BASE_IMAGE" >/dev/null
  log "built $BASE_IMAGE"
}

case "${1:-all}" in
  daemon) install_packages && start_daemon ;;
  base-image) build_base_image ;;
  all) install_packages && start_daemon && build_base_image ;;
  *) log "unknown action ${1}; use daemon, base-image or all"; exit 2 ;;
esac
