# audit_ext: the two commands are `make demo` and `make test`. Both install what a fresh machine lacks.
ROWS ?= 100000

.PHONY: setup demo demo-stop test unit bench bench-parser
RUNS ?= 5

setup:      ## install PostgreSQL 15 dev files, clang, cargo-pgrx (pinned) and run pgrx init
	bash tests/scripts/setup.sh

demo:       ## throwaway cluster with ROWS Coder-shaped audit rows, and the extension's output
	bash tests/scripts/demo.sh $(ROWS)

demo-stop:  ## stop the demo cluster
	bash tests/scripts/cluster.sh stop demo

test:       ## every test tier: unit, #[pg_test], pg_regress
	bash tests/scripts/test.sh

unit:       ## the fast tier only (no PostgreSQL)
	cargo test --lib -- --skip api::

bench:      ## side-by-side benchmark vs Coder's queries at ROWS audit rows (minutes at 1M, long at 10M)
	bash tests/bench/bench.sh $(ROWS) $(RUNS)

bench-parser: ## parse + compile time per filter (release build)
	bash tests/scripts/setup.sh
	cargo test --release --lib -- --ignored --nocapture speed::
