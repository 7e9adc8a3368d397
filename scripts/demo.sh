#!/usr/bin/env bash
# The main job, from a fresh machine: set up, build a LOOM home as release 0.9.3 left it
# (config, .env, canon, plugins and a populated SQLite database), plan its upgrade to the
# newest release, apply it with automatic rollback armed, and show the result: the
# service of the new release answering /health from the home's own virtualenv.
#
#   bash scripts/demo.sh                 # 0.9.3 -> 1.1.0 in ./demo/home
#   LOOM_DEMO_FROM=0.1.0 bash scripts/demo.sh
#
# The demo home stays in ./demo and its upgraded service keeps running; stop it with
# `kill "$(cat demo/home/.loom-upgrade/service.pid)"`. Running the demo again stops it
# first and starts from a new home.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/setup.sh

from="${LOOM_DEMO_FROM:-0.9.3}"
turns="${LOOM_DEMO_TURNS:-20000}"
demo="$root/demo"
home="$demo/home"
upgrade=".venv/bin/loom-upgrade"

if [ -f "$home/.loom-upgrade/service.pid" ]; then
  kill "$(cat "$home/.loom-upgrade/service.pid")" 2>/dev/null || true
fi
rm -rf "$demo"
mkdir -p "$demo"

echo "== Building a LOOM $from home with $turns turns in $home"
.venv/bin/python -m fixtures.build --release "$from" --turns "$turns" --out "$home"

echo "== Building the release artifact: a loom-narrative 1.1.0 wheel and its dependencies"
.venv/bin/python tools/wheelhouse.py --dest "$root/.cache/wheelhouse"
.venv/bin/python tools/build_wheel.py --version 1.1.0 --out "$root/.cache/wheelhouse"

echo "== Plan"
"$upgrade" plan --home "$home" --to 1.1

echo "== Apply"
"$upgrade" apply --home "$home" --to 1.1 --yes --wheelhouse "$root/.cache/wheelhouse"

echo "== Result"
"$upgrade" status --home "$home"
"$upgrade" history --home "$home"
port="$(.venv/bin/python -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$home/.loom-upgrade/service.json")"
echo "GET http://127.0.0.1:$port/health"
.venv/bin/python -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "http://127.0.0.1:$port/health"
"$home/venv/bin/loom" --version
