#!/usr/bin/env bash
# Set up from nothing, migrate, load the demo if it is not there, and serve on 127.0.0.1:5000.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh run
.venv/bin/deliberate init
.venv/bin/deliberate demo
exec .venv/bin/deliberate serve --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
