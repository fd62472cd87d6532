#!/usr/bin/env bash
# Latency under concurrency: for each chosen scenario of `scenarios.sql`, Coder's query shapes and audit_ext's one
# call, each run by CLIENTS concurrent pgbench clients for SECONDS; prints p50 and p95 per scenario beside the
# single-client median of the same statements, in one run on one database.
#   concurrency.sh ROWS [SECONDS] [CLIENTS]   (default 10 s, 16 clients)
# Runs on the cluster `make bench ROWS=…` seeded (it must be running); GEN=g2 or g3 on the database `make bench
# GEN=…` migrated. ONLY=regex picks the scenarios ("log: name"; default: a reader of each kind with no filter and
# with a user filter); INDEXES=advice applies index_advice() first (KEEP_ADVICE=1 leaves it in place afterwards).
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:?usage: concurrency.sh ROWS [SECONDS] [CLIENTS]}; secs=${2:-10}; clients=${3:-16}
only=${ONLY:-'^(audit: (no filter \(owner\)|username|org auditor x[128]: (no filter|username))|connection: no filter \(owner\))$'}
port=$(bash tests/scripts/cluster.sh port "bench-$rows") || { echo "run 'make bench ROWS=$rows' first: it seeds the cluster" >&2; exit 1; }
. tests/bench/lib.sh
conn=(-h 127.0.0.1 -p "$port" -U postgres -d "$(bench_db)")
psql=(psql -X -q -v ON_ERROR_STOP=1 "${conn[@]}")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
PGOPTIONS="-c client_min_messages=warning" "${psql[@]}" -f tests/bench/coder.sql >/dev/null
if [ "${INDEXES:-stock}" = advice ]; then
  apply_advice
  "${psql[@]}" -c "ANALYZE"
fi
# One pgbench script per scenario and side: Coder's capped count and page (two statements, one transaction's
# latency), and audit_ext's call. Tab-separated: number, name, Coder's script, audit_ext's script.
"${psql[@]}" -At -F $'\t' -v only="$only" <<'SQL' >"$work/list"
SET search_path = public, bench;
\ir tests/bench/scenarios.sql
SELECT s.n, s.log || ': ' || s.name,
       replace(CASE s.log WHEN 'audit' THEN bench.coder_audit('count', s.coder, s.orgs, 100, s.off, 2000)
                          ELSE bench.coder_connection('count', s.coder, s.orgs, 100, s.off, 2000) END
               || E';\x01' ||
               CASE s.log WHEN 'audit' THEN bench.coder_audit('page', s.coder, s.orgs, 100, s.off, 2000)
                          ELSE bench.coder_connection('page', s.coder, s.orgs, 100, s.off, 2000) END || ';', E'\n', ' '),
       format('SELECT audit_ext.%s_logs(%L, %L, 100, %s);', s.log, s.q, s.actor, s.off)
FROM scenario s WHERE (s.log || ': ' || s.name) ~ :'only' ORDER BY s.n;
SQL
[ -s "$work/list" ] || { echo "no scenario matches ONLY=$only" >&2; exit 1; }

# Median, p50 and p95 of the latencies (µs, column 3 of pgbench's per-transaction log) in the files given, in ms.
percentiles() {
  cat "$@" | awk '{print $3}' | sort -n | awk '{v[NR]=$1} END {
    if (NR == 0) { print "- - 0"; exit }
    p50 = v[int((NR - 1) * 0.50) + 1]; p95 = v[int((NR - 1) * 0.95) + 1]
    printf "%.2f %.2f %d\n", p50 / 1000, p95 / 1000, NR }'
}
# Runs one script: single client for SECONDS/2 (its median), then CLIENTS clients for SECONDS.
measure() {
  local script=$1 tag=$2
  (cd "$work" && pgbench -n -M simple "${conn[@]}" -c 1 -j 1 -T $((secs / 2 > 0 ? secs / 2 : 1)) -f "$script" \
     --log --log-prefix="$tag.one" >/dev/null 2>"$tag.one.err") || { cat "$work/$tag.one.err" >&2; return 1; }
  (cd "$work" && pgbench -n -M simple "${conn[@]}" -c "$clients" -j 2 -T "$secs" -f "$script" \
     --log --log-prefix="$tag.many" >/dev/null 2>"$tag.many.err") || { cat "$work/$tag.many.err" >&2; return 1; }
  read -r one _ _ < <(percentiles "$work/$tag".one.*[0-9])
  read -r p50 p95 n < <(percentiles "$work/$tag".many.*[0-9])
  echo "$one $p50 $p95 $n"
}

echo "== $clients concurrent clients, $secs s per scenario and side, $(nproc) cores; latencies in ms"
printf '%-40s | %-34s | %-34s | %s\n' "" "Coder SQL (count + page)" "audit_ext (one call, JSON)" ""
printf '%-40s | %8s %8s %8s %6s | %8s %8s %8s %6s | %s\n' scenario "1 client" p50 p95 tx/s "1 client" p50 p95 tx/s "p95 / 1 client: Coder, audit_ext"
while IFS=$'\t' read -r n name coder ours; do
  printf '%s\n' "${coder//$'\x01'/$'\n'}" >"$work/coder$n.sql"
  printf '%s\n' "$ours" >"$work/ours$n.sql"
  read -r c1 c50 c95 cn < <(measure "coder$n.sql" "c$n")
  read -r o1 o50 o95 on < <(measure "ours$n.sql" "o$n")
  printf '%-40s | %8s %8s %8s %6s | %8s %8s %8s %6s | %s\n' "$name" "$c1" "$c50" "$c95" $((cn / secs)) \
    "$o1" "$o50" "$o95" $((on / secs)) "$(awk -v c="$c95" -v c1="$c1" -v a="$o95" -v b="$o1" 'BEGIN { printf "%.1fx, %.1fx", c / c1, a / b }')"
done <"$work/list"
if [ "${INDEXES:-stock}" = advice ] && [ "${KEEP_ADVICE:-0}" != 1 ]; then
  drop_advice
fi
