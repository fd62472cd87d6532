#!/usr/bin/env bash
# Side-by-side benchmark: Coder's own query shapes vs audit_ext, in the same database and run.
#   bench.sh ROWS [RUNS] [CASES]   ROWS audit rows (connection rows = ROWS/5), RUNS timed runs per query (median;
#                                  default 5), CASES: plain (default), partitioned, all, or none (seed only)
# Builds a release build, keeps one cluster per size under /tmp/audit_ext/bench-ROWS (seeded once, reused), runs
# every scenario with Coder's stock indexes, then applies audit_ext.index_advice() and runs them again.
# Timings are warm-cache: each query runs once before its timed runs. GEN=g2 or g3 runs on a copy of the seeded
# database migrated to that Coder schema generation (tests/fixture/g2.sql, g3.sql; made once, kept as bench_g2,
# bench_g3); g1 (the default) on the seeded database itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:?usage: bench.sh ROWS [RUNS] [plain|partitioned|all|none]}; runs=${2:-5}; cases=${3:-plain}
# ONLY=regex runs the scenarios whose "log: name" matches (all by default).
only=(); [ -n "${ONLY:-}" ] && only=(-v "only=$ONLY")
# INDEXES=stock or advice runs one of the two passes (both by default); KEEP_ADVICE=1 leaves the advised indexes
# in place after the advice pass, so that the next INDEXES=advice run does not build them again.
indexes=${INDEXES:-both}
gen=${GEN:-g1}
case "$gen" in g1|g2|g3) ;; *) echo "GEN must be g1, g2 or g3, not '$gen'" >&2; exit 2 ;; esac
bash tests/scripts/setup.sh >&2
. tests/bench/lib.sh
name=bench-$rows; db=bench
cargo pgrx install --release --pg-config /usr/lib/postgresql/15/bin/pg_config >&2
if port=$(bash tests/scripts/cluster.sh port "$name" 2>/dev/null) \
   && psql -X -At -h 127.0.0.1 -p "$port" -U postgres -d "$db" -c "SELECT 1 FROM pg_extension WHERE extname = 'audit_ext'" 2>/dev/null | grep -q 1; then
  echo "reusing cluster $name on port $port" >&2
  # The library was rebuilt: make new backends load it, and the schema match it.
  psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d "$db" -c "DROP EXTENSION audit_ext; CREATE EXTENSION audit_ext" >&2
else
  export AUDIT_EXT_PG_OPTS="-c shared_buffers=6GB -c work_mem=64MB -c effective_cache_size=16GB -c max_parallel_workers_per_gather=2 -c jit=off"
  port=$(bash tests/scripts/cluster.sh start "$name")
  psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
  "${psql[@]}" -d postgres -c "CREATE DATABASE $db"
  echo "seeding $rows audit rows…" >&2
  time "${psql[@]}" -d "$db" -f tests/fixture/schema.sql -c "SET audit_ext_fixture.audit_rows = $rows" \
    -f tests/fixture/seed.sql -c "CREATE EXTENSION audit_ext" \
    -c "INSERT INTO ai_seat_state (user_id, first_used_at, last_used_at, last_event_type, last_event_description, updated_at)
        SELECT id, created_at, created_at, CASE WHEN abs(hashtext(id::text)) % 2 = 0 THEN 'aibridge' ELSE 'task' END::ai_seat_usage_reason,
               '', created_at FROM users WHERE abs(hashtext(id::text)) % 3 = 0" \
    -c "VACUUM ANALYZE" >&2
