#!/usr/bin/env bash
# The pg_regress tier: golden files tests/pg_regress/sql/NAME.sql against expected/NAME.out, with PostgreSQL's own
# pg_regress, on a throwaway cluster loaded with the Coder-shaped fixture (10,000 audit rows).
#   regress.sh                 every golden file
#   regress.sh pages advice    only these            (make regress T="pages advice")
#   ACCEPT=1 regress.sh pages  run them and make their results the new goldens (make regress T=pages ACCEPT=1):
#                              read the diff it prints first; a golden is read, not blindly accepted
# Builds and installs the extension (debug) first. Prints pg_regress's summary, the diffs of failures, and last
# "N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=/tmp/audit_ext/regress-out
tests=${*:-$(cd tests/pg_regress/sql && ls -- *.sql | sed 's/\.sql$//' | sort)}
for t in $tests; do
  [ -f "tests/pg_regress/sql/$t.sql" ] || { echo "regress: no tests/pg_regress/sql/$t.sql"; echo "0 passed, 1 failed"; exit 1; }
done
n=$(echo "$tests" | wc -w)
log=$(mktemp)
if ! bash tests/scripts/fixture_db.sh regress audit_ext_regress 10000 > "$log" 2>&1; then
  echo "regress: could not start the regress cluster:"; cat "$log"; rm -f "$log"
  echo "0 passed, $n failed"; exit 1
fi
trap 'bash tests/scripts/cluster.sh stop regress; rm -f "$log"' EXIT
port=$(bash tests/scripts/cluster.sh port regress)
rm -rf "$OUT"; mkdir -p "$OUT"
# Each golden must exist for pg_regress to run it; a new test starts from an empty one.
for t in $tests; do [ -f "tests/pg_regress/expected/$t.out" ] || : > "tests/pg_regress/expected/$t.out"; done
/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress \
  --use-existing --host=127.0.0.1 --port="$port" --user=postgres --dbname=audit_ext_regress \
  --bindir=/usr/lib/postgresql/15/bin --inputdir="$ROOT/tests/pg_regress" --outputdir="$OUT" $tests 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
f=0
if [ "$rc" -ne 0 ]; then
  f=$(sed -n 's/.* \([0-9]\+\) of [0-9]\+ tests failed.*/\1/p' "$log" | head -n1); f=${f:-$n}
  [ -f "$OUT/regression.diffs" ] && { echo "--- regression.diffs:"; cat "$OUT/regression.diffs"; }
fi
if [ "${ACCEPT:-0}" = 1 ]; then
  for t in $tests; do cp "$OUT/results/$t.out" "tests/pg_regress/expected/$t.out"; done
  echo "regress: accepted the results of: $tests (git diff tests/pg_regress/expected shows what changed)"
fi
echo "$((n - f)) passed, $f failed"
[ "$rc" -eq 0 ]
