# audit_ext: the two commands are `make demo` and `make test`. Both install what a fresh machine lacks.
ROWS ?= 100000

.PHONY: setup demo demo-stop test unit

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
