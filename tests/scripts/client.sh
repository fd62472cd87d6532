#!/usr/bin/env bash
# Client tier: audit_ext through a real driver (psycopg 3, extended protocol, server-side prepared statements)
# behind a thin Coder-like API layer, checked against plain SQL and Coder's JSON Schemas (tests/client/), on every
# schema generation of Coder (shared/spec/coder-generations.md), plus Coder's migrations under an open session.
#   client.sh                 venv + for each generation G in $GENS (default "1 2 3") its own throwaway cluster
#                             ("client", "client-g2", "client-g3"; fixture_db.sh … 10000 G) + test_client.py;
#                             then test_migration.py in the G1 cluster (its own database, G1 → G2 → G3 under
#                             one API session); every cluster is stopped on exit
#   PORT=5432 DB=name client.sh   reuse a running database built by fixture_db.sh (nothing started or stopped;
#                             PGHOST defaults to 127.0.0.1, PGUSER to postgres): test_client.py against it (the
#                             generation is read from the catalog; AUDIT_EXT_GEN=N asserts it), and
#                             test_migration.py in a database of its own on that server (MIGRATION=0 skips it)
#   client.sh -v              verbose: one line per test
# The G1 database also gets tests/fixture/seed_recent.sql (Coder's ai_seat_state rows; fixture_db.sh adds it
# from G2 on), so that Coder's AI seat rule has rows to read in every generation.
# The venv (pinned tests/client/requirements.txt) lives in $AUDIT_EXT_CLIENT_VENV (default
# /tmp/audit_ext/venv-client) and is reused while requirements.txt is unchanged.
# The last line is "N passed, M failed" (summed over the runs); the exit status is non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
VENV=${AUDIT_EXT_CLIENT_VENV:-/tmp/audit_ext/venv-client}
REQ=tests/client/requirements.txt
GENS=${GENS:-1 2 3}
ROWS=10000
started=$(date +%s)

fail() { echo "client: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

# 1. The venv, idempotently: rebuilt only when requirements.txt changed or the venv is broken.
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$want" ] || ! "$VENV/bin/python" -c 'import psycopg, jsonschema' 2>/dev/null; then
  echo "client: installing $REQ into $VENV" >&2
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV" || fail "python3 -m venv failed (apt-get install python3-venv?)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$REQ" || fail "pip install failed"
  echo "$want" > "$VENV/.requirements.sha256"
fi

export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres} PYTHONDONTWRITEBYTECODE=1
total_p=0; total_f=0; summary=()

# run LABEL SCRIPT [args…]: one test module; its last "<name>: N passed, M failed" line is added to the totals.
run() {
  local label=$1 script=$2 out rc counts p f; shift 2
  echo "== $label"
  out=$(mktemp)
  "$VENV/bin/python" "$script" "$@" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  counts=$(sed -n 's/^[a-z]*: \([0-9]\+\) passed, \([0-9]\+\) failed$/\1 \2/p' "$out" | tail -n1)
  rm -f "$out"
  read -r p f <<<"${counts:-0 0}"
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # a crash counts as a failure
  total_p=$((total_p + p)); total_f=$((total_f + f)); summary+=("$label: $p passed, $f failed")
}

finish() {
  echo
  printf 'client: %s\n' "${summary[@]}"
  echo "client: $(( $(date +%s) - started )) s"
  echo "$total_p passed, $total_f failed"
  [ "$total_f" -eq 0 ]
  exit $?
}

# 2a. A running database (PORT/DB).
if [ -n "${PORT:-}" ]; then
  db=${DB:-audit_ext_client}
  PGPORT=$PORT PGDATABASE=$db run "test_client ($db)" tests/client/test_client.py "$@"
  if [ "${MIGRATION:-1}" != 0 ]; then
    PGPORT=$PORT PGDATABASE=postgres run "test_migration (G1 → G2 → G3)" tests/client/test_migration.py "$@"
  fi
  finish
fi

# 2b. Our own throwaway clusters, one per generation.
clusters=()
cleanup() { for c in "${clusters[@]}"; do bash tests/scripts/cluster.sh stop "$c" >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
for gen in $GENS; do
  case "$gen" in 1) name=client ;; 2|3) name=client-g$gen ;; *) fail "GENS holds $gen (1, 2 or 3)" ;; esac
  db=audit_ext_client
  log=/tmp/audit_ext-client-setup-g$gen.log
  echo "== G$gen: fixture_db.sh $name $db $ROWS $gen" >&2
  clusters+=("$name")
  if ! port=$(bash tests/scripts/fixture_db.sh "$name" "$db" "$ROWS" "$gen" 2>"$log"); then
    cat "$log" >&2
    total_f=$((total_f + 1)); summary+=("G$gen: the cluster could not be built (see $log)")
    continue
  fi
  if [ "$gen" = 1 ] && ! psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d "$db" -f tests/fixture/seed_recent.sql >>"$log" 2>&1; then
    cat "$log" >&2
    total_f=$((total_f + 1)); summary+=("G1: seed_recent.sql failed (see $log)")
    continue
  fi
  AUDIT_EXT_GEN=$gen PGPORT=$port PGDATABASE=$db run "test_client G$gen" tests/client/test_client.py "$@"
  if [ "$gen" = 1 ]; then
    PGPORT=$port PGDATABASE=postgres run "test_migration (G1 → G2 → G3, one API session)" tests/client/test_migration.py "$@"
  fi
  bash tests/scripts/cluster.sh stop "$name" >/dev/null 2>&1 || true
done
finish
