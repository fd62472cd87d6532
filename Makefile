# audit_ext: the two commands are `make demo` and `make test`. Both install what a fresh machine lacks.
ROWS ?= 100000

.PHONY: setup demo demo-stop test unit regress client standby fuzz package bench bench-concurrency bench-inserts bench-export bench-parser load
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
	cargo test --lib -- --skip ::pg_

regress:    ## the pg_regress tier alone, or T="name …" only; ACCEPT=1 makes the results the new goldens
	bash tests/scripts/regress.sh $(T)

client:     ## the psycopg 3 client tier alone (a thin API layer over the extended protocol)
	bash tests/scripts/client.sh

standby:    ## the hot-standby tier alone (primary + streaming replica, every read function on both)
	bash tests/scripts/standby.sh

fuzz:       ## coverage-guided fuzzing of both targets (parse_compile, render_rows; FUZZ_TARGET= one): FUZZ_RUNS inputs each (default 10M) over JOBS processes (default 1)
	bash tests/scripts/fuzz.sh $(or $(FUZZ_RUNS),10000000) $(or $(JOBS),1) $(or $(FUZZ_TARGET),all)

package:    ## release build → target/audit_ext-VERSION-pg15-ARCH.tar.gz (unpack at / on a PostgreSQL 15 server)
	bash tests/scripts/package.sh

bench:      ## side-by-side benchmark vs Coder's queries at ROWS audit rows (CASES=plain|partitioned|all|none, ONLY=regex, INDEXES=stock|advice, GEN=g1|g2|g3)
	bash tests/bench/bench.sh $(ROWS) $(RUNS) $(or $(CASES),plain)

bench-concurrency: ## p50/p95 with CLIENTS (16) concurrent clients, Coder's SQL vs audit_ext, on make bench's cluster
	bash tests/bench/concurrency.sh $(ROWS) $(or $(DURATION),10) $(or $(CLIENTS),16)

bench-inserts: ## Coder-shaped audit inserts/s with stock indexes vs with index_advice() (PER_INDEX=1: each index alone), on make bench's cluster
	bash tests/bench/inserts.sh $(ROWS) $(or $(DURATION),30) $(or $(CLIENTS),4)

bench-export: ## 1,000-row pages at depths 0 … ROWS/2 (Coder's offsets, ours, keyset) and exports' rows/s and memory, on make bench's cluster
	bash tests/bench/export.sh $(ROWS) $(RUNS)

load:       ## 16 reader + 2 writer clients for DURATION s (default 180) on ROWS rows, release build; not in `make test`
	bash tests/load/load.sh $(or $(DURATION),180) $(ROWS)

bench-parser: ## parse + compile time per filter, and shaping a page of 100 rows (release build)
	bash tests/scripts/setup.sh
	cargo test --release --lib -- --ignored --nocapture speed::
