#!/usr/bin/env bash
# Set the machine up (scripts/setup.sh), then run the whole test suite. Servers the tests
# need (PostgreSQL, Docker) are started by the tests themselves when first needed.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/migrate -x`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/setup.sh

set +e
.venv/bin/python -m pytest -p no:cacheprovider "$@"
status=$?
set -e

# pytest exits 5 when it collected no test: that is a failure, never a pass.
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$status"
