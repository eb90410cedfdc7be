#!/usr/bin/env bash
# Set up and run the whole test suite: static checks, engine, web, PostgreSQL and browser tests.
# PostgreSQL tests run when TEST_DATABASE_URL is set; browser tests need Debian's chromium,
# which this script installs with apt when it is missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh test

if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests…"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null
fi

echo "== ruff"
.venv/bin/ruff check .
echo "== bandit"
.venv/bin/bandit -q -c pyproject.toml -r deliberate -ll
echo "== pip check"
.venv/bin/python -m pip check
echo "== pytest"
.venv/bin/python -m pytest "$@"