fi
# Another generation: a copy of the seeded database, migrated by Coder's migrations (with whatever audit_ext
# indexes the seeded one holds in place, as a host migrates), made once and reused.
if [ "$gen" != g1 ]; then
  gdb=$(bench_db)
  gpsql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$gdb")
  if ! psql -X -At -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$gdb'" | grep -q 1; then
    echo "copying the database and migrating it to $gen…" >&2
    migrations=(-f tests/fixture/g2.sql); [ "$gen" = g3 ] && migrations+=(-f tests/fixture/g3.sql)
    time { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE $gdb TEMPLATE $db" \
           && "${gpsql[@]}" "${migrations[@]}" -c "VACUUM ANALYZE"; } >&2
  else
    "${gpsql[@]}" -c "DROP EXTENSION audit_ext; CREATE EXTENSION audit_ext" >&2
  fi
  db=$gdb
fi
psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db")
# The organization-scoped readers of the scenarios, every run (a reused cluster may predate them): organization-
# auditors, user 13 of its one organization (14), user 8 of its two (9 and 16), user 48 of eight (1-8). All are
# active, not deleted, and exist at every fixture size (users <= 60).
"${psql[@]}" -c "UPDATE organization_members SET roles = '{organization-auditor}' WHERE user_id IN (md5('user8')::uuid, md5('user13')::uuid)" \
  -c "UPDATE organization_members SET roles = '{}' WHERE user_id = md5('user48')::uuid" \
  -c "INSERT INTO organization_members (user_id, organization_id, created_at, updated_at, roles)
      SELECT md5('user48')::uuid, md5('org' || o)::uuid, now(), now(), '{organization-auditor}' FROM generate_series(1, 8) o
      ON CONFLICT (organization_id, user_id) DO UPDATE SET roles = '{organization-auditor}'"
"${psql[@]}" -At -c "SELECT format('%s audit rows, %s connection rows, %s users, %s organizations; Coder schema %s (audit_ext sees %s); PostgreSQL %s', (SELECT count(*) FROM audit_logs), (SELECT count(*) FROM connection_logs), (SELECT count(*) FROM users), (SELECT count(*) FROM organizations), upper('$gen'), audit_ext.coder_schema_profile()->>'generation', current_setting('server_version'))"
[ "$("${psql[@]}" -At -c "SELECT audit_ext.coder_schema_profile()->>'generation'")" = "${gen^^}" ] \
  || { echo "audit_ext does not see generation ${gen^^} in $db" >&2; exit 1; }
if [ "$cases" = plain ] || [ "$cases" = all ]; then
  "${psql[@]}" -f tests/bench/coder.sql >/dev/null
  if [ "$indexes" != advice ]; then
    echo; echo "== Coder's stock indexes (median of $runs warm runs, ms)"
    echo "   Coder SQL = its capped count + page query; Coder page = that + the per-row look-ups its audit handler"
    echo "   runs for is_deleted/resource_link (connection logs have none); audit_ext = one call, JSON included"
    drop_advice
    "${psql[@]}" -v runs="$runs" "${only[@]}" -f tests/bench/run.sql
  fi
  if [ "$indexes" != stock ]; then
    echo; echo "== with audit_ext.index_advice() applied"
    apply_advice
    "${psql[@]}" -c "ANALYZE"
    "${psql[@]}" -At -c "SELECT format('%s %s', indexrelid::regclass, pg_size_pretty(pg_relation_size(indexrelid))) FROM pg_index WHERE indexrelid::regclass::text LIKE 'audit\_ext\_%' ORDER BY 1" | sed 's/^/   advised: /'
    "${psql[@]}" -v runs="$runs" "${only[@]}" -f tests/bench/run.sql
    # Leave the database as it was (unless KEEP_ADVICE=1): the next run starts from stock indexes.
    [ "${KEEP_ADVICE:-0}" = 1 ] || drop_advice
  fi
fi
if [ "$cases" = partitioned ] || [ "$cases" = all ]; then
  # A copy of the database with audit_logs partitioned by month (made once, reused); connection_logs stay plain
  # (Coder's upsert needs a unique index a partitioned table cannot have: see the README).
  pdb=${db}_part
  if ! "${psql[@]}" -d postgres -At -c "SELECT 1 FROM pg_database WHERE datname = '$pdb'" | grep -q 1; then
    echo "copying the database and partitioning audit_logs by month…" >&2
    time { "${psql[@]}" -d postgres -c "CREATE DATABASE $pdb TEMPLATE $db" && \
           "${psql[@]}" -d "$pdb" -f tests/bench/partition.sql; } >&2
  else
    "${psql[@]}" -d "$pdb" -c "DROP EXTENSION audit_ext; CREATE EXTENSION audit_ext" >&2
  fi
  ppsql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$pdb")
  "${ppsql[@]}" -f tests/bench/coder.sql >/dev/null
  echo; echo "== audit_logs partitioned by month ($("${ppsql[@]}" -At -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'audit_logs'::regclass") partitions), Coder's stock indexes"
  "${ppsql[@]}" -v runs="$runs" "${only[@]}" -f tests/bench/run.sql
fi
echo; echo "cluster $name left running on port $port (stop: bash tests/scripts/cluster.sh stop $name)"
