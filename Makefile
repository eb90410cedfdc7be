# Deliberate: `make run` sets up and serves the demo; `make test` sets up and runs every test.
.PHONY: run test test-fast setup bench vendor

run:
	./scripts/run.sh

test:
	./scripts/test.sh

# The everyday loop: engine, web and security tests on SQLite only (no browser, PostgreSQL, timing or
# load), in two processes.
test-fast:
	./scripts/test.sh --fast

bench:
	./scripts/setup.sh test
	.venv/bin/python benchmarks/engine.py --quick
	.venv/bin/python benchmarks/options.py
	.venv/bin/python benchmarks/map.py
	.venv/bin/python benchmarks/load.py --backend sqlite

vendor:
	./scripts/vendor.sh
