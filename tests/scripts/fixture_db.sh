#!/usr/bin/env bash
# Builds and installs audit_ext, starts the throwaway cluster NAME and creates database DB in it with the
# Coder-shaped fixture (AUDIT_ROWS audit rows) and the extension. Used by the tests, the demo and the
# benchmark. Prints the port.
#   fixture_db.sh NAME DB AUDIT_ROWS [GENERATION] [--release]
# GENERATION is Coder's schema generation (shared/spec/coder-generations.md): 1 (default) is the fixture as
# seeded; 2 applies Coder's G1 → G2 migration (tests/fixture/g2.sql) and the rows a G2 Coder writes
# (seed_recent.sql); 3 then also the G2 → G3 migration (g3.sql) and seed_recent.sql again.
set -euo pipefail
cd "$(dirname "$0")/../.."
name=$1; db=$2; rows=$3; profile=; generation=1
for arg in "${@:4}"; do
  case "$arg" in
    1|2|3) generation=$arg ;;
    --*) profile=$arg ;;
    *) echo "fixture_db: unknown argument $arg (GENERATION is 1, 2 or 3)" >&2; exit 2 ;;
  esac
done
migrations=()
[ "$generation" -ge 2 ] && migrations+=(-f tests/fixture/g2.sql -f tests/fixture/seed_recent.sql)
[ "$generation" -ge 3 ] && migrations+=(-f tests/fixture/g3.sql -f tests/fixture/seed_recent.sql)
cargo pgrx install --pg-config /usr/lib/postgresql/15/bin/pg_config $profile >&2
# Earlier versions' install scripts (pgrx installs only the current one and the upgrade scripts), so that
# `CREATE EXTENSION audit_ext VERSION '0.1.0'` works for the upgrade test.
for f in sql/audit_ext--*.sql; do
  case "${f#sql/audit_ext--}" in *--*) ;; *) install -m 644 "$f" "$(/usr/lib/postgresql/15/bin/pg_config --sharedir)/extension/" ;; esac
done
port=$(bash tests/scripts/cluster.sh start "$name")
trap 'bash tests/scripts/cluster.sh stop "$name"' ERR
psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
"${psql[@]}" -d postgres -c "CREATE DATABASE $db"
"${psql[@]}" -d "$db" -f tests/fixture/schema.sql \
  -c "SET audit_ext_fixture.audit_rows = $rows" -f tests/fixture/seed.sql "${migrations[@]}" \
  -c "CREATE EXTENSION audit_ext" >&2
echo "$port"
