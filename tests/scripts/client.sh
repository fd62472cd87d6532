#!/usr/bin/env bash
# Client tier: audit_ext through a real driver (psycopg 3, extended protocol, server-side prepared statements)
# behind a thin Coder-like API layer, checked against plain SQL and Coder's JSON Schemas (tests/client/).
#   client.sh                 venv + own throwaway cluster "client" (fixture, 10000 audit rows) + test + stop
#   PORT=5432 DB=name client.sh   reuse a running database built by fixture_db.sh (nothing started or stopped;
#                             PGHOST defaults to 127.0.0.1, PGUSER to postgres)
#   client.sh -v              verbose: one line per test
# The venv (pinned tests/client/requirements.txt) lives in $AUDIT_EXT_CLIENT_VENV (default
# /tmp/audit_ext/venv-client) and is reused while requirements.txt is unchanged.
# The last line is "N passed, M failed"; the exit status is non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
VENV=${AUDIT_EXT_CLIENT_VENV:-/tmp/audit_ext/venv-client}
REQ=tests/client/requirements.txt

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

# 2. The database: a running one (PORT/DB), or our own throwaway cluster.
own=0
if [ -n "${PORT:-}" ]; then
  db=${DB:-audit_ext_client}
else
  own=1; db=audit_ext_client
  log=/tmp/audit_ext-client-setup.log
  port=$(bash tests/scripts/fixture_db.sh client "$db" 10000 2>"$log") || { cat "$log" >&2; fail "could not start the client cluster"; }
  trap 'bash tests/scripts/cluster.sh stop client' EXIT
  PORT=$port
fi

# 3. The test. Its last line is "client: N passed, M failed".
out=$(mktemp)
PGHOST=${PGHOST:-127.0.0.1} PGPORT=$PORT PGDATABASE=$db PGUSER=${PGUSER:-postgres} PYTHONDONTWRITEBYTECODE=1 \
  "$VENV/bin/python" tests/client/test_client.py "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
counts=$(sed -n 's/^client: \([0-9]\+\) passed, \([0-9]\+\) failed$/\1 \2/p' "$out" | tail -n1)
rm -f "$out"
read -r p f <<<"${counts:-0 0}"
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # a crash counts as a failure
echo "$p passed, $f failed"
exit "$rc"
