#!/usr/bin/env bash
# What the advice costs Coder's writes: pgbench inserting Coder-shaped audit events (one per transaction, as Coder's
# audit middleware commits them) with Coder's stock indexes, then with index_advice() applied; prints the
# transactions per second of each, their ratio, and the bytes of each advised index.
#   inserts.sh ROWS [SECONDS] [CLIENTS]   (default 30 s, 4 clients)
# Runs on the cluster `make bench ROWS=…` seeded (it must be running); GEN=g2 or g3 on the database `make bench
# GEN=…` migrated. The inserted rows are deleted afterwards (and the table vacuumed), and the advice is left as it
# was found (KEEP_ADVICE=1: applied). PER_INDEX=1 measures each advised index on audit_logs alone instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:?usage: inserts.sh ROWS [SECONDS] [CLIENTS]}; secs=${2:-30}; clients=${3:-4}
port=$(bash tests/scripts/cluster.sh port "bench-$rows") || { echo "run 'make bench ROWS=$rows' first: it seeds the cluster" >&2; exit 1; }
. tests/bench/lib.sh
conn=(-h 127.0.0.1 -p "$port" -U postgres -d "$(bench_db)")
psql=(psql -X -q -v ON_ERROR_STOP=1 "${conn[@]}")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# An audit event as Coder writes one: a workspace build by one of the users, in one of the organizations, with
# its additional fields; new ids; the current time. Marked by its icon, to be deleted afterwards.
cat >"$work/insert.sql" <<'SQL'
\set n random(1, 1000000000)
INSERT INTO audit_logs (id, "time", user_id, organization_id, ip, user_agent, resource_type, resource_id,
                        resource_target, action, diff, status_code, additional_fields, request_id, resource_icon)
VALUES (gen_random_uuid(), now(), md5('user' || (1 + :n % 50000))::uuid, md5('org' || (1 + :n % 20))::uuid,
        '10.1.2.3', 'Coder v2.24.1 (linux/amd64)', 'workspace_build', gen_random_uuid(), 'ws-' || (:n % 100000),
        'start', '{}', 200,
        jsonb_build_object('workspace_name', 'ws-' || (:n % 100000), 'build_number', '7', 'build_reason', 'initiator',
                           'workspace_owner', 'alice', 'workspace_id', gen_random_uuid()),
        gen_random_uuid(), '/bench/insert');
SQL
tps() {
  "${psql[@]}" -c CHECKPOINT
  pgbench -n -M prepared "${conn[@]}" -c "$clients" -j 2 -T "$secs" -f "$work/insert.sql" 2>/dev/null \
    | awk '/^tps = / { printf "%.0f\n", $3 }'
}
indexes() { "${psql[@]}" -At -c "SELECT count(*) FROM pg_index WHERE indrelid = 'audit_logs'::regclass"; }
# A rate as a percentage of another, rounded.
pct() { awk -v a="$1" -v s="$2" 'BEGIN { printf "%.0f", 100 * a / s }'; }
had=$(advised_on_audit_logs)
# Leaves the database as it was: without the inserted rows, and with the advice only if it had it (or KEEP_ADVICE=1).
restore() {
  "${psql[@]}" -c "DELETE FROM audit_logs WHERE resource_icon = '/bench/insert'" -c "VACUUM ANALYZE audit_logs"
  local want; want=$([ "$had" != 0 ] || [ "${KEEP_ADVICE:-0}" = 1 ] && echo 1 || echo 0)
  if [ "$want" = 1 ] && [ "$(advised_on_audit_logs)" = 0 ]; then apply_advice; fi
  if [ "$want" = 0 ] && [ "$(advised_on_audit_logs)" != 0 ]; then drop_advice; fi
}
# PER_INDEX=1: what each advised index on audit_logs costs alone. Stock indexes, then each index with them (built
# plainly, measured, dropped), then stock again (the VM's drift between the two stock runs bounds the noise).
if [ "${PER_INDEX:-0}" = 1 ]; then
  drop_advice; stock=$(tps)
  echo "== inserts into audit_logs, one advised index at a time: $clients clients, $secs s each, $(nproc) cores"
  printf "   %-45s %10s %8s %9s\n" index size "tx/s" "of stock"
  printf "   %-45s %10s %8s %9s\n" "(Coder's stock indexes)" "" "$stock" "100%"
  "${psql[@]}" -At -c "SELECT c FROM audit_ext.index_advice() s, substring(s FROM 'CREATE INDEX [^\n]* ON [^ ]+\.audit_logs [^\n]*') c WHERE c IS NOT NULL" \
    | sed 's/ CONCURRENTLY//' >"$work/each"
  while IFS= read -r stmt; do
    name=$(sed -E 's/.* IF NOT EXISTS ([^ ]+) ON .*/\1/' <<<"$stmt")
    "${psql[@]}" -c "SET maintenance_work_mem = '1GB'" -c "$stmt"
    t=$(tps)
    size=$("${psql[@]}" -At -c "SELECT pg_size_pretty(pg_relation_size('$name'::regclass))")
    "${psql[@]}" -c "DROP INDEX $name"
    printf "   %-45s %10s %8s %8s%%\n" "$name" "$size" "$t" "$(pct "$t" "$stock")"
  done <"$work/each"
  printf "   %-45s %10s %8s\n" "(stock again)" "" "$(tps)"
  restore
  exit 0
fi
# Whichever state the database is in is measured first, so that the advice is built at most once.
if [ "$had" = 0 ]; then
  n_stock=$(indexes); stock=$(tps)
  apply_advice; n_advice=$(indexes); advice=$(tps)
else
  apply_advice; n_advice=$(indexes); advice=$(tps)
fi
sizes=$("${psql[@]}" -At -c "SELECT format('     %-45s %10s', indexrelid::regclass, pg_size_pretty(pg_relation_size(indexrelid))) FROM pg_index WHERE indexrelid::regclass::text LIKE 'audit\_ext\_%' ORDER BY indrelid::regclass::text, 1"
        "${psql[@]}" -At -c "SELECT format('     total: %s, of which audit_logs %s', pg_size_pretty(sum(pg_relation_size(indexrelid))), pg_size_pretty(sum(pg_relation_size(indexrelid)) FILTER (WHERE indrelid = 'audit_logs'::regclass))) FROM pg_index WHERE indexrelid::regclass::text LIKE 'audit\_ext\_%'")
if [ "$had" != 0 ]; then
  drop_advice; n_stock=$(indexes); stock=$(tps)
fi
echo "== inserts into audit_logs: $clients clients, $secs s each, $(nproc) cores"
printf "   Coder's stock indexes (%s on audit_logs): %s tx/s; with the advice (%s): %s tx/s, %s%% of stock\n" \
  "$n_stock" "$stock" "$n_advice" "$advice" "$(pct "$advice" "$stock")"
echo "   advised indexes and their size:"
echo "$sizes"
restore
