#!/usr/bin/env bash
# Set up and run the whole test suite: static checks, engine, web, PostgreSQL and browser tests.
# PostgreSQL tests run when TEST_DATABASE_URL is set; browser tests need Debian's chromium,
# which this script installs with apt when it is missing and we are root.
#   scripts/test.sh [--fast] [pytest arguments]
# Without arguments the suite runs in two passes (two processes, then the browser, load and
# timing tests alone); with pytest arguments, one pass with them.
# --fast runs the everyday loop: engine, web and security tests on SQLite, no browser, load or
# timing, spread over two processes (pytest-xdist).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
./scripts/setup.sh test

fast=0
if [ "${1:-}" = "--fast" ]; then
  fast=1
  shift
fi

if [ "$fast" = 0 ] && ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] \
    && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests…"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null
fi

echo "== ruff"
.venv/bin/ruff check .
echo "== mypy"
.venv/bin/mypy
echo "== bandit"
.venv/bin/bandit -q -c pyproject.toml -r deliberate -ll
echo "== pip check"
.venv/bin/python -m pip check
echo "== pytest"
status=0
if [ "$fast" = 1 ]; then
  .venv/bin/python -m pytest tests/engine tests/web tests/security -n 2 \
    -m "not postgres and not browser and not load and not timing" "$@" || status=$?
elif [ "$#" = 0 ]; then
  # The whole suite: what can share the two cores in two processes (a test file stays in
  # one), then the browser, load and timing tests, which time real servers or requests, alone.
  .venv/bin/python -m pytest -n 2 --dist loadfile -m "not browser and not load and not timing" \
    || status=$?
  .venv/bin/python -m pytest -m "browser or load or timing" || status=$?
else
  .venv/bin/python -m pytest "$@" || status=$?
fi
elapsed=$(( $(date +%s) - started ))
printf '== wall time: %dm %02ds (set-up, static checks and tests)\n' $((elapsed / 60)) $((elapsed % 60))
exit "$status"
